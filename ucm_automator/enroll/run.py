"""`enrol()`: the library entry point behind `ucmauto enroll` and `enroll-user`.

Order matters: validate every entry and resolve every secret (all problems at once, nothing
touched), open or resume the journal, prove every token at Zoho, and only then trust the box's
certificate and start the one browser.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from ucm_automator.config import Settings
from ucm_automator.enroll.batch import Batch, BatchOptions, Outcome, Progress
from ucm_automator.enroll.credentials import Sources, precheck, resolve
from ucm_automator.enroll.inventory import Entry, Problems
from ucm_automator.enroll.journal import Journal, Resume, batch_id, default_dir
from ucm_automator.errors import ExitCode
from ucm_automator.models import TargetResult
from ucm_automator.output import Terminal
from ucm_automator.redact import redact
from ucm_automator.runner import box_profile, trust_box, ucm_url
from ucm_automator.ucm.profile import load_profile
from ucm_automator.ucm.session import BrowserSession, SessionOptions
from ucm_automator.ucm.trust import Trust


@dataclass
class Report:
    ucm: str
    batch: str
    journal: Optional[Path]
    dry_run: bool
    outcomes: list[Outcome]
    resumed: int = 0  # users skipped as done by an earlier run of this batch
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def exit_code(self) -> int:
        bad = self.failed()
        if not bad:
            return int(ExitCode.OK)
        if len(self.outcomes) == 1:
            return int((bad[0].result.error or {}).get("exit_code", ExitCode.INTERNAL))
        return int(ExitCode.PARTIAL)


class NullJournal(Journal):
    """--dry-run: nothing done, nothing to resume."""

    def __init__(self) -> None:
        self.path, self.batch = Path("/dev/null"), "dry-run"

    def resume(self) -> Resume:
        return Resume()

    def write(self, event: str, **fields: Any) -> None:
        pass


def enrol(settings: Settings, entries: list[Entry], sources: Sources, opts: BatchOptions, term: Terminal,
          progress: Progress, *, what: str, problems: Optional[Problems] = None,
          ask: Optional[Callable[[str], bool]] = None, batch: Optional[str] = None, journal_dir: Optional[Path] = None,
          restart: bool = False) -> Report:
    run = prepare(settings, entries, sources, opts, term, progress, what=what, problems=problems, ask=ask,
                  batch=batch, journal_dir=journal_dir, restart=restart)
    if run.trust is not None:
        asyncio.run(run.on_box(BrowserSession))
    return run.finish()


@dataclass
class Run:
    """An enrolment validated, journalled and pre-checked: `on_box` drives the UCM (skipped when
    nothing is pending), `finish` closes the journal. A fleet runs `on_box` of many boxes in one
    event loop with one shared browser (`make_session`)."""

    settings: Settings
    profile: Any
    journal: Journal
    opts: BatchOptions
    progress: Progress
    report: Report
    trust: Optional[Trust]  # None: no user left for the UCM
    started: float

    async def on_box(self, make_session: Callable[..., BrowserSession]) -> None:
        assert self.trust is not None
        await _ucm(self.settings, self.report.ucm, self.profile, self.trust, self.journal, self.opts, self.progress,
                   self.report.outcomes, make_session)

    def finish(self) -> Report:
        self.journal.write("run_end", ok=sum(o.status in ("ok", "done_earlier") for o in self.report.outcomes),
                           failed=len(self.report.failed()))
        self.report.seconds = round(time.monotonic() - self.started, 2)
        return self.report


def prepare(settings: Settings, entries: list[Entry], sources: Sources, opts: BatchOptions, term: Terminal,
            progress: Progress, *, what: str, problems: Optional[Problems] = None,
            ask: Optional[Callable[[str], bool]] = None, batch: Optional[str] = None,
            journal_dir: Optional[Path] = None, restart: bool = False) -> Run:
    """Everything before the browser: validate, resolve secrets, journal, prove tokens, trust."""
    started = time.monotonic()
    ucm = ucm_url(settings)
    profile = load_profile(settings.profile)  # a bad profile is an input problem: before anything
    problems = problems or Problems()
    jobs = resolve(entries, sources, problems)
    problems.raise_if_any(what)
    name = batch or batch_id(ucm, [j.entry.extension for j in jobs])
    journal = NullJournal() if opts.dry_run else Journal(journal_dir or default_dir(), ucm, name)
    outcomes = [Outcome(j, TargetResult(target=j.entry.label, dry_run=opts.dry_run)) for j in jobs]
    report = Report(ucm, name, None if opts.dry_run else journal.path, opts.dry_run, outcomes)
    if restart:
        journal.write("reset")
    earlier = journal.resume()
    for o in outcomes:
        event = earlier.done.get(o.job.entry.extension)
        if event:
            o.status = "done_earlier"
            o.result.after = {"login_status": event.get("login_status")}
            report.resumed += 1
    journal.write("run_start", ucm=ucm, users=[j.entry.extension for j in jobs], resumed=report.resumed,
                  dry_run=opts.dry_run)
    todo = [o for o in outcomes if o.status == "pending"]
    _precheck(todo, journal, progress)
    trust = None
    if any(o.status == "pending" for o in outcomes):
        trust = trust_box(settings, ucm, term, ask)
        profile, _ = box_profile(settings, ucm, trust, term, profile)
    return Run(settings, profile, journal, opts, progress, report, trust, started)


def _precheck(todo: list[Outcome], journal: Journal, progress: Progress) -> None:
    """Every token proven at Zoho before the UCM is touched; a dead one fails its user here."""
    for o in todo:
        progress.step(o.job.entry.extension, "checking the Zoho token")
    failed = precheck([o.job for o in todo])
    for o in todo:
        err = failed.get(o.job.entry.extension)
        if err is None:
            continue
        o.status = "failed"
        message = f"{o.job.entry.extension}: the Zoho token {o.job.token_label} failed the check: {err}; UCM untouched"
        o.result.error = {"code": err.exit_code.name, "exit_code": int(err.exit_code), "message": redact(message)}
        journal.write("done", extension=o.job.entry.extension, ok=False, code=err.exit_code.name,
                      message=redact(message))
        progress.done(o)


async def _ucm(settings: Settings, ucm: str, profile, trust: Trust, journal: Journal, opts: BatchOptions,
               progress: Progress, outcomes: list[Outcome], make_session: Callable[..., BrowserSession]) -> None:
    options = SessionOptions(base_url=ucm, trust=trust, timeout_s=settings.timeout_s,
                             artifacts_dir=settings.artifacts_dir)
    async with make_session(options, profile) as session:
        await Batch(session, journal, opts, progress).run(outcomes)
