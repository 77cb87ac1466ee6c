"""What the Redis ownership claim costs (docs/performance.md): the renewal every worker runs every 10 s, and
the one-off clearing when the keys change hands, which runs inside Redis as one script (Redis answers no
other command meanwhile; the ranking keys are unlinked, freed in the background), over a Redis as full as a
big deployment's.

Starts its own redis-server on a free port; fills it with `--pages` cached pages (200-byte values, as
`oms:c:<epoch>:...`) and 40 days of enrollment and view buckets of `--courses` members each (the ranking
keys the clearing deletes), then times each step `--repeat` times and prints the median and the worst.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import redis.asyncio as aioredis

from oms.cli.devstack import Stack, free_port
from oms.redis_owner import Claim, claim
from oms.redis_store import RedisGuard, pop_bucket


async def fill(r: aioredis.Redis, pages: int, courses: int) -> None:
    """`pages` cached pages and 40 days of ranking buckets (enroll and view) of `courses` members."""
    body = b"x" * 200
    for start in range(0, pages, 10_000):
        async with r.pipeline(transaction=False) as pipe:
            for i in range(start, min(start + 10_000, pages)):
                pipe.set(f"oms:c:1:course:{i:024x}:0", body)
            await pipe.execute()
    members = {f"{i:024x}": float(i % 50) for i in range(courses)}
    async with r.pipeline(transaction=False) as pipe:
        for day in range(40):
            suffix = f"202611{day % 30 + 1:02d}" if day < 30 else f"202610{day - 29:02d}"
            for kind in ("enroll", "view"):
                pipe.zadd(pop_bucket(kind, suffix), members)
        pipe.zadd(pop_bucket("enroll", "all"), members)
        pipe.zadd(pop_bucket("view", "all"), members)
        pipe.set("oms:pop:built", "1")
        await pipe.execute()


async def timed(label: str, runs: list[float]) -> None:
    print(f"{label:<44} median {statistics.median(runs):8.2f} ms   worst {max(runs):8.2f} ms")


async def main(pages: int, courses: int, repeat: int) -> None:
    stack = Stack()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url = stack.start_redis(free_port(), Path(tmp), Path(tmp) / "redis.log")
            r = aioredis.from_url(url, socket_timeout=60)
            guard = RedisGuard(r)
            renewals, clears = [], []
            for n in range(repeat):
                await r.flushdb()
                await fill(r, pages, courses)
                await r.set("oms:owner:last", "another-deployment")
                start = time.perf_counter()
                assert await claim(guard, f"deployment-{n}", 60) is Claim.cleared
                clears.append((time.perf_counter() - start) * 1000)
                assert not await r.exists("oms:pop:built")
                for _ in range(20):
                    start = time.perf_counter()
                    assert await claim(guard, f"deployment-{n}", 60) is Claim.owner
                    renewals.append((time.perf_counter() - start) * 1000)
            print(f"{pages:,} cached pages, {courses:,} courses in 82 ranking keys, {repeat} runs")
            await timed("renewal (every worker, every 10 s)", renewals)
            await timed("clearing another database's data (once)", clears)
            await r.aclose()
    finally:
        stack.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200_000)
    parser.add_argument("--courses", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.pages, args.courses, args.repeat))
