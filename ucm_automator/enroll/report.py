"""How an enrolment run shows itself: a progress bar on a terminal (stderr), plain lines
otherwise, then a summary table or one JSON document (stdout). Everything passes the redactor.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from ucm_automator.enroll.batch import Outcome
from ucm_automator.enroll.run import Report
from ucm_automator.output import Terminal
from ucm_automator.redact import redact

WIDTH = 24


def result_word(o: Outcome) -> str:
    if o.status == "done_earlier":
        return "done earlier"
    if o.status == "failed":
        return "FAILED"
    if o.result.dry_run:
        return "would change" if o.result.changes else "unchanged"
    return "changed" if o.result.changed or o.result.changes else "unchanged"


class ProgressView:
    """One redrawn line on a terminal; one line per finished user otherwise."""

    def __init__(self, term: Terminal, total: int, status_texts: dict[str, str]) -> None:
        self.term, self.total, self.texts = term, total, status_texts
        self.tty = sys.stderr.isatty() and not term.quiet
        self.finished = self.failed = 0
        self.last = ""
        self._lock = threading.Lock()  # pre-check reports from worker threads too

    def step(self, extension: str, text: str) -> None:
        self.last = f"{extension}: {text}"
        if self.tty:
            self._draw()

    def done(self, o: Outcome) -> None:
        with self._lock:
            self.finished += 1
            self.failed += o.status == "failed"
        line = self.line(o)
        if self.tty:
            self._clear()
            if o.status == "failed":
                self.term.info(line)
            self._draw()
        else:
            self.term.info(line)

    def line(self, o: Outcome) -> str:
        r = o.result
        if o.status == "failed":
            return f"{r.target}: FAILED: {(r.error or {}).get('message', '')}"
        status = self.texts.get((r.after or {}).get("login_status") or "", "")
        took = f" ({r.seconds:g} s)" if r.seconds is not None else ""
        return f"{r.target}: {result_word(o)}{', ' + status if status else ''}{took}"

    def _draw(self) -> None:
        done = int(WIDTH * self.finished / max(1, self.total))
        bar = "#" * done + "." * (WIDTH - done)
        text = f"\r[{bar}] {self.finished}/{self.total} failed {self.failed}  {self.last}"[:150]
        sys.stderr.write(redact(text) + "\x1b[K")
        sys.stderr.flush()

    def _clear(self) -> None:
        sys.stderr.write("\r\x1b[K")

    def close(self) -> None:
        if self.tty:
            self._clear()
            sys.stderr.flush()


def as_json(report: Report) -> dict[str, Any]:
    users = []
    for o in report.outcomes:
        doc = o.result.model_dump()
        doc.update(extension=o.job.entry.extension, name=o.job.entry.name or None, status=o.status, notes=o.notes,
                   result=result_word(o), zoho_token=o.job.token_label, zoho_user=o.job.zoho_user or None)
        users.append(doc)
    return {"ucm": report.ucm, "batch": report.batch, "journal": str(report.journal) if report.journal else None,
            "dry_run": report.dry_run, "seconds": report.seconds, "summary": summary(report), "users": users}


def summary(report: Report) -> dict[str, int]:
    words = [result_word(o) for o in report.outcomes]
    return {"users": len(words), "failed": words.count("FAILED"), "changed": words.count("changed"),
            "unchanged": words.count("unchanged"), "done_earlier": words.count("done earlier"),
            "would_change": words.count("would change")}


def show(term: Terminal, report: Report, status_texts: dict[str, str]) -> None:
    if term.json_mode:
        term.json(as_json(report))
        return
    rows = []
    for o in report.outcomes:
        r = o.result
        changes = ", ".join(c.field for c in r.changes) or "-"
        status = status_texts.get((r.after or {}).get("login_status") or "", "-")
        rows.append((o.job.entry.extension, o.job.entry.name or "-", result_word(o), changes, status,
                     f"{r.seconds:g}" if r.seconds is not None else "-"))
    term.table(("EXT", "NAME", "RESULT", "CHANGES", "LOGIN STATUS", "SECONDS"), rows)
    s = summary(report)
    tail = f"; {report.resumed} done earlier (journal {report.journal})" if report.resumed else ""
    term.info(f"{s['users']} user(s) in {report.seconds:g} s: {s['changed']} changed, {s['unchanged']} unchanged, "
              f"{s['failed']} failed{tail}")
    for o in report.outcomes:
        for note in o.notes:
            term.info(f"{o.result.target}: {note}")
    for o in report.failed():
        term.error((o.result.error or {}).get("message", ""))
