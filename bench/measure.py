"""One measurement of the benchmark (bench/run.py): a fresh stage of one box variant
(bench/stage.py, bench/variants.py), its subject run as a subprocess whose process tree is sampled
for PSS and CPU (bench/memory.py, bench/cpu.py), and what the box says afterwards.

  run_enroll  (a) `ucmauto enroll --file users.csv --json`
  run_script  (b) bench/naive.py or (c) bench/floor.py
  run_admin_setup, run_help, run_phases
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Optional

from bench.cpu import CpuWindow
from bench.memory import TreeSampler
from bench.stage import ROOT, SERVER_ADDRESS, Stage, ucmauto_argv


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


def run_enroll(args, work: Path, switches: dict[str, Any], concurrency: Optional[int], label: str) -> dict[str, Any]:
    """(a): `ucmauto enroll` on N users of a fresh box."""
    with Stage(work / label, args.n, args.latency_ms, switches, keep=args.keep) as st:
        argv = ucmauto_argv() + ["enroll", "--file", str(st.inventory), "--json", "--no-input"]
        if concurrency is not None:
            argv += ["-j", str(concurrency)]
        log(f"{work.name} {label}: ucmauto enroll, {args.n} users, -j {concurrency or 'default'}")
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
    ok = (m["rc"] == 0 and summary.get("failed") == 0 and box["all_logged_in"] and not box["wrong_token"]
          and box["sessions_left"] == 0)  # every session ended (issue #12: the dropdown Logout)
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


def run_script(args, work: Path, switches: dict[str, Any], module: str, label: str, limit: Optional[int], extra: list[str],
               per_user_timeout: float) -> dict[str, Any]:
    """(b) or (c): bench/naive.py or bench/floor.py on a fresh box."""
    n = limit or args.n
    with Stage(work / label, n, args.latency_ms, switches, keep=args.keep) as st:
        log(f"{work.name} {label}: python -m {module}, {n} users {' '.join(extra)}")
        m = measure([sys.executable, "-m", module, str(st.users_file), *extra], timeout=60 + per_user_timeout * n,
                    stage=st)
        box = st.logged_in()
    doc: dict[str, Any] = {}
    try:
        doc = json.loads(m["stdout"].strip().splitlines()[-1])
    except (ValueError, IndexError):
        pass
    users = doc.get("users") or []
    ok = (m["rc"] == 0 and len(users) == n and box["all_logged_in"] and not box["wrong_token"]
          and box["sessions_left"] == 0)
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


def run_admin_setup(args, work: Path, switches: dict[str, Any]) -> dict[str, Any]:
    """`ucmauto admin-setup` end to end on a fresh box (admin CRM not set)."""
    with Stage(work / "admin-setup", 1, args.latency_ms, switches, admin_crm=False,
               keep=args.keep) as st:
        log(f"{work.name} admin-setup: ucmauto admin-setup on a fresh box")
        argv = ucmauto_argv() + ["admin-setup", "--server-address", SERVER_ADDRESS, "--json", "--no-input"]
        m = measure(argv, env=st.env(UCMAUTO_ADMIN_PASSWORD=st.admin_password()), timeout=180, stage=st)
        state = st.box.state()
        applied, sessions_left = state["admin_crm"]["applied"], state["sessions"]
    doc: dict[str, Any] = {}
    try:
        doc = json.loads(m["stdout"])
    except ValueError:
        pass
    ok = (m["rc"] == 0 and applied.get("crm_module") == "zohov2" and applied.get("crm_addr") == SERVER_ADDRESS
          and sessions_left == 0)
    return {"what": "ucmauto admin-setup", "ok": ok, "rc": m["rc"], "wall_s": m["wall_s"],
            "tool_seconds": doc.get("seconds"), "changed": doc.get("changed"), "peak_pss_mib": m["peak_pss_mib"],
            "peak_procs": m["peak_procs"], "peak_breakdown": m["peak_breakdown"], "applied": applied,
            "sessions_left": sessions_left, "load_before": m["load_before"],
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


def run_phases(args, work: Path, switches: dict[str, Any]) -> dict[str, Any]:
    """Optional: (a) at the default concurrency under bench/phases.py (timers per driver step)."""
    with Stage(work / "phases", args.n, args.latency_ms, switches, keep=args.keep) as st:
        log(f"{work.name} phases: ucmauto enroll under bench.phases, {args.n} users")
        out = work / "phases.json"
        m = measure([sys.executable, "-m", "bench.phases", "enroll", "--file", str(st.inventory), "--json",
                     "--no-input"], env=st.env(BENCH_PHASES_OUT=str(out)), timeout=120 + 10 * args.n)
        box = st.logged_in()
    table = json.loads(out.read_text()) if out.is_file() else {}
    ok = m["rc"] == 0 and box["all_logged_in"]
    return {"ok": ok, "wall_s": m["wall_s"], "steps": table, "cpu": m["cpu"], "cpu_by_kind_s": m["cpu_by_kind"],
            "note": "seconds summed over workers; for where the time goes, not for the targets",
            "stderr_tail": "" if ok else _tail(m["stderr"])}


def default_concurrency() -> int:
    from ucm_automator.enroll.batch import default_concurrency as dc

    return dc()

