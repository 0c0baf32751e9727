"""The benchmark: one command, every number of issue #7.

    python -m bench.run [--n 100] [--latency-ms 50] [--concurrency-sweep 1,2,4,8] [--out bench/results]
    python -m bench.run --quick          # N=5, a short sweep: shows it works (CI)

Each measurement gets a fresh UCM test box and fake Zoho (bench/stage.py) and runs its subject
as a subprocess whose whole process tree (browser included) is sampled for PSS
(bench/memory.py):

  (a) `ucmauto enroll --file users.csv --json`, default concurrency, then `-j C` per sweep value;
  (b) bench/naive.py: a fresh browser per user, sequential, same steps (--naive-n K measures K
      users and extrapolates to N);
  (c) bench/floor.py: the same state change with direct /cgi requests, no browser;
  plus `ucmauto admin-setup` on a fresh box and `ucmauto --help` start-up (median of 10).

Writes OUT/result-<date>.json, OUT/latest.json and OUT/latest.png, and prints a summary with
PASS/MISS per target. Exit 0 when every measurement ran and every user ended Logged In (missed
targets do not fail the run: it is a measurement, not a test); 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Optional

from bench.cpu import CpuWindow, wait_idle
from bench.memory import TreeSampler
from bench.stage import ROOT, SERVER_ADDRESS, Stage, ucmauto_argv

SCHEMA = 1
TARGETS = {  # issue #7, on a 2-core machine
    "speedup_vs_naive": (">=", 10.0, "(a) at least 10x faster than (b) at N=100"),
    "seconds_per_user": ("<=", 0.25, "(a) amortised seconds per user, default concurrency"),
    "peak_pss_mib": ("<=", 700.0, "(a) peak PSS of the process tree at the default concurrency, MiB"),
    "help_startup_s": ("<=", 0.5, "`ucmauto --help` start-up, median of the runs (10 by default), s"),
}
TARGET_N = 100
CONTENDED = 0.15  # a measurement during which other processes took more of the machine is "contended"


def log(msg: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# ---- running one subject --------------------------------------------------------------------

def measure(argv: list[str], *, env: Optional[dict] = None, timeout: float = 600.0,
            stage: Optional[Stage] = None) -> dict[str, Any]:
    """Run `argv`, sampling its process tree's PSS; wall time from spawn to exit; CPU accounting."""
    load_before = loadavg()
    cpu = CpuWindow([stage.box.pid, stage.zoho.pid] if stage else [])
    started = time.monotonic()
    # its own process group, so that an abort can end the subject with its driver and browser
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    with TreeSampler(proc.pid) as mem:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            out, err = proc.communicate()
            err += f"\n[bench] killed after {timeout:g} s"
        except BaseException:
            _kill_group(proc)
            raise
    wall = time.monotonic() - started
    return {"rc": proc.returncode, "wall_s": round(wall, 3), "stdout": out, "stderr": err,
            **mem.summary(), "load_before": load_before, "load_after": loadavg(), "cpu": cpu.finish(mem.cpu_s)}


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    proc.wait()


def _rates(n: int, wall: float) -> dict[str, float]:
    return {"users_per_s": round(n / wall, 3) if wall > 0 else 0.0, "seconds_per_user": round(wall / n, 3)}


def _stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {"mean": round(statistics.fmean(values), 3), "median": round(statistics.median(values), 3),
            "min": round(min(values), 3), "max": round(max(values), 3)}


def _tail(text: str, n: int = 1500) -> str:
    return text[-n:] if text else ""


def _phases(journal: Optional[str], spawned_at: float) -> dict[str, Any]:
    """Per-user step durations from ucmauto's journal (its events carry wall-clock times)."""
    if not journal or not Path(journal).is_file():
        return {}
    events = [json.loads(ln) for ln in Path(journal).read_text().splitlines() if ln.strip()]
    per: dict[str, dict[str, float]] = {}
    first_user = None
    run_start = None
    for e in events:
        if e["event"] == "run_start" and run_start is None:
            run_start = e["t"]
        ext = e.get("extension")
        if ext and e["event"] in ("user_start", "saved", "applied", "done"):
            per.setdefault(ext, {})[e["event"]] = e["t"]
            if e["event"] == "user_start" and first_user is None:
                first_user = e["t"]
    def spans(a: str, b: str) -> list[float]:
        return [p[b] - p[a] for p in per.values() if a in p and b in p]
    return {
        "to_run_start_s": round(run_start - spawned_at, 3) if run_start else None,
        "precheck_and_browser_s": round(first_user - run_start, 3) if first_user and run_start else None,
        "login_read_save_s": _stats(spans("user_start", "saved")),
        "apply_s": _stats(spans("saved", "applied")),
        "wait_logged_in_and_logout_s": _stats(spans("applied", "done")),
    }


