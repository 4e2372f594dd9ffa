"""Turn fetched documents into the report model and write them to Elasticsearch."""
