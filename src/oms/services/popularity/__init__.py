"""Popularity: per-day sorted sets of enrollments and views in Redis, rebuilt from MongoDB whenever Redis
lost them.

`view_counts` buffers the views counted in this process and sends them once a second; `rankings` records
enrollments, answers a window's top courses (flushing the buffer first) and rebuilds. The dependency runs
one way, rankings → view_counts; the key names and lifetimes both use are in `oms.redis_store`.
"""
