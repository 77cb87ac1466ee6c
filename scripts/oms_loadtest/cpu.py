"""Where the CPU went during a run: our processes from /proc, the whole machine from /proc/stat."""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()  # fields after the command name


def process_seconds(pid: int, with_children: bool = False) -> float:
    """CPU seconds (user + system) of `pid`, and of its direct children when asked (nginx's workers)."""
    pids = [pid]
    if with_children:
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if int(_stat(int(entry.name))[1]) == pid:
                        pids.append(int(entry.name))
                except (OSError, ValueError, IndexError):
                    continue
    total = 0.0
    for p in pids:
        try:
            fields = _stat(p)
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime
    return total


def machine_busy_seconds() -> float:
    """CPU seconds every core spent not idle since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / _TICK


@contextmanager
def usage(groups: Mapping[str, Callable[[], float]], into: dict[str, float]) -> Iterator[None]:
    """Fill `into` with the cores each group used during the block, plus `children` (e.g. wrk), `machine`
    and `others` (processes that are not ours)."""
    before = {name: read() for name, read in groups.items()}
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy, start = machine_busy_seconds(), time.monotonic()
    yield
    wall = time.monotonic() - start
    into.update({name: (read() - before[name]) / wall for name, read in groups.items()})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    into["children"] = (after.ru_utime + after.ru_stime - kids.ru_utime - kids.ru_stime) / wall
    into["machine"] = (machine_busy_seconds() - busy) / wall
    into["others"] = max(
        0.0, into["machine"] - sum(v for k, v in into.items() if k not in ("machine", "others"))
    )
