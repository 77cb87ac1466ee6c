"""Offline evaluation of the recommender: leave-one-out on real (COCO) or generated interactions.

Each user's latest interaction is held out; every method is trained on all other interactions and ranks the
courses the user has not taken. HR@10 counts a hit when the held-out course is in the top 10, NDCG@10 also
rewards its rank, coverage is the share of the catalogue that appears in anyone's top 10.
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from oms.services.ai import model as recommender
from oms.services.ai.model import Weights
from oms.services.ai.text import CourseText

TAG_RELATIONS = {"0", "1", "2", "3"}  # category, concept, level, language (r_map); 4 = audience is noise
_BATCH = 2048


@dataclass
class Dataset:
    """Courses (by index), interactions (user, course, unix time) and where they came from."""

    courses: list[CourseText]
    interactions: list[tuple[int, int, int]]
    n_users: int
    source: str
    later: list[tuple[int, int, int]] = field(default_factory=list)  # a later test split, when given


@dataclass(frozen=True)
class Result:
    """One method's figures."""

    method: str
    hr: float
    ndcg: float
    coverage: float
    users: int


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
            interactions.append((user, taken[-1], 1_500_000_000 + user * 1000 + step))
    return Dataset(courses, interactions, n_users, f"generated ({n_courses} courses, {n_users} users)")


def leave_one_out(data: Dataset) -> tuple[list[tuple[int, int]], list[list[int]], list[int]]:
    """Training pairs, each evaluated user's training history (oldest first) and held-out course."""
    per_user: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for user, item, ts in data.interactions:
        per_user[user].append((ts, item))
    train: list[tuple[int, int]] = []
    histories, held_out = [], []
    for user, events in sorted(per_user.items()):
        events.sort()
        items = list(dict.fromkeys(item for _, item in events))
        if len(items) < 2:
            train.extend((user, i) for i in items)
            continue
        train.extend((user, i) for i in items[:-1])
        histories.append(items[:-1])
        held_out.append(items[-1])
    return train, histories, held_out


def time_split(data: Dataset) -> tuple[list[tuple[int, int]], list[list[int]], list[int]]:
    """Train on every interaction of the first file; hold out each user's first later course."""
    train = list(dict.fromkeys((u, i) for u, i, _ in data.interactions))
    past: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for user, item, ts in data.interactions:
        past[user].append((ts, item))
    first: dict[int, tuple[int, int]] = {}
    for user, item, ts in data.later:
        if user in past and (ts, item) < first.get(user, (ts + 1, item)):
            first[user] = (ts, item)
    histories, held_out = [], []
    for user, (_, item) in sorted(first.items()):
        history = list(dict.fromkeys(i for _, i in sorted(past[user])))
        if item not in history:
            histories.append(history)
            held_out.append(item)
    return train, histories, held_out


def evaluate(
    data: Dataset, methods: dict[str, Weights] | None = None, k: int = 10, max_users: int | None = None
) -> list[Result]:
    """HR@k, NDCG@k and coverage for popularity and each weighting in `methods`: a time split when the data
    has a later split, else leave-one-out."""
    methods = methods or {
        "item-kNN": recommender.ITEM_KNN,
        "content": recommender.CONTENT,
        "hybrid": recommender.HYBRID,
    }
    train, histories, held_out = time_split(data) if data.later else leave_one_out(data)
    if max_users and len(histories) > max_users:
        pick = sorted(random.Random(1).sample(range(len(histories)), max_users))  # noqa: S311  # a fixed sample
        histories, held_out = [histories[i] for i in pick], [held_out[i] for i in pick]
    model = recommender.build(train, data.n_users, data.courses)
    results = [_measure("popularity", model, histories, held_out, Weights(0, 0, 1, 1), k)]
    results += [_measure(name, model, histories, held_out, w, k) for name, w in methods.items()]
    return results


def _measure(
    name: str,
    model: recommender.ItemModel,
    histories: list[list[int]],
    held_out: list[int],
    weights: Weights,
    k: int,
) -> Result:
    hits, gains, shown = 0, 0.0, set()
    for start in range(0, len(histories), _BATCH):
        scores = recommender.score(model, histories[start : start + _BATCH], weights)
        if scores.shape[1] > k:
            top = np.argpartition(-scores, k, axis=1)[:, :k]
            order = np.take_along_axis(scores, top, axis=1).argsort(axis=1)[:, ::-1]
            top = np.take_along_axis(top, order, axis=1)
        else:  # a catalogue of k courses or fewer
            top = np.argsort(-scores, axis=1)
        shown.update(top[np.isfinite(np.take_along_axis(scores, top, axis=1))].tolist())
        for row, target in zip(top, held_out[start : start + _BATCH], strict=True):
            where = np.flatnonzero(row == target)
            if where.size:
                hits += 1
                gains += 1.0 / float(np.log2(where[0] + 2))
    n = max(1, len(histories))
    return Result(name, hits / n, gains / n, len(shown) / max(1, len(model.popularity)), len(histories))


def load(folder: Path | None, generated: bool = False) -> Dataset:
    """The real (COCO) data under `folder` when it is there, else generated data."""
    real = None if generated or folder is None else load_coco(folder)
    return real or generate()


def table(results: list[Result]) -> str:
    """The results as a text table, with each method's HR@10 relative to popularity's."""
    base = next((r.hr for r in results if r.method == "popularity"), 0.0)
    lines = [f"{'method':<12} {'HR@10':>7} {'NDCG@10':>8} {'coverage':>9} {'HR/pop':>7}"]
    for r in results:
        ratio = f"{r.hr / base:.2f}" if base else "-"
        lines.append(f"{r.method:<12} {r.hr:>7.4f} {r.ndcg:>8.4f} {r.coverage:>9.4f} {ratio:>7}")
    return "\n".join(lines)
