"""Knowledge ingestion: connectors, chunking, redaction and the Chroma store (see issue #3)."""
