"""Everything a request meets before a router: the front door (liveness and held course pages answered
before the middleware), request context and JSON logs, security headers, Prometheus metrics, the
problem+json mapping of every error, and the OpenAPI document's shape."""
