"""The course page cache: where a course read is answered.

An anonymous `GET /api/v1/courses/{id}` is answered by the first of these that can:

1. `oms.edge.frontdoor` — before any middleware, from the page held in this process by `near_cache`
   (kept exact by Redis CLIENT TRACKING invalidations; served only while Redis answered a heartbeat in
   the last 2 s);
2. `routers.courses` → `course_pages` — the page bytes in Redis (`cache.Cache`);
3. on a miss, `load_once` lets one request per course (across workers, by a Redis lock) read MongoDB
   and fill Redis; the others wait for it and read the filled page.

Keys (named in `oms.redis_store`): a page is stored under the course's generation and the global epoch;
a write bumps the course's generation (and the catalogue's) before it returns, so no old page can be read
again; a write that could not reach Redis bumps the epoch on recovery, retiring every page.
"""