def run_enroll(args, work: Path, concurrency: Optional[int], label: str) -> dict[str, Any]:
    """(a): `ucmauto enroll` on N users of a fresh box."""
    with Stage(work / label, args.n, args.latency_ms, args.crm_login_delay_ms, keep=args.keep) as st:
        argv = ucmauto_argv() + ["enroll", "--file", str(st.inventory), "--json", "--no-input"]
        if concurrency is not None:
            argv += ["-j", str(concurrency)]
        log(f"{label}: ucmauto enroll, {args.n} users, -j {concurrency or 'default'}")
        spawned = time.time()
        m = measure(argv, env=st.env(), timeout=120 + 10 * args.n, stage=st)
        box = st.logged_in()
        doc: dict[str, Any] = {}
        try:
            doc = json.loads(m["stdout"])
        except ValueError:
            pass
        phases = _phases(doc.get("journal"), spawned)  # (the journal lives in the stage's work dir)
    users = doc.get("users") or []
    summary = doc.get("summary") or {}
    ok = m["rc"] == 0 and summary.get("failed") == 0 and box["all_logged_in"] and not box["wrong_token"]
    return {
        "what": "ucmauto enroll", "n": args.n, "concurrency": concurrency or default_concurrency(),
        "concurrency_flag": concurrency, "ok": ok, "rc": m["rc"], "wall_s": m["wall_s"], **_rates(args.n, m["wall_s"]),
        "tool_seconds": doc.get("seconds"), "peak_pss_mib": m["peak_pss_mib"], "peak_procs": m["peak_procs"],
        "peak_at_s": m["peak_at_s"], "peak_breakdown": m["peak_breakdown"], "pss_series": m["pss_series"],
        "cpu_by_kind_s": m["cpu_by_kind"],
        "per_user_s": _stats([u.get("seconds") or 0.0 for u in users]),
        "summary": summary, "box": box, "phases": phases,
        "load_before": m["load_before"], "load_after": m["load_after"], "cpu": m["cpu"],
        "stderr_tail": "" if ok else _tail(m["stderr"]),
    }


def run_script(args, work: Path, module: str, label: str, limit: Optional[int], extra: list[str],
               per_user_timeout: float) -> dict[str, Any]:
    """(b) or (c): bench/naive.py or bench/floor.py on a fresh box."""
    n = limit or args.n
    with Stage(work / label, n, args.latency_ms, args.crm_login_delay_ms, keep=args.keep) as st:
        log(f"{label}: python -m {module}, {n} users {' '.join(extra)}")
        m = measure([sys.executable, "-m", module, str(st.users_file), *extra], timeout=60 + per_user_timeout * n,
                    stage=st)
        box = st.logged_in()
    doc: dict[str, Any] = {}
    try:
        doc = json.loads(m["stdout"].strip().splitlines()[-1])
    except (ValueError, IndexError):
        pass
    users = doc.get("users") or []
    ok = m["rc"] == 0 and len(users) == n and box["all_logged_in"] and not box["wrong_token"]
    out = {"what": module, "n": n, "ok": ok, "rc": m["rc"], "wall_s": m["wall_s"], **_rates(n, m["wall_s"]),
           "peak_pss_mib": m["peak_pss_mib"], "peak_procs": m["peak_procs"], "peak_breakdown": m["peak_breakdown"],
           "cpu_by_kind_s": m["cpu_by_kind"],
           "per_user_s": _stats([u["seconds"] for u in users]), "box": box, "error": doc.get("error"),
           "load_before": m["load_before"], "load_after": m["load_after"], "cpu": m["cpu"],
           "stderr_tail": "" if ok else _tail(m["stderr"])}
    if doc.get("concurrency"):
        out["concurrency"] = doc["concurrency"]
    if n < args.n:  # measured on fewer users: the per-user time stands for all N
        out.update(extrapolated=True, measured_n=n, n=args.n, measured_wall_s=m["wall_s"],
                   wall_s=round(m["wall_s"] / n * args.n, 3),
                   note=f"measured on {n} users, wall time extrapolated linearly to {args.n}")
    else:
        out["extrapolated"] = False
    return out


