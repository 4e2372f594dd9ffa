"""The HTTP API and web page over the report index."""
