"""Where one user's CPU, wall time and memory go: the portal driver's steps run user after user in
one worker (one context, as a batch worker does) against a fresh stage, and for each step:

- wall ms per user;
- the GUI's main-thread work in the renderer, from Chromium's own counters (CDP
  `Performance.getMetrics`: TaskDuration, ScriptDuration, LayoutDuration, RecalcStyleDuration);

and for the whole run: CPU seconds per user by process kind (Python, Playwright's node driver,
the browser's processes; the box and the fake Zoho excluded), PSS by process kind after the
first, middle and last user, Playwright protocol calls per user, and with `--js-profile` how the
renderer's main thread splits between the GUI's JavaScript, native work ("(program)": style,
layout, paint, IPC), garbage collection and Playwright's injected script.

    python -m bench.portal_profile [--n 16] [--variant default] [--latency-ms 50] [--js-profile] [--json FILE]

A measurement for reading, not a target; it changes nothing in ucmauto.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Optional

from pydantic import SecretStr

from bench import memory
from bench.stage import CLIENT_ID, Stage
from bench.variants import VARIANTS, box_flags
from ucm_automator.ucm.portal import Portal, PortalFacts, PortalOptions, UserWant
from ucm_automator.ucm.profile import load_profile
from ucm_automator.ucm.session import BrowserSession, SessionOptions
from ucm_automator.ucm.trust import Trust

METRICS = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")
STEPS = ("login", "read", "save", "apply", "wait_logged_in", "logout")


class Calls:
    """Counts Playwright protocol messages by object and method (private API: profiling only)."""

    def __init__(self) -> None:
        self.counts: collections.Counter = collections.Counter()
        try:
            from playwright._impl import connection
        except ImportError:
            return
        original = connection.Connection.send_message_to_server
        counts = self.counts

        def counted(conn, obj, method, params, options):  # noqa: ANN001
            counts[f"{type(obj).__name__}.{method}"] += 1
            return original(conn, obj, method, params, options)

        connection.Connection.send_message_to_server = counted


def _ours(root: int, exclude: set[int]) -> list[int]:
    procs = memory.scan()
    skip = {p for e in exclude for p in memory.tree(e, procs)}
    return [p for p in memory.tree(root, procs) if p not in skip]


def cpu_by_kind(exclude: set[int]) -> dict[str, float]:
    out: dict[str, float] = collections.defaultdict(float)
    for pid in _ours(os.getpid(), exclude):
        st = memory._stat(pid)
        if st:
            out[memory.kind(pid)] += st[1]
    return out


def pss_by_kind(exclude: set[int]) -> dict[str, float]:
    out: dict[str, float] = collections.defaultdict(float)
    for pid in _ours(os.getpid(), exclude):
        out[memory.kind(pid)] += memory.pss_kib(pid) / 1024
    return {k: round(v, 1) for k, v in sorted(out.items(), key=lambda kv: -kv[1])}


def js_split(profile: dict) -> dict[str, float]:
    """Milliseconds of the sampled main thread by where it ran."""
    nodes = {n["id"]: n["callFrame"] for n in profile["nodes"]}
    out: dict[str, float] = collections.defaultdict(float)
    for node, dt in zip(profile["samples"], profile["timeDeltas"]):
        frame = nodes[node]
        url, fn = frame["url"], frame["functionName"]
        if fn in ("(idle)", "(program)", "(garbage collector)"):
            key = fn
        elif url.startswith("http"):
            key = "GUI JavaScript"
        elif url:
            key = "other scripts"
        else:
            key = "native calls / injected script"
        out[key] += dt / 1000
    return {k: round(v, 1) for k, v in sorted(out.items(), key=lambda kv: -kv[1])}


async def profile_run(stage: Stage, n: int, js_profile: bool, calls: Calls) -> dict[str, Any]:
    profile = load_profile(None)
    options = SessionOptions(base_url=stage.box.url, trust=Trust(certificate=None, insecure=True))
    exclude = {stage.box.pid, stage.zoho.pid}
    wall: dict[str, float] = collections.defaultdict(float)
    main_thread: dict[str, dict[str, float]] = {s: collections.defaultdict(float) for s in STEPS}
    pss: dict[str, Any] = {}
    async with BrowserSession(options, profile) as session:
        portal = Portal(session, PortalFacts(), PortalOptions(renew_after=n + 1))
        await portal.start()
        cdp = await portal.ctx.new_cdp_session(portal.page)
        await cdp.send("Performance.enable")

        async def metrics() -> dict[str, float]:
            return {m["name"]: m["value"] for m in (await cdp.send("Performance.getMetrics"))["metrics"]}

        async def step(name: str, work):  # noqa: ANN001, ANN202
            before, t = await metrics(), time.perf_counter()
            result = await work
            wall[name] += time.perf_counter() - t
            after = await metrics()
            for m in METRICS:
                main_thread[name][m] += after[m] - before[m]
            return result

        # the first user pays for loading the GUI: measured apart, the rest are the steady state
        first = stage.exts[0]
        want = lambda ext: UserWant(client_id=CLIENT_ID, client_secret=SecretStr(stage.client_secret),  # noqa: E731
                                    refresh_token=SecretStr(stage.tokens[ext]))
        t0 = time.perf_counter()
        await portal.login(first, SecretStr(stage.passwords[first]))
        await portal.read(first)
        await portal.save(first, want(first))
        await portal.apply()
        await portal.wait_logged_in(first, 30)
        await portal.logout()
        first_user_s = time.perf_counter() - t0
        pss["after user 1"] = pss_by_kind(exclude)
        cpu0, calls0, t0 = cpu_by_kind(exclude), dict(calls.counts), time.perf_counter()
        if js_profile:
            await cdp.send("Profiler.enable")
            await cdp.send("Profiler.setSamplingInterval", {"interval": 200})
            await cdp.send("Profiler.start")
        rest = stage.exts[1:n]
        statuses = []
        for i, ext in enumerate(rest, start=2):
            await step("login", portal.login(ext, SecretStr(stage.passwords[ext])))
            await step("read", portal.read(ext))
            await step("save", portal.save(ext, want(ext)))
            await step("apply", portal.apply())
            have = await step("wait_logged_in", portal.wait_logged_in(ext, 30))
            await step("logout", portal.logout())
            statuses.append(have.login_status)
            if i == (n + 1) // 2:
                pss[f"after user {i}"] = pss_by_kind(exclude)
        split = js_split((await cdp.send("Profiler.stop"))["profile"]) if js_profile else None
        steady_s = time.perf_counter() - t0
        cpu1 = cpu_by_kind(exclude)
        pss[f"after user {n}"] = pss_by_kind(exclude)
        await portal.close()
    k = len(rest)
    per_call = collections.Counter({m: c - calls0.get(m, 0) for m, c in calls.counts.items()})
    return {
        "users": n, "latency_ms": stage.latency_ms, "switches": stage.switches, "all_logged_in": all(s == "login" for s in statuses),
        "first_user_s": round(first_user_s, 3),
        "steady_wall_s_per_user": round(steady_s / k, 3),
        "steps_ms_per_user": {s: {"wall": round(wall[s] / k * 1000),
                                  **{m: round(main_thread[s][m] / k * 1000) for m in METRICS}} for s in STEPS},
        "cpu_s_per_user": {kind: round((cpu1[kind] - cpu0.get(kind, 0.0)) / k, 3)
                           for kind in sorted(cpu1, key=lambda x: -(cpu1[x] - cpu0.get(x, 0.0)))},
        "cpu_s_per_user_total": round(sum(cpu1[x] - cpu0.get(x, 0.0) for x in cpu1) / k, 3),
        "pss_mib": pss,
        "playwright_calls_per_user": {m: round(c / k, 1) for m, c in per_call.most_common(12) if c},
        "renderer_main_thread_ms": split and {key: round(ms / k, 1) for key, ms in split.items()},
    }


def show(r: dict[str, Any]) -> None:
    print(f"{r['users']} users, {r['latency_ms']} ms latency, variant {r['variant']} {r['switches']}, load "
          f"{r['load']['start'][0]}; first user {r['first_user_s']} s (loads the GUI); "
          f"then {r['steady_wall_s_per_user']} s wall and {r['cpu_s_per_user_total']} CPU-s per user; "
          f"all Logged In: {r['all_logged_in']}")
    print(f"\n{'step':16} {'wall':>6} " + " ".join(f"{m[:-8]:>11}" for m in METRICS) + "   (ms per user; renderer main thread)")
    for s, row in r["steps_ms_per_user"].items():
        print(f"{s:16} {row['wall']:6} " + " ".join(f"{row[m]:11}" for m in METRICS))
    print("\nCPU s per user: " + ", ".join(f"{k} {v}" for k, v in r["cpu_s_per_user"].items() if v >= 0.005))
    for when, kinds in r["pss_mib"].items():
        print(f"PSS {when}: {round(sum(kinds.values()))} MiB = " + ", ".join(f"{k} {v:g}" for k, v in kinds.items() if v >= 5))
    print("Playwright calls per user: " + ", ".join(f"{m} {c:g}" for m, c in r["playwright_calls_per_user"].items()))
    if r["renderer_main_thread_ms"]:
        print("renderer main thread, ms per user: " + ", ".join(f"{k} {v:g}" for k, v in r["renderer_main_thread_ms"].items()))


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.portal_profile", description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=16, help="users (default 16; the first is reported apart)")
    ap.add_argument("--variant", default="default", choices=list(VARIANTS),
                    help="the box variant (bench/variants.py; default: the box's defaults, the real GUI's)")
    ap.add_argument("--latency-ms", type=int, default=50, help="added to every /cgi reply (default 50)")
    ap.add_argument("--js-profile", action="store_true", help="sample the renderer's main thread (CDP Profiler)")
    ap.add_argument("--json", type=Path, default=None, help="also write the result here")
    args = ap.parse_args(argv)
    if args.n < 2:
        ap.error("--n must be at least 2")
    calls = Calls()
    load_start = [round(x, 2) for x in os.getloadavg()]  # a shared machine stretches wall times
    with tempfile.TemporaryDirectory(prefix="ucmauto-profile-") as work:
        with Stage(Path(work) / "stage", args.n, latency_ms=args.latency_ms,
                   switches=box_flags(args.variant, None)) as stage:
            result = asyncio.run(profile_run(stage, args.n, args.js_profile, calls))
    result.update(variant=args.variant, load={"start": load_start, "end": [round(x, 2) for x in os.getloadavg()]})
    show(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0 if result["all_logged_in"] else 1


if __name__ == "__main__":
    sys.exit(main())
