"""Generated reports rendered the way agencies publish them (HTML pages, documents), with their truth."""
