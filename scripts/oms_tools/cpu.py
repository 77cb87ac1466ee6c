"""Where the CPU went during a run: our processes from /proc, this process and its children (wrk) from
getrusage, the whole machine from /proc/stat. One meter for the benchmark and the load test's figures."""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1


def _stat(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()  # fields after the command name


def process_seconds(pid: int, with_children: bool = False) -> float:
    """CPU seconds (user + system) of `pid` (0 when it is gone), and of its direct children when asked
    (nginx's workers)."""
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


def of_pids(pids: Mapping[str, int]) -> dict[str, Callable[[], float]]:
    """Meter groups of one process each."""
    return {name: partial(process_seconds, pid) for name, pid in pids.items()}


def machine_busy_seconds() -> float:
    """CPU seconds every core spent not idle since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(values) - values[3] - values[4]) / _TICK  # all but idle and iowait


def machine_busy_pct(seconds: float = 2.0) -> float:
    """How busy the machine is (% of all cores) over the next `seconds`."""
    before = machine_busy_seconds()
    time.sleep(seconds)
    return (machine_busy_seconds() - before) / (seconds * CORES) * 100


def _rusage() -> tuple[float, float]:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


@dataclass
class Usage:
    """CPU seconds used over `wall` seconds: by each group, this process, its waited-for children, the machine."""

    groups: dict[str, float]
    own: float
    children: float
    machine: float
    wall: float

    @property
    def others(self) -> float:
        """CPU seconds of processes that are not ours (the rest of a shared machine)."""
        return max(0.0, self.machine - sum(self.groups.values()) - self.own - self.children)

    def cores(self) -> dict[str, float]:
        """Each figure as cores used on average: the groups, `children`, `machine` and `others`."""
        per = {**self.groups, "children": self.children, "machine": self.machine, "others": self.others}
        return {name: seconds / self.wall for name, seconds in per.items()}

    def others_pct(self) -> float:
        """`others` as a % of the whole machine over the run."""
        return self.others / (self.wall * CORES) * 100


class CpuMeter:
    """Started at creation; `read()` says what each group (a function giving its CPU seconds so far) used."""

    def __init__(self, groups: Mapping[str, Callable[[], float]]) -> None:
        self.groups = dict(groups)
        self.start = self._now()

    def _now(self) -> tuple[dict[str, float], float, float, float, float]:
        own, children = _rusage()
        used = {name: read() for name, read in self.groups.items()}
        return used, own, children, machine_busy_seconds(), time.monotonic()

    def read(self) -> Usage:
        """What was used since the meter started."""
        (g0, own0, kids0, busy0, t0), (g1, own1, kids1, busy1, t1) = self.start, self._now()
        groups = {name: g1[name] - g0[name] for name in g1}
        return Usage(groups, own1 - own0, kids1 - kids0, busy1 - busy0, max(t1 - t0, 1e-9))
