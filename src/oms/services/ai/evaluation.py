"""Offline evaluation of the recommender on real (COCO) or generated interactions.

Protocol. The served model's weights are tuned on a **validation split** carved from the time split's
training period alone (`validation_split`; `tune` runs that grid); the figures are reported on two other
splits: **leave-latest-out** (each user's latest course held out, everything else trains) and the **time
split** (train before a cut-off date, hold out each user's first new course after it), plus a later file's
split when the data has one. The baselines with parameters (EASE's λ, RP3β's α and β) are given their best
grid point on each split itself, by HR@10: an optimistic bound for them, which the served model does not get.

Every method ranks the courses the user has not taken. HR@10 counts a hit when the held-out course is in
the top 10, NDCG@10 also rewards its rank (1 / log2(rank + 1)). Catalogue coverage (Ge et al. 2010) is the
share of the whole catalogue that appears in at least one top-10 list: over the evaluated users' lists,
and over the lists of every user with a training history (those the model would serve at the split's
time; the two are the same on leave-latest-out, where everyone is evaluated).
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from oms.services.ai import baselines
from oms.services.ai import model as recommender
from oms.services.ai.baselines import Scorer
from oms.services.ai.splits import (
    Dataset,
    Split,
    later_split,
    leave_latest_out,
    sample,
    sequences,
    time_split,
    validation_split,
)
from oms.services.ai.text import CourseText, build_index

__all__ = [
    "Dataset",
    "Result",
    "Split",
    "evaluate",
    "generate",
    "later_split",
    "leave_latest_out",
    "load",
    "load_coco",
    "measure",
    "table",
    "time_split",
    "tune",
    "validation_split",
]

TAG_RELATIONS = {"0", "1", "2", "3"}  # category, concept, level, language (r_map); 4 = audience is noise
_BATCH = 2048
COVERAGE_GOAL = 0.85
# What `tune` tries on the validation split: content's popularity penalty and content's weight.
TUNING_GRID: tuple[tuple[float, float], ...] = tuple(
    (penalty, content) for penalty in (0.0, 0.3, 0.6) for content in (0.25, 0.5, 1.0)
)


@dataclass(frozen=True)
class Result:
    """One method's figures: coverage over the evaluated users' lists, coverage_all over every list."""

    method: str
    hr: float
    ndcg: float
    coverage: float
    users: int
    coverage_all: float = 0.0


def load_coco(folder: Path) -> Dataset | None:
    """The COCO catalogue (slug as name; categories, concepts, level, language as tags) and
    `coco_valid.txt` interactions, or None when the files are absent."""
    names = {"items": "coco_i2kg_map.txt", "kg": "coco_kg_final.txt", "entities": "coco_e_map.txt"}
    paths = {k: folder / v for k, v in names.items()} | {"valid": folder / "coco_valid.txt"}
    if not all(p.is_file() for p in paths.values()):
        return None

    def rows(path: Path) -> list[list[str]]:
        with path.open(newline="", encoding="utf-8") as f:
            return list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))

    items = rows(paths["items"])[1:]
    entity_names = {r[0]: r[1] for r in rows(paths["entities"])[1:]}
    index = {r[1]: int(r[0]) for r in items}
    tags: dict[int, list[str]] = defaultdict(list)
    for head, relation, tail in rows(paths["kg"])[1:]:
        if relation in TAG_RELATIONS:
            tags[int(head)].append(entity_names.get(tail, tail))
    courses = [CourseText(name=r[2].replace("-", " "), tags=tuple(tags[int(r[0])])) for r in items]
    users: dict[str, int] = {}

    def interactions(path: Path) -> list[tuple[int, int, int]]:
        return [
            (users.setdefault(uid, len(users)), index[pid], int(ts))
            for uid, pid, _rating, ts in rows(path)
            if pid in index
        ]

    valid = interactions(paths["valid"])
    test = next((p for p in (folder / "coco_test.txt", folder / "test.txt") if p.is_file()), None)
    later = interactions(test) if test else []
    source = f"COCO ({folder}{', time split on ' + test.name if test else ''})"
    return Dataset(courses, valid, len(users), source, later)


def generate(n_courses: int = 400, n_users: int = 3000, seed: int = 7) -> Dataset:
    """A synthetic catalogue of topics with beginner → advanced tracks, and learners who mostly follow a
    favourite topic in order, sometimes stray, and favour popular courses."""
    rng = random.Random(seed)  # noqa: S311  # reproducible data, not security
    topics = ["python", "data", "web", "design", "finance", "marketing", "music", "language", "cloud", "ml"]
    levels = ["beginner", "intermediate", "advanced"]
    courses, by_topic = [], defaultdict(list)
    for i in range(n_courses):
        topic, level = topics[i % len(topics)], levels[(i // len(topics)) % 3]
        other = rng.choice(topics)
        name = f"{level} {topic} {rng.choice(['workshop', 'bootcamp', 'essentials', 'projects'])} {i}"
        courses.append(
            CourseText(name=name, tags=(topic, level, other), section_titles=(f"{topic} {other}",))
        )
        by_topic[topic].append(i)
    appeal = [rng.paretovariate(1.5) for _ in range(n_courses)]
    interactions = []
    for user in range(n_users):
        topic = rng.choice(topics)
        track = sorted(by_topic[topic], key=lambda c: (levels.index(courses[c].tags[1]), -appeal[c]))
        taken: list[int] = []
        for step in range(rng.randint(3, 8)):
            if rng.random() < 0.75 and len(taken) < len(track):
                pool = [c for c in track if c not in taken][:4]
            else:
                pool = [c for c in range(n_courses) if c not in taken]
            taken.append(rng.choices(pool, weights=[appeal[c] for c in pool])[0])
            interactions.append((user, taken[-1], 1_500_000_000 + step * 1_000_000 + user))
    return Dataset(courses, interactions, n_users, f"generated ({n_courses} courses, {n_users} users)")


def _top(scorer: Scorer, batch: list[list[int]], n_items: int, k: int) -> tuple[np.ndarray, set[int]]:
    """Each history's top k (best first) among the courses it has not taken, and the courses shown."""
    scores = np.array(scorer(batch), dtype=np.float32)
    scores[recommender.seed_matrix(batch, n_items, 1.0).nonzero()] = -np.inf
    if scores.shape[1] > k:
        top = np.argpartition(-scores, k, axis=1)[:, :k]
        order = np.take_along_axis(scores, top, axis=1).argsort(axis=1)[:, ::-1]
        top = np.take_along_axis(top, order, axis=1)
    else:  # a catalogue of k courses or fewer
        top = np.argsort(-scores, axis=1)
    return top, set(top[np.isfinite(np.take_along_axis(scores, top, axis=1))].tolist())


