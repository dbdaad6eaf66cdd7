"""Text in: normalise the text and split it into lines and units (stages 1-2)."""
