"""The course page cache: where a course read is answered.

`GET /api/v1/courses/{ref}` (`ref` an id or a slug) is answered by the first of these that can:

1. `oms.edge.frontdoor`, before any middleware: an anonymous GET by 24-hex id, with no query string, body
   or `Authorization` (nor `Origin` when CORS is on, nor a host list to check), whose page this process
   holds (`Cache.held` → `near_cache.NearCache`). A held page is served only while the near cache's
   invalidation connection is subscribed and answered a heartbeat in the last 2 s, and for at most half the
   page TTL after it was read from Redis. Its view goes to the `ViewBuffer` (sent within a second).
2. `routers.courses.read_course` → `course_pages.read_course` → `Cache.course`: the page held in this
   process (also by slug), else one Lua call to Redis that reads the epoch, the slug's course id, the
   course's generation and the page, and counts the view of a hit in the popularity buckets (admins' reads
   count no view). A page read from Redis is then held in the process, unless an invalidation arrived
   meanwhile.
3. On a miss for a known course id: `LoadOnce.load_once` lets one request per page load it (single flight
   in the process, a 2 s redis-py `Lock` across processes; the others poll Redis every 20 ms for up to 1 s,
   then load themselves). The loader reads MongoDB and stores the page, if published, under the epoch and
   generation read *before* the load.
4. A slug not seen yet (or Redis unavailable, or the cache off): MongoDB, once for concurrent callers in the
   process; the slug's course id is then remembered, so the next read takes step 2 or 3. (A remembered
   slug whose course's slug has changed since is looked up in MongoDB again and remembered anew.)

Drafts and archived courses (admins only) are never stored. Catalogue pages (the published-only view) and
popular lists use the same steps 2-3 without the near cache.

Keys (all named in `oms.redis_store`): `oms:c:<epoch>:course:<id>:<gen>` (a hash: body, etag, slug),
`oms:c:<epoch>:slug:<slug>` (a course id), `oms:c:<epoch>:<kind>:<params hash>:<catalogue gen>` (list
pages), `oms:lock:<load key>`; counters `oms:cgen:<id>` (the course's generation), `oms:catgen` (the
catalogue's) and `oms:epoch`. Pages and slugs live the page TTL (`OMS_CACHE_TTL_S`, ±10%); popular lists and
the catalogue sorted by popularity 30 s.

Generations and epochs, not deletes, keep pages fresh. Every write to a course (`Cache.invalidate_course`)
increments its generation and the catalogue generation before it returns (a new course: only the
catalogue's), so the old page is simply never read again; it expires with its TTL. A loader stores under the
generation it read before MongoDB, so a page loaded across a write is stored where no one looks. A write
that could not reach Redis leaves the breaker open in its process, and when that process sees Redis again
(after any outage it saw) it increments the epoch, retiring every page and slug mapping cached before. Held
pages follow the same counters: Redis `CLIENT TRACKING` (broadcast, on the `oms:cgen:` and `oms:epoch`
prefixes) tells every process of each increment, a course's drops that course, the epoch's drops everything,
and the writing process drops its own copy before and after it tells Redis.
"""
