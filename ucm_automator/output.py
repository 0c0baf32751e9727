"""Talking to the human and to scripts: messages on stderr, data on stdout, all redacted."""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Iterable, Sequence

from ucm_automator.redact import REDACTOR

# whether this run has printed its JSON document (then a failure does not print a second one)
_printed: list[bool] = []


def json_printed() -> bool:
    return bool(_printed)


def reset() -> None:
    _printed.clear()


def mark_json_printed() -> None:
    """For a document written raw (token --show-secret --json)."""
    _printed.append(True)


class Terminal:
    def __init__(self, *, quiet: bool = False, json_mode: bool = False) -> None:
        self.quiet = quiet
        self.json_mode = json_mode

    @property
    def interactive(self) -> bool:
        return sys.stdin.isatty() and sys.stderr.isatty() and not os.environ.get("CI")

    # messages: stderr
    def info(self, text: str) -> None:
        if not self.quiet:
            self._err(text)

    def warn(self, text: str) -> None:
        self._err(f"warning: {text}")

    def error(self, text: str) -> None:
        self._err(f"ucmauto: {text}")

    def _err(self, text: str) -> None:
        sys.stderr.write(REDACTOR.redact(text) + "\n")
        sys.stderr.flush()

    # data: stdout
    def data(self, text: str) -> None:
        sys.stdout.write(REDACTOR.redact(text) + "\n")
        sys.stdout.flush()

    def json(self, obj: Any) -> None:
        _printed.append(True)
        sys.stdout.write(json.dumps(REDACTOR.redact_obj(obj), indent=2, sort_keys=False) + "\n")
        sys.stdout.flush()

    def table(self, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        rows = [[REDACTOR.redact("" if c is None else c) for c in r] for r in rows]
        widths = [len(h) for h in headers]
        for r in rows:
            widths = [max(w, len(c)) for w, c in zip(widths, r)]
        line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
        self.data(line.rstrip())
        self.data("  ".join("-" * w for w in widths))
        for r in rows:
            self.data("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
