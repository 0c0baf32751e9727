"""Where the time of `ucmauto enroll` goes: runs the real CLI in this process with wall-clock
timers wrapped around the portal driver's steps (login, read, save, apply, wait for Logged In,
logout and what they are made of), and the Zoho pre-check and browser start. ucmauto itself
is not changed: the wrappers are installed before its `main()` runs.

    python -m bench.phases [ucmauto arguments...]      # e.g. enroll --file users.csv --json

Writes the table as JSON to $BENCH_PHASES_OUT (default: stderr) at exit: per step, calls,
total and mean seconds (summed over workers, so totals exceed the wall time at -j > 1).
"""

from __future__ import annotations

import atexit
import functools
import inspect
import json
import os
import sys
import threading
import time
from collections import defaultdict

TIMES: dict[str, list[float]] = defaultdict(list)
_lock = threading.Lock()


def _record(name: str, took: float) -> None:
    with _lock:
        TIMES[name].append(took)


MISSING: list[str] = []


def _wrap(owner: object, attr: str, name: str) -> None:
    fn = getattr(owner, attr, None)
    if fn is None:  # ucmauto changed: time what is there, and say what was not
        MISSING.append(name)
        return
    if inspect.iscoroutinefunction(fn):
        @functools.wraps(fn)
        async def timed(*a, **kw):
            t = time.perf_counter()
            try:
                return await fn(*a, **kw)
            finally:
                _record(name, time.perf_counter() - t)
    else:
        @functools.wraps(fn)
        def timed(*a, **kw):
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                _record(name, time.perf_counter() - t)
    setattr(owner, attr, timed)


def install() -> None:
    import importlib

    from ucm_automator.enroll import batch, run
    from ucm_automator.ucm import portal, session
    from ucm_automator.ucm.pages import login, shell, user_crm

    for attr in ("login", "read", "save", "apply", "wait_logged_in", "logout", "_check_info", "_check_form",
                 "_submit", "start", "recycle"):
        _wrap(portal.Portal, attr, f"portal.{attr}")
    for attr in ("open", "reload", "_load", "tick_enable", "fill", "save", "_follow"):
        _wrap(user_crm.UserCrmPage, attr, f"user_crm.{attr}")
    try:  # the one Save of the driver layer, where it exists (looked up at call time in portal)
        press = importlib.import_module("ucm_automator.ucm.press")
        if hasattr(portal, "press_save"):
            _wrap(portal, "press_save", "press_save")
        else:
            _wrap(press, "press_save", "press_save")
    except ImportError:
        MISSING.append("press_save")
    _wrap(login.LoginPage, "open", "login_page.open")
    _wrap(shell.Shell, "follow", "shell.follow")
    _wrap(shell.Shell, "menu_exists", "shell.menu_exists")
    _wrap(session.BrowserSession, "__aenter__", "browser.launch")
    _wrap(session.BrowserSession, "new_context", "browser.new_context")
    _wrap(batch.Batch, "_verify", "batch._verify")
    _wrap(batch.Batch, "_enrol", "batch._enrol")
    # module-level functions are looked up at call time in the importing module
    _wrap(run, "_precheck", "run._precheck (Zoho)")
    _wrap(run, "trust_box", "run.trust_box")
    _wrap(run, "resolve", "run.resolve (secrets)")


def table() -> dict:
    out = {k: {"calls": len(v), "total_s": round(sum(v), 3), "mean_s": round(sum(v) / len(v), 3),
               "max_s": round(max(v), 3)} for k, v in sorted(TIMES.items(), key=lambda kv: -sum(kv[1]))}
    if MISSING:
        out["_not_found"] = {"names": MISSING}
    return out


def _dump() -> None:
    text = json.dumps(table(), indent=1)
    out = os.environ.get("BENCH_PHASES_OUT")
    if out:
        with open(out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    else:
        sys.stderr.write(text + "\n")


def main() -> None:
    started = time.perf_counter()
    install()
    atexit.register(_dump)
    atexit.register(lambda: _record("process (main)", time.perf_counter() - started))
    from ucm_automator.cli import main as cli_main

    cli_main(sys.argv[1:])


if __name__ == "__main__":
    main()
