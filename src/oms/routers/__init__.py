"""HTTP only: parse, call one service function, shape the reply."""

API_PREFIX = "/api/v1"
