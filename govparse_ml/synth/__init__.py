"""Generated reports with their truth: values, layouts and the renderers to HTML, DOCX and PDF."""
