"""Ctrl-C and SIGTERM take one path: cancellation, so the drivers' cleanup (logging out, closing
the browser) runs, then one `ucmauto:` line and exit 130 (SIGINT) or 143 (SIGTERM).

SIGTERM is handed to whatever handles SIGINT at that moment: inside `asyncio.run` that is the
runner's handler, which cancels the main task (its `finally` blocks and `async with` exits run);
elsewhere Python's default, which raises KeyboardInterrupt. Cleanup is bounded: a second signal,
or GRACE_S after the first SIGTERM, ends the process with the same line (a service manager's stop
must not hang on a box that no longer answers).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Optional

from ucm_automator.errors import ExitCode, Interrupted

GRACE_S = 20.0
_received: list[int] = []


def install() -> Optional[Callable[[], None]]:
    """Route SIGTERM into cancellation; returns what puts the old handler back (None off the
    main thread, where Python lets no one set handlers)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    _received.clear()
    old = signal.signal(signal.SIGTERM, _on_term)
    return lambda: signal.signal(signal.SIGTERM, old)


def _on_term(signum: int, frame: Any) -> None:
    if _received:
        _exit_now("a second SIGTERM")
    _received.append(signum)
    timer = threading.Timer(GRACE_S, _exit_now, args=(f"cleanup took more than {GRACE_S:g} s",))
    timer.daemon = True
    timer.start()
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):
        handler(signal.SIGINT, frame)  # asyncio's runner: cancel the main task; default: KeyboardInterrupt
    else:
        raise KeyboardInterrupt


def exit_code() -> ExitCode:
    return ExitCode.TERMINATED if signal.SIGTERM in _received else ExitCode.INTERRUPTED


def message(hint: str = "") -> str:
    how = "stopped by SIGTERM" if exit_code() == ExitCode.TERMINATED else "interrupted (Ctrl-C)"
    return f"{how}; {hint or 'nothing more was started; run the same command again'}"


def _exit_now(why: str) -> None:
    sys.stderr.write(f"ucmauto: {message()} ({why}; not waiting for the cleanup)\n")
    sys.stderr.flush()
    os._exit(int(exit_code()))


@contextmanager
def as_error(hint: Callable[[], str]) -> Iterator[None]:
    """A KeyboardInterrupt (Ctrl-C, or SIGTERM above) leaves the command as one Interrupted error,
    before Typer could turn it into a bare exit 130."""
    try:
        yield
    except KeyboardInterrupt:
        raise Interrupted(message(hint()), exit_code=exit_code()) from None
