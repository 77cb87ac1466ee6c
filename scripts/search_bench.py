"""Catalogue search benchmark: the embedded index against the old regex path, in-process.

- speed: search and suggest p95 at 16 concurrent clients (and each search's CPU time) over generated catalogues (scripts/oms_tools/catalogue.py),
  the regex path (case-insensitive substring over name and description, plus a count) on the same queries;
- build time and resident memory of the index;
- known-item relevance (success@5, MRR) on real course names (COCO, `--data`) and on a Chinese catalogue
  generated from the vocabulary below, for both paths;
- freshness: edits written to MongoDB until another follower's index finds them (p50/p99);
- the plain catalogue page (newest, offset 0 and 4,000): index vs the MongoDB skip/count path.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import itertools
import random
import re
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bson import ObjectId
from oms_tools.catalogue import catalogue as generated
from pymongo import AsyncMongoClient

from oms.cli.devstack import Stack, free_port
from oms.services.search.base import SearchRequest
from oms.services.search.embedded import EmbeddedIndex
from oms.services.search.follower import Follower
from oms.services.search.text import STOPWORDS, analyzer

CLIENTS = 16
REGEX_KNOWN_ITEMS = 30  # the regex path takes seconds per query here: it answers the first ones only
KNOWN_ITEMS = 500
ZH_SUBJECTS = [
    "机器学习", "深度学习", "数据结构", "算法设计", "操作系统", "计算机网络", "数据库系统", "编译原理", "线性代数",
    "概率论", "数理统计", "高等数学", "离散数学", "软件工程", "人工智能", "自然语言处理", "计算机视觉", "信息安全",
    "云计算", "大数据分析", "微观经济学", "宏观经济学", "会计学", "市场营销", "管理学", "心理学", "社会学",
    "中国近代史", "古代汉语", "现代文学", "英语写作", "日语入门", "有机化学", "无机化学", "大学物理", "量子力学",
    "电路分析", "信号与系统", "自动控制", "机械设计", "材料力学", "土木工程", "建筑设计", "临床医学", "药理学",
    "护理学", "营养学", "音乐鉴赏", "美术基础", "摄影技术", "影视制作", "数字媒体", "网页设计", "移动开发",
    "前端开发", "后端开发", "嵌入式系统", "区块链", "物联网", "项目管理",
]  # fmt: skip
ZH_FORMS = [
    "导论",
    "基础",
    "原理",
    "实践",
    "进阶",
    "入门",
    "精讲",
    "案例分析",
    "方法",
    "实验",
    "专题",
    "应用",
]
ZH_PREFIXES = ["", "", "大学", "现代", "实用", "高级", "Python", "工程"]
EN_QUERIES = [
    "python", "machine learning", "pyhton", "web development", "intro data", "advanced security", "cloud",
    "musc theory", "finance", "design for teams", "databases bootcamp", "technical writing", "marketing",
    "practical", "foundations of ml", "projects", "mastering python", "infrastructure", "analysis", "securty",
]  # fmt: skip


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def raw(course: dict[str, Any], n: int) -> dict[str, Any]:
    at = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(seconds=n)
    sections = [{**s, "section_id": ObjectId(), "order": i} for i, s in enumerate(course.get("sections", []))]
    return {"_id": ObjectId(), "description": "", "content": "", "tags": [], "status": "published",
            **course, "sections": sections, "created_at": at, "updated_at": at, "version": 1}  # fmt: skip


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def aiter(items: list[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
    for item in items:
        yield item


async def build(courses: list[dict[str, Any]]) -> tuple[EmbeddedIndex, float, float]:
    before = rss_mb()
    index = EmbeddedIndex(Path(tempfile.mkdtemp(prefix="oms-search-bench-")) / "index")
    start = time.perf_counter()
    await index.rebuild(aiter(courses))
    return index, time.perf_counter() - start, rss_mb() - before


async def concurrent(calls: list[Callable[[], Awaitable[Any]]], clients: int = CLIENTS) -> list[float]:
    """Run the calls with `clients` in flight; each call's latency in ms."""
    queue = list(calls)
    latencies: list[float] = []

    async def client() -> None:
        while queue:
            call = queue.pop()
            start = time.perf_counter()
            await call()
            latencies.append((time.perf_counter() - start) * 1000)

    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies


