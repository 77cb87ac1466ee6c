"""The production-like stack on loopback: MongoDB-compatible server, Redis, uvicorn workers, Nginx."""
