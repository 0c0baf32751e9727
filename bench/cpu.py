"""How much of the machine other work took while a measurement ran.

The load average says little on a shared machine (the benchmark's own browser adds to it), so
each measurement also records the CPU time the whole machine spent busy (/proc/stat) and
subtracts what the benchmark's own processes used: the subject (reaped, so in this process's
children times), the box and the fake Zoho (read from /proc/<pid>/stat), and this process.
What is left is other people's work: `foreign_cpu_share` of the machine's CPU capacity.
(The browser's renderers are not reaped into the subject's children times, so the subject's CPU
is also summed from /proc while it runs; the larger of the two counts.)
"""

from __future__ import annotations

import os
from typing import Iterable

TICK = os.sysconf("SC_CLK_TCK")


def machine_busy_s() -> float:
    """CPU seconds all CPUs spent busy since boot (user, nice, system, irq, softirq, steal)."""
    with open("/proc/stat", encoding="ascii") as f:
        fields = f.readline().split()[1:]
    v = [int(x) for x in fields]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (v + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / TICK


def proc_cpu_s(pid: int) -> float:
    """utime + stime of one live process (all its threads), 0 when gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
        rest = data[data.rindex(b")") + 2:].split()
        return (int(rest[11]) + int(rest[12])) / TICK
    except (OSError, ValueError, IndexError):
        return 0.0


def own_s() -> tuple[float, float]:
    """(this process, its reaped descendants)."""
    t = os.times()
    return t.user + t.system, t.children_user + t.children_system


class CpuWindow:
    """Start before a measurement, `finish()` after the subject was reaped."""

    def __init__(self, other_pids: Iterable[int] = ()) -> None:
        self.pids = list(other_pids)
        self.wall0 = os.times().elapsed
        self.busy0 = machine_busy_s()
        self.own0 = own_s()
        self.others0 = sum(proc_cpu_s(p) for p in self.pids)

    def finish(self, subject_sampled_s: float = 0.0) -> dict[str, float]:
        """`subject_sampled_s`: the subject tree's CPU as sampled while it ran (bench/memory.py);
        the larger of it and the reaped children times counts as the subject's."""
        wall = os.times().elapsed - self.wall0
        busy = machine_busy_s() - self.busy0
        me, children = (b - a for a, b in zip(self.own0, own_s()))
        children = max(children, subject_sampled_s)
        others = sum(proc_cpu_s(p) for p in self.pids) - self.others0
        cpus = os.cpu_count() or 1
        foreign = max(0.0, busy - me - children - others)
        return {"subject_cpu_s": round(children, 2), "bench_cpu_s": round(me, 2), "box_and_zoho_cpu_s": round(others, 2),
                "machine_busy_cpu_s": round(busy, 2),
                "foreign_cpu_share": round(foreign / (wall * cpus), 3) if wall > 0 else 0.0,
                "machine_busy_share": round(busy / (wall * cpus), 3) if wall > 0 else 0.0}


def busy_share(window_s: float = 1.0) -> float:
    """Share of the machine's CPU capacity busy over the next `window_s` seconds."""
    import time

    b0, t0 = machine_busy_s(), time.monotonic()
    time.sleep(window_s)  # the measuring window itself
    return (machine_busy_s() - b0) / ((time.monotonic() - t0) * (os.cpu_count() or 1))


def wait_idle(max_wait_s: float, threshold: float = 0.2) -> float:
    """Wait (bounded) until less than `threshold` of the machine is busy over one second;
    returns the seconds waited. Call it when none of the benchmark's subjects runs."""
    import time

    started = time.monotonic()
    while time.monotonic() - started < max_wait_s:
        if busy_share() < threshold:
            break
    return round(time.monotonic() - started, 1)