def measure(name: str, scorer: Scorer, split: Split, n_items: int, k: int = 10) -> Result:
    """HR@k, NDCG@k and catalogue coverage (evaluated users' lists; every list) of one scorer on one
    split."""
    hits, gains, shown = 0, 0.0, set()
    for start in range(0, len(split.histories), _BATCH):
        top, seen = _top(scorer, split.histories[start : start + _BATCH], n_items, k)
        shown |= seen
        for row, target in zip(top, split.held_out[start : start + _BATCH], strict=True):
            where = np.flatnonzero(row == target)
            if where.size:
                hits += 1
                gains += 1.0 / float(np.log2(where[0] + 2))
    every = set(shown)
    for start in range(0, len(split.others), _BATCH):
        every |= _top(scorer, split.others[start : start + _BATCH], n_items, k)[1]
    n, size = max(1, len(split.histories)), max(1, n_items)
    return Result(name, hits / n, gains / n, len(shown) / size, len(split.histories), len(every) / size)


def evaluate(
    data: Dataset, max_users: int | None = None, weights: recommender.Weights = recommender.SERVED
) -> list[tuple[Split, list[Result]]]:
    """Every baseline and the served model (`weights`, tuned on the validation split) on the validation
    split, leave-latest-out, the time split and, when the data has one, the later file's split. EASE and
    RP3β show their best grid point on each split."""
    splits = [validation_split(data), leave_latest_out(data), time_split(data)]
    splits += [later_split(data)] if data.later else []
    n_items = len(data.courses)
    index = build_index(data.courses)
    out = []
    for split in splits:
        split = sample(split, max_users)
        seqs = sequences(split.train, data.n_users)
        x = recommender.interaction_matrix(
            [(u, i) for u, seq in enumerate(seqs) for i in seq], len(seqs), n_items
        )
        results = [measure(name, sc, split, n_items) for name, sc in baselines.fixed(x, index).items()]
        for family, options in baselines.tunable(x, weights.min_count).items():
            tried = [measure(f"{family} ({p})", make(), split, n_items) for p, make in options.items()]
            results.append(max(tried, key=lambda r: (r.hr, r.ndcg)))
        model = recommender.build(seqs, data.courses, weights, index=index)
        served = functools.partial(recommender.score, model, weights=weights)
        results.append(measure("served", served, split, n_items))
        out.append((split, results))
    return out


