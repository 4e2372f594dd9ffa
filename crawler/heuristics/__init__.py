"""Pure page heuristics: titles, links, pagination and documents, tested without I/O."""
