"""The benchmark: one command, every number of issues #7 and #12, on named box variants.

    python -m bench.run [--n 100] [--variants default,friendly] [--latency-ms 50] [--out bench/results]
    python -m bench.run --quick          # tiny N on both variants: shows it works (CI)

Each measurement gets a fresh UCM test box of one variant (bench/variants.py: `default` = the box's
defaults = the real GUI, Logout in the user-name hover dropdown; `friendly` = the old box, a plain
Logout link; `real_gui_other` = issue #12's other box) and fake Zoho (bench/stage.py), and runs its
subject as a subprocess whose whole process tree (browser included) is sampled for PSS
(bench/memory.py). Per variant, side by side on the same box:

  (a) `ucmauto enroll --file users.csv --json` at the default concurrency (and `-j C` per sweep
      value, on the first variant only);
  (b) bench/naive.py: a fresh browser per user, sequential, same steps (--naive-n K measures K
      users and extrapolates to N);
  (c) bench/floor.py: the same state change with direct /cgi requests, no browser;
  plus `ucmauto admin-setup` on a fresh box; and once, `ucmauto --help` start-up (median of 10).

Writes OUT/result-<date>.json, OUT/latest.json and OUT/latest.png, and prints a summary with
PASS/MISS per target (judged on `default`). Exit 0 when every measurement ran, every user ended
Logged In and no session was left open (missed targets do not fail the run: it is a measurement,
not a test); 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Optional

from bench.cpu import wait_idle
from bench.measure import (default_concurrency, loadavg, log, run_admin_setup, run_enroll, run_help, run_phases,
                           run_script)
from bench.report import plot, ratios, side_by_side, table, variant_targets, verdict
from bench.stage import ROOT, ucmauto_argv
from bench.variants import DEFAULT_VARIANTS, TARGET_VARIANT, VARIANTS, box_flags, parse_variants

SCHEMA = 2  # 2: per-variant results under "variants", "side_by_side", targets judged on one variant
CONTENDED = 0.15  # a measurement during which other processes took more of the machine is "contended"
PARTS = ("help", "admin", "naive", "floor", "sweep")


def machine() -> dict[str, Any]:
    mem_total = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_total = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from ucm_automator.browser import find_browser

    browser = find_browser()
    version = ""
    if browser:
        try:
            version = subprocess.run([browser, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            pass
    try:
        from importlib.metadata import version as pkg_version

        playwright = pkg_version("playwright")
    except Exception:  # noqa: BLE001
        playwright = "?"
    return {"hostname": socket.gethostname(), "cpus": os.cpu_count(), "cpu_model": cpu, "mem_total_gib": mem_total,
            "kernel": platform.release(), "python": platform.python_version(), "playwright": playwright,
            "browser": browser or "playwright-default", "browser_version": version}



def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=None, help="users to enrol (default 100; 2 with --quick)")
    ap.add_argument("--variants", default=",".join(DEFAULT_VARIANTS),
                    help=f"comma list of box variants to measure on, side by side (default "
                         f"{','.join(DEFAULT_VARIANTS)}; known: {', '.join(VARIANTS)})")
    ap.add_argument("--latency-ms", type=int, default=50, help="added to every /cgi reply of the box (default 50)")
    ap.add_argument("--crm-login-delay-ms", type=int, default=None,
                    help="the box's background Zoho login time, where the variant sets none (default: the box's, 300)")
    ap.add_argument("--concurrency-sweep", default=None,
                    help="comma list for (a), on the first variant (default 1,2,4,8; none with --quick)")
    ap.add_argument("--naive-n", type=int, default=None,
                    help="measure (b) on this many users and extrapolate to N (default N)")
    ap.add_argument("--help-runs", type=int, default=10, help="runs of `ucmauto --help` (median; default 10)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results", help="where results go")
    ap.add_argument("--quick", action="store_true",
                    help="N=2 on each variant, no sweep, (b) on 1 user extrapolated, admin-setup on the first "
                         "variant only, 3 help runs: shows it works (CI)")
    ap.add_argument("--skip", default="", help=f"comma list of parts to leave out: {','.join(PARTS)}")
    ap.add_argument("--phases", action="store_true",
                    help="one more (a) run under bench/phases.py on the first variant: seconds per driver step")
    ap.add_argument("--keep", action="store_true", help="keep the work dirs (box logs, journals)")
    ap.add_argument("--wait-idle", type=float, default=0.0, metavar="S",
                    help="before each measurement wait up to S seconds for the machine to be idle (shared machines)")
    ap.add_argument("--retries", type=int, default=0,
                    help=f"measure again (up to this many times) when other processes took more than "
                         f"{CONTENDED * 100:.0f}%% of the CPU; the least contended attempt is kept")
    args = ap.parse_args(argv)
    try:
        args.variants = parse_variants(args.variants)
    except ValueError as e:
        ap.error(str(e))
    if args.n is None:
        args.n = 2 if args.quick else 100
    if args.concurrency_sweep is None:
        args.concurrency_sweep = "" if args.quick else "1,2,4,8"
    if args.quick and args.help_runs == 10:
        args.help_runs = 3
    if args.quick and args.naive_n is None:
        args.naive_n = 1
    args.sweep = [int(x) for x in args.concurrency_sweep.split(",") if x.strip()]
    args.skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    if args.skip - set(PARTS):
        ap.error(f"--skip takes {','.join(PARTS)}")
    if args.n < 1:
        ap.error("--n must be at least 1")
    if args.naive_n is not None and not 1 <= args.naive_n <= args.n:
        ap.error("--naive-n must be between 1 and --n")
    return args


def _terminated(signum, frame):  # noqa: ANN001 - signal handler
    raise KeyboardInterrupt(f"signal {signum}")


def measure_variant(args, work: Path, name: str, first: bool, attempt) -> dict[str, Any]:  # noqa: ANN001
    """(a), the sweep, (b), (c) and admin-setup on fresh boxes of one variant."""
    flags = box_flags(name, args.crm_login_delay_ms)
    work = work / name
    v: dict[str, Any] = {"what": VARIANTS[name]["what"], "switches": flags, "admin_setup": None, "enroll": None,
                         "sweep": [], "naive": None, "floor": None}
    if "admin" not in args.skip and (first or not args.quick):
        v["admin_setup"] = attempt(run_admin_setup, args, work, flags)
    v["enroll"] = attempt(run_enroll, args, work, flags, None, "enroll-default")
    if "sweep" not in args.skip and first:
        for c in args.sweep:
            if c == v["enroll"]["concurrency"]:  # the default run is this point of the sweep
                v["sweep"].append({**v["enroll"], "concurrency_flag": c, "same_run_as": "enroll"})
            else:
                v["sweep"].append(attempt(run_enroll, args, work, flags, c, f"enroll-j{c}"))
    if "naive" not in args.skip:
        v["naive"] = attempt(run_script, args, work, flags, "bench.naive", "naive", args.naive_n, [], 30)
    if "floor" not in args.skip:
        c = v["enroll"]["concurrency"]
        v["floor"] = attempt(run_script, args, work, flags, "bench.floor", "floor", None, ["-j", str(c)], 5)
    if args.phases and first:
        v["profile"] = run_phases(args, work, flags)
    v["ratios"] = ratios(v)
    v["targets"] = variant_targets(v, args.n)
    v["ok"] = all(r["ok"] for r in [v["admin_setup"], v["enroll"], v["naive"], v["floor"], *v["sweep"]] if r)
    return v


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminated)  # so that the stages' finally blocks stop box and fake
    cpus = os.cpu_count() or 1
    date = time.strftime("%Y%m%d-%H%M%S")
    target_variant = TARGET_VARIANT if TARGET_VARIANT in args.variants else args.variants[0]
    result: dict[str, Any] = {
        "schema": SCHEMA, "date": date, "machine": machine(),
        "params": {"n": args.n, "variants": args.variants, "latency_ms": args.latency_ms,
                   "crm_login_delay_ms": args.crm_login_delay_ms, "concurrency_sweep": args.sweep,
                   "sweep_variant": args.variants[0], "default_concurrency": default_concurrency(),
                   "naive_n": args.naive_n or args.n, "help_runs": args.help_runs, "quick": args.quick,
                   "ucmauto": " ".join(ucmauto_argv())},
        "load": {"start": loadavg()}, "help": None, "target_variant": target_variant, "variants": {},
        "side_by_side": [], "targets": [],
    }
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="ucmauto-bench-"))

    def attempt(fn, *a) -> dict[str, Any]:  # noqa: ANN001
        """Run a measurement; on a shared machine wait for quiet first and, with --retries, run
        a contended one again, keeping the least contended attempt."""
        best: Optional[dict[str, Any]] = None
        for i in range(args.retries + 1):
            waited = wait_idle(args.wait_idle) if args.wait_idle else 0.0
            r = fn(*a)
            r["waited_for_idle_s"], r["attempts"] = waited, i + 1
            share = (r.get("cpu") or {}).get("foreign_cpu_share", 0.0)
            r["contended"] = share > CONTENDED
            if best is None or share < best.get("cpu", {}).get("foreign_cpu_share", 0.0):
                best = r
            if not r["contended"] or not r.get("ok", True):
                break
            if i < args.retries:
                log(f"  contended ({share:.0%} of the CPU went to other processes): measuring again")
            else:
                log(f"  contended ({share:.0%} of the CPU went to other processes)")
        assert best is not None
        return best

    try:
        if "help" not in args.skip:
            result["help"] = attempt(run_help, args.help_runs)
        for i, name in enumerate(args.variants):
            result["variants"][name] = measure_variant(args, work, name, i == 0, attempt)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            log(f"work dirs kept in {work}")

    tv = result["variants"][target_variant]
    result["side_by_side"] = side_by_side(result)
    result["targets"] = [*tv["targets"],
                         verdict("help_startup_s", result["help"]["median_s"] if result["help"] else None, args.n)]
    result["load"]["end"] = loadavg()
    # the load average includes the benchmark's own browsers; the CPU accounting does not
    every = [result["help"]] + [r for v in result["variants"].values()
                                for r in [v["admin_setup"], v["enroll"], v["naive"], v["floor"], *v["sweep"]]]
    measured = [r for r in every if r and r.get("cpu")]
    foreign = max((r["cpu"]["foreign_cpu_share"] for r in measured), default=0.0)
    result["load"]["max_foreign_cpu_share"] = foreign
    why = []
    if result["load"]["start"][0] > cpus / 2:
        why.append(f"the 1-minute load average was {result['load']['start'][0]} on {cpus} CPUs at the start")
    if foreign > CONTENDED:
        why.append(f"other processes took up to {foreign:.0%} of the machine's CPU during a measurement")
    if why:
        result["load"]["warning"] = "; ".join(why) + ": times are pessimistic, run again when the machine is idle"
    result["seconds"] = round(time.monotonic() - started, 1)
    result["ok"] = all(r["ok"] for r in every if r)

    args.out.mkdir(parents=True, exist_ok=True)
    note = plot(result, args.out / "latest.png")
    result["plot"] = None if note else str(args.out / "latest.png")
    if note:
        result["plot_note"] = note
    text = json.dumps(result, indent=1) + "\n"
    (args.out / f"result-{date}.json").write_text(text)
    (args.out / "latest.json").write_text(text)
    print(table(result))
    print(f"\nresult: {args.out / f'result-{date}.json'} (and latest.json"
          f"{', latest.png' if result['plot'] else ''}); {result['seconds']} s")
    if not result["ok"]:
        bad = [f"{n}: {r.get('what')}" for n, v in result["variants"].items()
               for r in [v["admin_setup"], v["enroll"], v["naive"], v["floor"], *v["sweep"]] if r and not r["ok"]]
        if result["help"] and not result["help"]["ok"]:
            bad.append("ucmauto --help")
        print(f"FAILED measurements: {', '.join(bad)}", file=sys.stderr)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