def run_admin_setup(args, work: Path) -> dict[str, Any]:
    """`ucmauto admin-setup` end to end on a fresh box (admin CRM not set)."""
    with Stage(work / "admin-setup", 1, args.latency_ms, args.crm_login_delay_ms, admin_crm=False,
               keep=args.keep) as st:
        log("admin-setup: ucmauto admin-setup on a fresh box")
        argv = ucmauto_argv() + ["admin-setup", "--server-address", SERVER_ADDRESS, "--json", "--no-input"]
        m = measure(argv, env=st.env(UCMAUTO_ADMIN_PASSWORD=st.admin_password()), timeout=180, stage=st)
        applied = st.box.state()["admin_crm"]["applied"]
    doc: dict[str, Any] = {}
    try:
        doc = json.loads(m["stdout"])
    except ValueError:
        pass
    ok = m["rc"] == 0 and applied.get("crm_module") == "zohov2" and applied.get("crm_addr") == SERVER_ADDRESS
    return {"what": "ucmauto admin-setup", "ok": ok, "rc": m["rc"], "wall_s": m["wall_s"],
            "tool_seconds": doc.get("seconds"), "changed": doc.get("changed"), "peak_pss_mib": m["peak_pss_mib"],
            "peak_procs": m["peak_procs"], "peak_breakdown": m["peak_breakdown"], "applied": applied, "load_before": m["load_before"],
            "load_after": m["load_after"], "cpu": m["cpu"], "stderr_tail": "" if ok else _tail(m["stderr"])}


def run_help(runs: int) -> dict[str, Any]:
    """`ucmauto --help` start-up: median of `runs` (plus a bare interpreter for reference)."""
    log(f"help: ucmauto --help x {runs}")
    argv = ucmauto_argv() + ["--help"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("UCMAUTO_")}
    times, rc = [], 0
    subprocess.run(argv, cwd=ROOT, env=env, capture_output=True)  # warm the page cache once
    cpu = CpuWindow()
    for _ in range(runs):
        t = time.monotonic()
        p = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True)
        times.append(time.monotonic() - t)
        rc = rc or p.returncode
    cpu_used = cpu.finish()
    bare = []
    for _ in range(min(runs, 5)):
        t = time.monotonic()
        subprocess.run([sys.executable, "-c", "pass"], capture_output=True)
        bare.append(time.monotonic() - t)
    # one more run with the import profiler: what the start-up is made of
    p = subprocess.run(argv, cwd=ROOT, env={**env, "PYTHONPROFILEIMPORTTIME": "1"}, capture_output=True, text=True)
    return {"what": " ".join(Path(a).name if i == 0 else a for i, a in enumerate(argv)), "ok": rc == 0, "rc": rc,
            "runs": runs, "median_s": round(statistics.median(times), 3), "min_s": round(min(times), 3),
            "max_s": round(max(times), 3), "python_bare_median_s": round(statistics.median(bare), 3),
            "imports": import_profile(p.stderr), "load": loadavg(), "cpu": cpu_used}