def tune(data: Dataset, max_users: int | None = None) -> list[tuple[recommender.Weights, Result]]:
    """The served model with every setting of `TUNING_GRID` on the validation split, the chosen one first:
    the best HR@10 (then NDCG@10) among the settings whose coverage of every list reaches
    `COVERAGE_GOAL`, or the widest coverage when none does."""
    split = sample(validation_split(data), max_users)
    seqs = sequences(split.train, data.n_users)
    index = build_index(data.courses)
    tried = []
    for penalty in dict.fromkeys(p for p, _ in TUNING_GRID):
        built = dataclasses.replace(recommender.SERVED, content_popularity=penalty)
        model = recommender.build(seqs, data.courses, built, index=index)
        for content in (c for p, c in TUNING_GRID if p == penalty):
            w = dataclasses.replace(built, content=content)
            scorer = functools.partial(recommender.score, model, weights=w)
            name = f"content {content:g}, popularity^{penalty:g}"
            tried.append((w, measure(name, scorer, split, len(data.courses))))
    reaching = [t for t in tried if t[1].coverage_all >= COVERAGE_GOAL]
    best = (
        max(reaching, key=lambda t: (t[1].hr, t[1].ndcg))
        if reaching
        else max(tried, key=lambda t: t[1].coverage_all)
    )
    return [best] + [t for t in tried if t is not best]


def load(folder: Path | None, generated: bool = False) -> Dataset:
    """Generated data, or the COCO files in `folder` (FileNotFoundError when they are not all there)."""
    if generated:
        return generate()
    real = load_coco(folder) if folder else None
    if real is None:
        raise FileNotFoundError(f"no COCO files (coco_valid.txt, coco_i2kg_map.txt, ...) in {folder}")
    return real


def table(results: list[Result]) -> str:
    """The results as a text table, with the served model's HR@10 and NDCG@10 relative to each method's."""
    served = next((r for r in results if r.method == "served"), None)
    lines = [
        f"{'method':<34} {'HR@10':>7} {'NDCG@10':>8} {'cov.eval':>9} {'cov.all':>8} "
        f"{'served/HR':>10} {'served/NDCG':>12}"
    ]
    for r in results:
        hr = f"{served.hr / r.hr:.2f}x" if served and r.hr else "-"
        ndcg = f"{served.ndcg / r.ndcg:.2f}x" if served and r.ndcg else "-"
        lines.append(
            f"{r.method:<34} {r.hr:>7.4f} {r.ndcg:>8.4f} {r.coverage:>9.3f} {r.coverage_all:>8.3f} "
            f"{hr:>10} {ndcg:>12}"
        )
    return "\n".join(lines)
