"""Reading files of every format (text, HTML, DOCX, PDF) and writing the outputs (JSON, cells, lines, markdown, sheets)."""
