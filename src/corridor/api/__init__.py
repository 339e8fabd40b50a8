"""HTTP API (FastAPI): thin routes over hub use cases."""