def import_profile(text: str, top: int = 15) -> dict[str, Any]:
    """From `-X importtime` output: total, and the heaviest imports (cumulative ms, nesting depth <= 3)."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = line[len("import time:"):].split("|")
        try:
            cum = int(parts[1])
        except (ValueError, IndexError):
            continue
        name = parts[2].rstrip()
        depth = (len(name) - len(name.lstrip(" "))) // 2
        rows.append((cum, depth, name.strip()))
    total = sum(cum for cum, depth, _ in rows if depth == 0)
    heavy = sorted((r for r in rows if r[1] <= 3), reverse=True)[:top]
    return {"total_ms": round(total / 1000, 1),
            "heaviest": [{"module": n, "depth": d, "cumulative_ms": round(c / 1000, 1)} for c, d, n in heavy]}


def run_phases(args, work: Path) -> dict[str, Any]:
    """Optional: (a) at the default concurrency under bench/phases.py (timers per driver step)."""
    with Stage(work / "phases", args.n, args.latency_ms, args.crm_login_delay_ms, keep=args.keep) as st:
        log(f"phases: ucmauto enroll under bench.phases, {args.n} users")
        out = work / "phases.json"
        m = measure([sys.executable, "-m", "bench.phases", "enroll", "--file", str(st.inventory), "--json",
                     "--no-input"], env=st.env(BENCH_PHASES_OUT=str(out)), timeout=120 + 10 * args.n)
        box = st.logged_in()
    table = json.loads(out.read_text()) if out.is_file() else {}
    ok = m["rc"] == 0 and box["all_logged_in"]
    return {"ok": ok, "wall_s": m["wall_s"], "steps": table, "cpu": m["cpu"], "cpu_by_kind_s": m["cpu_by_kind"],
            "note": "seconds summed over workers; for where the time goes, not for the targets",
            "stderr_tail": "" if ok else _tail(m["stderr"])}


# ---- the whole run --------------------------------------------------------------------------

def default_concurrency() -> int:
    from ucm_automator.enroll.batch import default_concurrency as dc

    return dc()


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


def verdict(name: str, value: Optional[float], n: int) -> dict[str, Any]:
    op, limit, what = TARGETS[name]
    if value is None:
        result = "N/A"
    else:
        result = "PASS" if (value >= limit if op == ">=" else value <= limit) else "MISS"
    out = {"target": name, "what": what, "limit": f"{op} {limit:g}", "value": value, "result": result}
    if name in ("speedup_vs_naive", "seconds_per_user", "peak_pss_mib") and n != TARGET_N:
        out["note"] = f"the target is defined at N={TARGET_N}; this run has N={n}"
    return out


def plot(result: dict[str, Any], path: Path) -> Optional[str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (pip install -e '.[bench]'): no plot"
    points = {r["concurrency"]: r for r in result["sweep"]}
    d = result.get("enroll")
    if d:
        points.setdefault(d["concurrency"], d)
    if not points:
        return "no (a) results: no plot"
    sweep = [points[c] for c in sorted(points)]
    xs = [r["concurrency"] for r in sweep]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    p = result["params"]
    fig.suptitle(f"ucmauto enroll, N={p['n']} users, {p['latency_ms']} ms per /cgi reply "
                 f"({result['machine']['cpus']} CPUs, {result['date']})", fontsize=10)
    ax1.plot(xs, [r["users_per_s"] for r in sweep], "o-", label="(a) ucmauto enroll -j C")
    if d:
        ax1.plot([d["concurrency"]], [d["users_per_s"]], "s", color="C3", ms=9, mfc="none",
                 label=f"(a) default (-j {d['concurrency']})")
    if result.get("naive"):
        ax1.axhline(result["naive"]["users_per_s"], color="C1", ls="--", label="(b) naive: browser per user")
    if result.get("floor"):
        ax1.axhline(result["floor"]["users_per_s"], color="C2", ls=":",
                    label=f"(c) floor: /cgi, -j {result['floor'].get('concurrency', '?')}")
    ax1.axhline(1 / TARGETS["seconds_per_user"][1], color="grey", lw=0.8, label="target: 0.25 s/user")
    ax1.set_xlabel("concurrency (-j)")
    ax1.set_ylabel("users enrolled per second")
    ax1.set_xticks(xs)
    ax1.set_yscale("log")
    from matplotlib.ticker import FormatStrFormatter

    ax1.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax1.yaxis.set_minor_formatter(FormatStrFormatter("%g"))
    ax1.grid(alpha=0.3)
    ax1.legend(fontsize=7)
    ax2.plot(xs, [r["peak_pss_mib"] for r in sweep], "o-", label="(a) ucmauto enroll -j C")
    if d:
        ax2.plot([d["concurrency"]], [d["peak_pss_mib"]], "s", color="C3", ms=9, mfc="none", label="(a) default")
    if result.get("naive"):
        ax2.axhline(result["naive"]["peak_pss_mib"], color="C1", ls="--", label="(b) naive")
    ax2.axhline(TARGETS["peak_pss_mib"][1], color="grey", lw=0.8, label="target: 700 MiB")
    ax2.set_xlabel("concurrency (-j)")
    ax2.set_ylabel("peak PSS of the process tree (MiB)")
    ax2.set_xticks(xs)
    ax2.set_ylim(bottom=0)
    ax2.grid(alpha=0.3)
    ax2.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None


def table(result: dict[str, Any]) -> str:
    rows = [("measurement", "N", "-j", "wall s", "users/s", "s/user", "peak PSS MiB", "all Logged In", "others' CPU")]

    def row(name: str, r: Optional[dict]) -> None:
        if not r:
            return
        wall = f"{r['wall_s']:.1f}" + ("*" if r.get("extrapolated") else "")
        rows.append((name, str(r["n"]), str(r.get("concurrency", 1)), wall, f"{r['users_per_s']:.2f}",
                     f"{r['seconds_per_user']:.3f}", f"{r['peak_pss_mib']:.0f}",
                     "yes" if r["box"]["all_logged_in"] else f"NO ({r['box']['logged_in']}/{r['box']['users']})",
                     f"{r['cpu']['foreign_cpu_share']:.0%}" if r.get("cpu") else "?"))

    row("(a) ucmauto enroll, default -j", result.get("enroll"))
    for r in sorted(result["sweep"], key=lambda r: r["concurrency"]):
        if not r.get("same_run_as"):  # the default's own point is the row above
            row(f"(a) ucmauto enroll -j {r['concurrency']}", r)
    row("(b) naive: browser per user", result.get("naive"))
    row("(c) floor: direct /cgi", result.get("floor"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    out = "\n".join(lines)
    if (result.get("naive") or {}).get("extrapolated"):
        out += f"\n* {result['naive']['note']}"
    a = result.get("admin_setup")
    if a:
        out += f"\n\nucmauto admin-setup: {a['wall_s']:.2f} s wall, peak PSS {a['peak_pss_mib']:.0f} MiB, " \
               f"{'ok' if a['ok'] else 'FAILED'}"
    h = result.get("help")
    if h:
        out += f"\nucmauto --help: median {h['median_s']:.3f} s of {h['runs']} " \
               f"(bare python {h['python_bare_median_s']:.3f} s)"
    rt = result.get("ratios") or {}
    if rt:
        out += "\n\n" + "  ".join(f"{k} = {v}" for k, v in rt.items() if v is not None)
    out += "\n\ntargets:"
    for t in result["targets"]:
        v = t["value"]
        out += f"\n  {t['result']:4}  {t['target']:17} {'' if v is None else v:>8}  ({t['limit']}; {t['what']})"
        if t.get("note"):
            out += f"  [{t['note']}]"
    load = result["load"]
    out += f"\n\nload average: start {load['start']}, end {load['end']} on {result['machine']['cpus']} CPUs; " \
           f"other processes' CPU share, worst measurement: {load.get('max_foreign_cpu_share', 0):.0%}"
    if load.get("warning"):
        out += f"\nWARNING: {load['warning']}"
    return out


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=None, help="users to enrol (default 100; 5 with --quick)")
    ap.add_argument("--latency-ms", type=int, default=50, help="added to every /cgi reply of the box (default 50)")
    ap.add_argument("--crm-login-delay-ms", type=int, default=None,
                    help="the box's background Zoho login time (default: the box's, 300)")
    ap.add_argument("--concurrency-sweep", default=None, help="comma list for (a) (default 1,2,4,8; 1,2 with --quick)")
    ap.add_argument("--naive-n", type=int, default=None,
                    help="measure (b) on this many users and extrapolate to N (default N)")
    ap.add_argument("--help-runs", type=int, default=10, help="runs of `ucmauto --help` (median; default 10)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results", help="where results go")
    ap.add_argument("--quick", action="store_true",
                    help="N=5, sweep 1,2, (b) on 3 users extrapolated, 3 help runs: shows it works (CI)")
    ap.add_argument("--skip", default="", help="comma list of parts to leave out: help,admin,naive,floor,sweep")
    ap.add_argument("--phases", action="store_true",
                    help="one more (a) run under bench/phases.py: seconds per driver step (not for targets)")
    ap.add_argument("--keep", action="store_true", help="keep the work dirs (box logs, journals)")
    ap.add_argument("--wait-idle", type=float, default=0.0, metavar="S",
                    help="before each measurement wait up to S seconds for the machine to be idle (shared machines)")
    ap.add_argument("--retries", type=int, default=0,
                    help=f"measure again (up to this many times) when other processes took more than "
                         f"{CONTENDED * 100:.0f}%% of the CPU; the least contended attempt is kept")
    args = ap.parse_args(argv)
    if args.n is None:
        args.n = 5 if args.quick else 100
    if args.concurrency_sweep is None:
        args.concurrency_sweep = "1,2" if args.quick else "1,2,4,8"
    if args.quick and args.help_runs == 10:
        args.help_runs = 3
    if args.quick and args.naive_n is None:
        args.naive_n = min(3, args.n)
    args.sweep = [int(x) for x in args.concurrency_sweep.split(",") if x.strip()]
    args.skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    if args.naive_n is not None and not 1 <= args.naive_n <= args.n:
        ap.error("--naive-n must be between 1 and --n")
    if args.n < 1:
        ap.error("--n must be at least 1")
    return args


def _terminated(signum, frame):  # noqa: ANN001 - signal handler
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminated)  # so that the stages' finally blocks stop box and fake
    cpus = os.cpu_count() or 1
    date = time.strftime("%Y%m%d-%H%M%S")
    result: dict[str, Any] = {
        "schema": SCHEMA, "date": date, "machine": machine(),
        "params": {"n": args.n, "latency_ms": args.latency_ms, "crm_login_delay_ms": args.crm_login_delay_ms or 300,
                   "concurrency_sweep": args.sweep, "default_concurrency": default_concurrency(),
                   "naive_n": args.naive_n or args.n, "help_runs": args.help_runs, "quick": args.quick,
                   "ucmauto": " ".join(ucmauto_argv())},
        "load": {"start": loadavg()}, "help": None, "admin_setup": None, "enroll": None, "sweep": [],
        "naive": None, "floor": None, "ratios": {}, "targets": [],
    }
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="ucmauto-bench-"))

    def attempt(fn, *a) -> dict[str, Any]:
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
        if "admin" not in args.skip:
            result["admin_setup"] = attempt(run_admin_setup, args, work)
        result["enroll"] = attempt(run_enroll, args, work, None, "enroll-default")
        if "sweep" not in args.skip:
            for c in args.sweep:
                if c == result["enroll"]["concurrency"]:  # the default run is this point of the sweep
                    result["sweep"].append({**result["enroll"], "concurrency_flag": c, "same_run_as": "enroll"})
                else:
                    result["sweep"].append(attempt(run_enroll, args, work, c, f"enroll-j{c}"))
        if "naive" not in args.skip:
            result["naive"] = attempt(run_script, args, work, "bench.naive", "naive", args.naive_n, [], 30)
        if "floor" not in args.skip:
            c = result["enroll"]["concurrency"]
            result["floor"] = attempt(run_script, args, work, "bench.floor", "floor", None, ["-j", str(c)], 5)
        if args.phases:
            result["profile"] = run_phases(args, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            log(f"work dirs kept in {work}")

    a, b, c = result["enroll"], result["naive"], result["floor"]
    result["ratios"] = {
        # how many times faster (a) is than (b): same N, naive wall extrapolated when measured on fewer
        "speedup_vs_naive": round(b["wall_s"] / a["wall_s"], 2) if b else None,
        "a_over_b_time": round(a["wall_s"] / b["wall_s"], 3) if b else None,
        # how many times the floor's time (a) takes
        "a_over_c_time": round(a["wall_s"] / c["wall_s"], 2) if c else None,
    }
    result["targets"] = [
        verdict("speedup_vs_naive", result["ratios"]["speedup_vs_naive"], args.n),
        verdict("seconds_per_user", a["seconds_per_user"], args.n),
        verdict("peak_pss_mib", a["peak_pss_mib"], args.n),
        verdict("help_startup_s", result["help"]["median_s"] if result["help"] else None, args.n),
    ]
    result["load"]["end"] = loadavg()
    # the load average includes the benchmark's own browsers; the CPU accounting does not
    measured = [r for r in [a, b, c, result["admin_setup"], result["help"], *result["sweep"]] if r and r.get("cpu")]
    foreign = max((r["cpu"]["foreign_cpu_share"] for r in measured), default=0.0)
    result["load"]["max_foreign_cpu_share"] = foreign
    why = []
    if result["load"]["start"][0] > cpus / 2:
        why.append(f"the 1-minute load average was {result['load']['start'][0]} on {cpus} CPUs at the start")
    if foreign > 0.15:
        why.append(f"other processes took up to {foreign:.0%} of the machine's CPU during a measurement")
    if why:
        result["load"]["warning"] = "; ".join(why) + ": times are pessimistic, run again when the machine is idle"
    result["seconds"] = round(time.monotonic() - started, 1)
    every = [a, b, c, result["admin_setup"], result["help"], *result["sweep"]]
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
        bad = [r.get("what") for r in every if r and not r["ok"]]
        print(f"FAILED measurements: {', '.join(map(str, bad))}", file=sys.stderr)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
