"""Peak memory of a whole process tree (PSS, every descendant included: Playwright's driver,
the browser, its zygotes and renderers), sampled from /proc in a background thread.

    with TreeSampler(proc.pid) as mem:
        proc.wait()
    mem.peak_mib, mem.peak_procs, mem.samples

PSS (proportional set size) charges each shared page to the processes sharing it in equal
parts, so the sum over a tree is what the tree really costs (RSS would count the browser's
shared libraries once per process). Read from /proc/<pid>/smaps_rollup (Linux >= 4.14).
"""

from __future__ import annotations

import os
import threading
import time
from typing import Optional

INTERVAL_S = 0.1  # the sampler's interval: the one fixed sleep of the benchmark


TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> Optional[tuple[int, float]]:
    """(parent pid, CPU seconds used so far: utime + stime) of a live process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split at the last ')'
    try:
        rest = data[data.rindex(b")") + 2:].split()
        return int(rest[1]), (int(rest[11]) + int(rest[12])) / TICK
    except (ValueError, IndexError):
        return None


def scan() -> dict[int, tuple[int, float]]:
    """Every live process: pid -> (parent pid, CPU seconds)."""
    out = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = _stat(int(name))
            if st is not None:
                out[int(name)] = st
    return out


def tree(root: int, procs: Optional[dict[int, tuple[int, float]]] = None) -> list[int]:
    """`root` and all its live descendants (one scan of /proc unless given)."""
    children: dict[int, list[int]] = {}
    for pid, (parent, _cpu) in (procs if procs is not None else scan()).items():
        children.setdefault(parent, []).append(pid)
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def pss_kib(pid: int) -> int:
    """PSS of one process in KiB (0 when it is gone or unreadable)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def tree_pss_kib(root: int) -> tuple[int, int]:
    """(sum of PSS over the tree in KiB, number of processes)."""
    pids = tree(root)
    return sum(pss_kib(p) for p in pids), len(pids)


def kind(pid: int) -> str:
    """What a process is, for the peak breakdown: python, node (Playwright's driver), and the
    browser's processes by their --type (browser, zygote, renderer, gpu-process, utility)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = [a.decode("utf-8", "replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return "gone"
    if not argv:
        return "?"
    if len(argv) == 1 and " --" in argv[0]:  # Chromium rewrites its title: one string, spaces
        argv = argv[0].split(" ")
    exe = os.path.basename(argv[0])
    if "chrom" in exe or "headless" in exe:
        for a in argv[1:]:
            if a.startswith("--type="):
                return f"browser:{a[7:]}"
        return "browser:main"
    if exe.startswith("python"):
        return "python"
    if exe == "node" or exe.endswith("/node"):
        return "node (playwright driver)"
    return exe


class TreeSampler:
    """Samples the tree of `root` every `interval` s until stopped; keeps the peak sum."""

    def __init__(self, root: int, interval: float = INTERVAL_S) -> None:
        self.root, self.interval = root, interval
        self.peak_kib = 0
        self.peak_procs = 0
        self.peak_at_s = 0.0
        self.samples = 0
        self.series: list[tuple[float, float]] = []  # (seconds since start, MiB), for the record
        self.peak_breakdown: dict[str, dict] = {}  # process kind -> {procs, pss_mib} at the peak
        # CPU seconds of every process of the tree, as last seen alive: the browser's renderers are
        # not reaped into their parents' children times, so os.times() alone misses most of them
        self.cpu_by_pid: dict[int, float] = {}
        self.kind_by_pid: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"pss-{root}", daemon=True)
        self._t0 = time.monotonic()

    def _sample(self) -> None:
        procs = scan()
        pids = tree(self.root, procs)
        for p in pids:
            self.cpu_by_pid[p] = procs[p][1] if p in procs else self.cpu_by_pid.get(p, 0.0)
            k = kind(p)  # again each time: a zygote's fork becomes a renderer when it retitles itself
            if k not in ("gone", "?"):  # (a zombie's cmdline is empty)
                self.kind_by_pid[p] = k
        each = {p: pss_kib(p) for p in pids}
        kib, procs = sum(each.values()), len(pids)
        if kib == 0:
            return  # the root is gone
        self.samples += 1
        at = time.monotonic() - self._t0
        self.series.append((round(at, 2), round(kib / 1024, 1)))
        if kib > self.peak_kib:
            self.peak_kib, self.peak_at_s = kib, at
            groups: dict[str, dict] = {}
            for p, k in each.items():
                g = groups.setdefault(kind(p), {"procs": 0, "pss_mib": 0.0})
                g["procs"] += 1
                g["pss_mib"] = round(g["pss_mib"] + k / 1024, 1)
            self.peak_breakdown = dict(sorted(groups.items(), key=lambda kv: -kv[1]["pss_mib"]))
        self.peak_procs = max(self.peak_procs, procs)

    def _run(self) -> None:
        self._sample()
        while not self._stop.wait(self.interval):
            self._sample()

    def start(self) -> "TreeSampler":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def __enter__(self) -> "TreeSampler":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def cpu_s(self) -> float:
        """CPU seconds the tree used (as sampled; a process's last ~interval is missed)."""
        return sum(self.cpu_by_pid.values())

    def cpu_by_kind(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for p, cpu in self.cpu_by_pid.items():
            k = self.kind_by_pid.get(p, "?")
            out[k] = round(out.get(k, 0.0) + cpu, 2)
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))

    @property
    def peak_mib(self) -> float:
        return round(self.peak_kib / 1024, 1)

    def summary(self) -> dict:
        return {"peak_pss_mib": self.peak_mib, "peak_procs": self.peak_procs,
                "peak_at_s": round(self.peak_at_s, 2), "samples": self.samples,
                "peak_breakdown": self.peak_breakdown, "pss_series": self._thin(self.series),
                "cpu_by_kind": self.cpu_by_kind()}

    @staticmethod
    def _thin(series: list, keep: int = 120) -> list:
        """At most about `keep` points of the (s, MiB) series, for the JSON record."""
        step = max(1, len(series) // keep)
        return series[::step]
