"""The data the offline evaluation reads, and how it is split into training and held-out courses.

- validation (the tuning split): a time split inside the time split's training period;
- leave-latest-out: each user's latest course is held out, everything else trains;
- time split: train on every interaction before a cut-off date, hold out each user's first new course
  after it;
- later file: train on all of the first file, hold out each user's first course of a later file.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from oms.services.ai.text import CourseText


@dataclass
class Dataset:
    """Courses (by index), interactions (user, course, unix time) and where they came from."""

    courses: list[CourseText]
    interactions: list[tuple[int, int, int]]
    n_users: int
    source: str
    later: list[tuple[int, int, int]] = field(default_factory=list)  # a later test split, when given


@dataclass
class Split:
    """Training interactions (user, course, time), each evaluated user's history and held-out course, and
    the histories of the users who have training courses but nothing held out (they get lists too: catalogue
    coverage of every list the model would serve counts them)."""

    name: str
    train: list[tuple[int, int, int]]
    histories: list[list[int]]
    held_out: list[int]
    others: list[list[int]] = field(default_factory=list)


def leave_latest_out(data: Dataset) -> Split:
    """Each user's latest course is held out; everything else trains."""
    per_user: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for user, item, ts in data.interactions:
        per_user[user].append((ts, item))
    split = Split("leave-latest-out", [], [], [])
    for user, events in sorted(per_user.items()):
        events.sort()
        items = list(dict.fromkeys(item for _, item in events))
        first_seen = {item: ts for ts, item in reversed(events)}
        keep = items if len(items) < 2 else items[:-1]
        split.train.extend((user, i, first_seen[i]) for i in keep)
        if len(items) >= 2:
            split.histories.append(items[:-1])
            split.held_out.append(items[-1])
        else:
            split.others.append(items)
    return split


def time_split(data: Dataset, cutoff: int | None = None) -> Split:
    """Train on every interaction before `cutoff` (default: the 80th percentile of the interaction times);
    hold out each user's first course after it that they had not taken (users with an earlier course)."""
    times = sorted(ts for _, _, ts in data.interactions)
    cut = cutoff if cutoff is not None else times[int(0.8 * (len(times) - 1))] if times else 0
    per_user: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for user, item, ts in data.interactions:
        per_user[user].append((ts, item))
    day = datetime.fromtimestamp(cut, UTC).date().isoformat()
    split = Split(f"time split at {day}", [], [], [])
    for user, events in sorted(per_user.items()):
        events.sort()
        before = list(dict.fromkeys(item for ts, item in events if ts < cut))
        first_seen = {item: ts for ts, item in reversed(events)}
        split.train.extend((user, i, first_seen[i]) for i in before)
        later = [item for ts, item in events if ts >= cut and item not in before]
        if before and later:
            split.histories.append(before)
            split.held_out.append(later[0])
        elif before:
            split.others.append(before)
    return split


def later_split(data: Dataset) -> Split:
    """Train on every interaction of the first file; hold out each user's first course of the later file."""
    train = list({(u, i): (u, i, ts) for u, i, ts in sorted(data.interactions, key=lambda r: -r[2])}.values())
    past: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for user, item, ts in data.interactions:
        past[user].append((ts, item))
    first: dict[int, tuple[int, int]] = {}
    for user, item, ts in data.later:
        if user in past and (ts, item) < first.get(user, (ts + 1, item)):
            first[user] = (ts, item)
    split = Split("later file", train, [], [])
    for user, events in sorted(past.items()):
        history = list(dict.fromkeys(i for _, i in sorted(events)))
        if user in first and first[user][1] not in history:
            split.histories.append(history)
            split.held_out.append(first[user][1])
        else:
            split.others.append(history)
    return split


def sequences(train: list[tuple[int, int, int]], n_users: int) -> list[list[int]]:
    """Each user's training courses in the order taken."""
    per_user: list[list[tuple[int, int]]] = [[] for _ in range(n_users)]
    for user, item, ts in train:
        per_user[user].append((ts, item))
    return [[item for _, item in sorted(events)] for events in per_user]


def validation_split(data: Dataset) -> Split:
    """The tuning split, carved from the time split's training period alone: the same time split again
    inside the interactions before the time split's cut-off (its own cut-off at their 80th percentile), so
    nothing the reported time split holds out is seen while tuning."""
    inner = Dataset(data.courses, time_split(data).train, data.n_users, data.source)
    split = time_split(inner)
    split.name = f"validation ({split.name} of the time split's training period)"
    return split


def sample(split: Split, max_users: int | None) -> Split:
    """A fixed sample of the evaluated users (all when `max_users` is None); the others stay."""
    if not max_users or len(split.histories) <= max_users:
        return split
    pick = sorted(random.Random(1).sample(range(len(split.histories)), max_users))  # noqa: S311  # fixed
    return Split(
        split.name,
        split.train,
        [split.histories[i] for i in pick],
        [split.held_out[i] for i in pick],
        split.others,
    )