async def cpu_times(calls: list[Callable[[], Awaitable[Any]]]) -> list[float]:
    """Each call's CPU time in ms (every thread of the process), one at a time: a figure that other
    processes' load hardly changes, unlike the latencies."""
    times = []
    for call in calls:
        start = time.process_time()
        await call()
        times.append((time.process_time() - start) * 1000)
    return times


def regex_search(collection: Any) -> Callable[[str], Awaitable[list[str]]]:
    async def run(q: str) -> list[str]:
        pattern = {"$regex": re.escape(q.strip()), "$options": "i"}
        query = {"status": "published", "$or": [{"name": pattern}, {"description": pattern}]}
        await collection.count_documents(query)
        cursor = collection.find(query, {"name": 1}).sort([("created_at", -1), ("_id", -1)]).limit(20)
        return [str(d["_id"]) async for d in cursor]

    return run


def index_search(index: EmbeddedIndex) -> Callable[[str], Awaitable[list[str]]]:
    async def run(q: str) -> list[str]:
        result = await index.search(SearchRequest(q=q, limit=20))
        return [h.course_id for h in result.hits]

    return run


async def load(collection: Any, courses: list[dict[str, Any]]) -> float:
    await collection.drop()
    start = time.perf_counter()
    for i in range(0, len(courses), 2000):
        await collection.insert_many(courses[i : i + 2000], ordered=False)
    await collection.create_index([("status", 1), ("created_at", -1)])
    return time.perf_counter() - start


async def speed(db: Any, count: int, regex_queries: int) -> dict[str, Any]:
    courses = [raw(c, n) for n, c in enumerate(generated(count, 3, 300, 7))]
    index, seconds, memory = await build(courses)
    out: dict[str, Any] = {"courses": count, "build_s": round(seconds, 1), "index_rss_mb": round(memory)}
    search = index_search(index)
    queries = [q for _ in range(10) for q in EN_QUERIES]
    calls: list[Callable[[], Awaitable[Any]]] = [functools.partial(search, q) for q in queries]
    lat = await concurrent(calls, clients=1)
    out |= {"search_alone_p50_ms": round(pct(lat, 50), 2), "search_alone_p95_ms": round(pct(lat, 95), 2)}
    cpu = await cpu_times(calls)
    out |= {"search_cpu_p50_ms": round(pct(cpu, 50), 2), "search_cpu_p95_ms": round(pct(cpu, 95), 2)}
    lat = await concurrent(calls)
    out |= {"search_p50_ms": round(pct(lat, 50), 2), "search_p95_ms": round(pct(lat, 95), 2)}
    prefixes = [q[:n] for q in EN_QUERIES for n in (2, 3, 4, 6) if len(q) >= n]
    lat = await concurrent([functools.partial(index.suggest, p) for p in prefixes * 2])
    out |= {"suggest_p50_ms": round(pct(lat, 50), 2), "suggest_p95_ms": round(pct(lat, 95), 2)}
    if regex_queries:
        collection = db[f"bench_{count}"]
        out["mongo_load_s"] = round(await load(collection, courses), 1)
        old = regex_search(collection)
        lat = await concurrent([functools.partial(old, q) for q in EN_QUERIES[:regex_queries]])
        out |= {"regex_p50_ms": round(pct(lat, 50), 1), "regex_p95_ms": round(pct(lat, 95), 1)}
        out["ratio_p95"] = round(out["regex_p95_ms"] / out["search_p95_ms"])
        out |= await listing(collection, index)
    else:
        out |= await listing(None, index)
    index.close()
    return out


async def listing(collection: Any, index: EmbeddedIndex) -> dict[str, Any]:
    """The plain catalogue page (newest first) at offsets 0 and 4,000: index vs skip + count."""
    out: dict[str, Any] = {}
    for offset in (0, 4000):

        async def old(offset: int = offset) -> None:
            query = {"status": "published"}
            await collection.count_documents(query)
            cursor = collection.find(query, {"content": 0, "sections.body": 0})
            await cursor.sort([("created_at", -1), ("_id", -1)]).skip(offset).limit(20).to_list()

        async def new(offset: int = offset) -> None:
            await index.search(SearchRequest(limit=20, offset=offset, facets=False))

        for name, call, n in (("mongo", old, 8), ("index", new, 400)):
            if name == "mongo" and collection is None:
                continue
            start = time.perf_counter()
            lat = await concurrent([call] * n, clients=4)
            out[f"page_{offset}_{name}_p50_ms"] = round(pct(lat, 50), 2)
            out[f"page_{offset}_{name}_req_s"] = round(n / (time.perf_counter() - start), 1)
    return out


def typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 2)
    return (
        word[:i] + word[i + 1] + word[i] + word[i + 2 :] if rng.random() < 0.5 else word[:i] + word[i + 1 :]
    )


def coco_names(path: Path) -> list[str]:
    lines = path.read_text().splitlines()[1:]
    return list(
        dict.fromkeys(line.split("\t")[2].replace("-", " ") for line in lines if line.count("\t") >= 3)
    )


def chinese_names(rng: random.Random) -> list[tuple[str, list[str]]]:
    """Course names composed from real course vocabulary (subject + kind, sometimes a qualifier in front:
    one course per subject and kind, as a catalogue has), with their words (the segmentation)."""
    names: dict[str, list[str]] = {}
    for subject, form in itertools.product(ZH_SUBJECTS, ZH_FORMS):
        words = [w for w in (rng.choice(ZH_PREFIXES), subject, form) if w]
        names.setdefault("".join(words), words)
    return list(names.items())


def query_words(words: list[str], stop_words: bool) -> list[str]:
    """The words of a name a query may be made of: not single ASCII letters, and not stop-words (nobody
    looks for a course by `to the`) unless `stop_words`; a name of stop-words only keeps them."""
    usable = [w for w in words if len(w) > 1 or not w.isascii()]
    content = [w for w in usable if w.lower() not in STOPWORDS]
    return usable if stop_words or not content else content


def containing(names: list[str], words: list[str]) -> int:
    """How many names contain every one of `words` (Latin words compared as the index's stems, Chinese
    ones as substrings): the courses a query made of these words, typo-free, describes equally well."""
    stems = [set(analyzer().analyze(n.lower())) for n in names]
    latin = set(analyzer().analyze(" ".join(w for w in words if w.isascii()).lower()))
    han = [w for w in words if not w.isascii()]
    return sum(1 for n, s in zip(names, stems, strict=True) if latin <= s and all(w in n for w in han))


def scores(ranks: list[int | None]) -> dict[str, Any]:
    if not ranks:
        return {"n": 0}
    return {
        "n": len(ranks),
        "success@5": round(sum(1 for r in ranks if r and r <= 5) / len(ranks), 3),
        "mrr": round(statistics.fmean(1 / r if r else 0 for r in ranks), 3),
    }


async def known_item(
    db: Any,
    named: list[tuple[str, list[str]]],
    seed: int,
    typos: bool,
    regex_known: int,
    *,
    items: int = KNOWN_ITEMS,
    stop_words: bool = False,
    show_misses: bool = False,
) -> dict[str, Any]:
    """success@5 and MRR of `items` known-item queries, overall and split by whether the query's words
    (before any typo) single out at most five courses (`identifiable`) or describe more (`ambiguous`:
    any order of those courses is as right; `chance@5` is the mean of min(1, 5 / courses described))."""
    rng = random.Random(seed)
    courses = [raw({"name": name, "slug": f"c{n}"}, n) for n, (name, _) in enumerate(named)]
    names = [name for name, _ in named]
    position = {str(c["_id"]): n for n, c in enumerate(courses)}
    index, _, _ = await build(courses)
    collection = db[f"known_{seed}_{len(courses)}"]
    if regex_known:
        await load(collection, courses)
    searches = {"index": index_search(index), "regex": regex_search(collection)}
    ranks: dict[str, list[int | None]] = {"index": [], "regex": []}
    split: dict[str, list[int | None]] = {"identifiable": [], "ambiguous": []}
    chance: list[float] = []
    for k, t in enumerate(rng.sample(range(len(courses)), min(items, len(courses)))):
        words = query_words(named[t][1], stop_words)
        picked = rng.sample(words, min(len(words), rng.choice([2, 3])))
        rng.shuffle(picked)
        described = containing(names, picked)
        if typos and k % 3 == 0:
            long = [i for i, w in enumerate(picked) if len(w) >= 5 and w.isascii()]
            if long:
                i = rng.choice(long)
                picked[i] = typo(picked[i], rng)
        q = " ".join(picked)
        want = str(courses[t]["_id"])
        for name, run in searches.items():
            if name == "regex" and k >= regex_known:
                continue
            found = await run(q)
            rank = found.index(want) + 1 if want in found else None
            ranks[name].append(rank)
            if name != "index":
                continue
            split["ambiguous" if described > 5 else "identifiable"].append(rank)
            if described > 5:
                chance.append(min(1.0, 5 / described))
            if show_misses and not (rank and rank <= 5):
                top = [names[position[f]] for f in found[:3]]
                print(f"  miss {q!r} -> {names[t]!r}: rank {rank}, {described} described, top {top}")
    index.close()
    out: dict[str, Any] = {"catalogue": len(courses), "stop_words": stop_words}
    out["index"] = scores(ranks["index"])
    out |= {name: scores(got) for name, got in split.items()}
    if chance:
        out["ambiguous"]["chance@5"] = round(statistics.fmean(chance), 3)
    if regex_known:
        out["regex"] = scores(ranks["regex"])
        out[f"index_first_{regex_known}"] = scores(ranks["index"][:regex_known])
    return out


