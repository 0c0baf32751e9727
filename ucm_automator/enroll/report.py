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


def result_word(o: Outcome) -> str:
    if o.status == "done_earlier":
        return "done earlier"
    if o.status == "failed":
        return "FAILED"
    if o.result.dry_run:
        return "would change" if o.result.changes else "unchanged"
    return "changed" if o.result.changed or o.result.changes else "unchanged"


class ProgressView:
    """On a terminal, rich's live view (stderr): the batch's bar and one line per user at work with
    its current step; failures printed above it. Otherwise one line per finished user."""

    def __init__(self, term: Terminal, total: int, status_texts: dict[str, str]) -> None:
        self.term, self.total, self.texts = term, total, status_texts
        self.finished = self.failed = 0
        self._lock = threading.Lock()  # steps come from the event loop and from pre-check threads
        self._users: dict[str, Any] = {}
        self._live: Any = None
        if sys.stderr.isatty() and not term.quiet:
            from rich.console import Console  # imported here: `ucmauto --help` must stay light
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._live = Progress(TextColumn("{task.description}", markup=False), BarColumn(bar_width=24),
                                  TextColumn("{task.fields[count]}", markup=False), TimeElapsedColumn(),
                                  console=Console(stderr=True), transient=True)
            self._batch = self._live.add_task("users", total=total, count=f"0/{total}")
            self._live.start()

    def step(self, extension: str, text: str) -> None:
        if self._live is None:
            return
        with self._lock:
            line = redact(f"  {extension}: {text}")
            task = self._users.get(extension)
            if task is None:
                self._users[extension] = self._live.add_task(line, total=None, count="")
            else:
                self._live.update(task, description=line)

    def done(self, o: Outcome) -> None:
        with self._lock:
            self.finished += 1
            self.failed += o.status == "failed"
            line = self.line(o)
            if self._live is None:
                self.term.info(line)
                return
            task = self._users.pop(o.job.entry.extension, None)
            if task is not None:
                self._live.remove_task(task)
            tail = f", {self.failed} failed" if self.failed else ""
            self._live.update(self._batch, advance=1, count=f"{self.finished}/{self.total}{tail}")
            if o.status == "failed":
                self._live.console.print(redact(line), markup=False, highlight=False)

    def line(self, o: Outcome) -> str:
        r = o.result
        if o.status == "failed":
            return f"{r.target}: FAILED: {(r.error or {}).get('message', '')}"
        status = self.texts.get((r.after or {}).get("login_status") or "", "")
        took = f" ({r.seconds:g} s)" if r.seconds is not None else ""
        return f"{r.target}: {result_word(o)}{', ' + status if status else ''}{took}"

    def close(self) -> None:
        with self._lock:
            if self._live is not None:
                self._live.stop()
                self._live = None


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
