"""Renderers: generated reports written as real documents (DOCX, PDF, HTML), with their truth, for tests and benchmarks."""