async def freshness(db: Any, edits: int) -> dict[str, Any]:
    collection = db["fresh"]
    courses = [raw(c, n) for n, c in enumerate(generated(2000, 2, 200, 3))]
    await load(collection, courses)
    index = EmbeddedIndex(None)
    follower = Follower(index, collection, None)
    follower.start()
    while index.state != "ready" or follower.caught_up_at is None:  # noqa: ASYNC110 (polling is what is measured)
        await asyncio.sleep(0.05)
    lat = []
    for n in range(edits):
        target = courses[n % len(courses)]
        word = f"zq{n:04d}fresh"
        start = time.perf_counter()
        await collection.update_one({"_id": target["_id"]}, {"$set": {"name": word}, "$inc": {"version": 1}})
        while not (await index.search(SearchRequest(q=word, limit=1, facets=False))).total:  # noqa: ASYNC110
            await asyncio.sleep(0.002)
        lat.append((time.perf_counter() - start) * 1000)
    await follower.stop()
    index.close()
    return {
        "edits": edits,
        "p50_ms": round(pct(lat, 50)),
        "p99_ms": round(pct(lat, 99)),
        "max_ms": round(max(lat)),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--courses", default="10000,100000", help="catalogue sizes, comma-separated")
    parser.add_argument("--regex-queries", type=int, default=20, help="regex-path queries per size (0: skip)")
    parser.add_argument("--data", type=Path, help="COCO coco_i2kg_map.txt (real course names); no default")
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument(
        "--regex-known", type=int, default=REGEX_KNOWN_ITEMS, help="known-item queries for regex"
    )
    parser.add_argument(
        "--known-items", type=int, default=KNOWN_ITEMS, help="known-item queries per language"
    )
    parser.add_argument(
        "--seed", type=int, default=11, help="known-item sample (the Chinese one uses seed + 1)"
    )
    parser.add_argument(
        "--stop-words", action="store_true", help="known-item queries may be made of stop-words too"
    )
    parser.add_argument(
        "--show-misses", action="store_true", help="print known-item queries not in the top 5"
    )
    args = parser.parse_args()
    stack = Stack()
    url = stack.start_mongo(free_port(), ":memory:", Path(tempfile.mkdtemp()) / "mongo.log")
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, tz_aware=True)
    db = client["search_bench"]
    known = functools.partial(
        known_item,
        items=args.known_items,
        stop_words=args.stop_words,
        show_misses=args.show_misses,
    )
    try:
        for count in (int(c) for c in args.courses.split(",") if c):
            print("speed", await speed(db, count, args.regex_queries), flush=True)
        if args.data:
            named = [(n, n.split()) for n in coco_names(args.data)]
            english = await known(db, named, args.seed, True, args.regex_known)
            print("known-item english (COCO)", english, flush=True)
        chinese = chinese_names(random.Random(args.seed))
        print(
            "known-item chinese (generated)",
            await known(db, chinese, args.seed + 1, False, args.regex_known),
            flush=True,
        )
        if args.edits:
            print("freshness", await freshness(db, args.edits), flush=True)
    finally:
        await client.close()
        stack.stop()


if __name__ == "__main__":
    asyncio.run(main())
