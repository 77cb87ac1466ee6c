"""Load through Nginx: a mixed workload of real users (asyncio) and wrk on the cached paths."""
