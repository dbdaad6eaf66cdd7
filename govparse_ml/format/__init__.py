"""Everything known about the official format: the tables (rows, columns, aliases, identities), the sections, the vocabulary and the priors."""
