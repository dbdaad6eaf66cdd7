"""The three standard tables: from table units to canonical cells, with the readings that chose them (stage 5)."""
