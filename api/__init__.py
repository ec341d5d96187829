"""The FastAPI app: thin routes onto assist/ and matrix/ (see issue #4)."""
