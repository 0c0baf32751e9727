"""`fleet plan|apply`: admin setup, then enrolment, on K boxes at once in one shared browser.

Before any login: every box's certificate is checked against the inventory's fingerprint or
known_hosts (in parallel threads); the browser then starts once with all their pins. Each box
runs the single-box library (runner.admin_setup, enroll.run.prepare/on_box) with its contexts
in that browser; a box that fails is reported and the others go on. Enrolment journals are per
box (keyed by its URL and users), so a re-run resumes where each box stopped.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Protocol

from ucm_automator.enroll.batch import BatchOptions, Outcome
from ucm_automator.enroll.run import prepare as prepare_enrol
from ucm_automator.fleet.boxes import FleetBox
from ucm_automator.fleet.browser import SharedBrowser
from ucm_automator.fleet.results import BoxResult, error_of
from ucm_automator.output import Terminal
from ucm_automator.runner import admin_setup, known_hosts_path
from ucm_automator.ucm.portal import PortalOptions
from ucm_automator.ucm.errors import TlsUntrusted
from ucm_automator.ucm.trust import Trust, establish_trust


class Events(Protocol):
    def user(self, box: str, outcome: Outcome) -> None: ...
    def box(self, result: BoxResult) -> None: ...


@dataclass
class FleetOptions:
    boxes: int = 2  # boxes at once
    contexts: int = 4  # browser contexts (users at once) across all running boxes
    concurrency: Optional[int] = None  # users at once per box; default contexts // boxes (at least 1)
    dry_run: bool = False
    force: bool = False
    login_wait_s: float = 60.0
    journal_dir: Optional[Path] = None

    def per_box(self, running: int) -> int:
        return self.concurrency or max(1, self.contexts // max(1, min(self.boxes, running)))


class _Progress:
    def __init__(self, box: str, events: Events) -> None:
        self.name, self.events = box, events

    def step(self, extension: str, text: str) -> None:
        pass

    def done(self, outcome: Outcome) -> None:
        self.events.user(self.name, outcome)


def trust_of(box: FleetBox) -> Trust:
    s = box.settings
    return establish_trust(box.url, known_hosts_path(s), fingerprint=s.fingerprint, insecure=s.insecure,
                           timeout_s=min(s.timeout_s, 15.0), ask=None)


async def trusted(boxes: list[FleetBox], results: dict[str, BoxResult],
                  events: Events) -> list[tuple[FleetBox, Trust]]:
    """Each box's certificate, checked in parallel; an unreachable or untrusted box fails here."""
    got = await asyncio.gather(*(asyncio.to_thread(trust_of, b) for b in boxes), return_exceptions=True)
    ok = []
    for b, t in zip(boxes, got):
        if isinstance(t, Trust):
            ok.append((b, t))
        elif isinstance(t, TlsUntrusted):
            results[b.name].error = error_of(TlsUntrusted(
                f"{str(t).split('; ')[0]}; if that is box {b.name}'s certificate, set its fingerprint in the inventory"))
            events.box(results[b.name])
        elif isinstance(t, Exception):
            results[b.name].error = error_of(t)
            events.box(results[b.name])
        else:
            raise t
    return ok


async def run_boxes(boxes: list[FleetBox], opts: FleetOptions, events: Events,
                    each: Callable[[FleetBox, SharedBrowser, BoxResult, int], "asyncio.Future"]) -> list[BoxResult]:
    results = {b.name: BoxResult(b.name, b.url) for b in boxes}
    ok = await trusted(boxes, results, events)
    if ok:
        per_box = opts.per_box(len(ok))
        limit = asyncio.Semaphore(max(1, opts.boxes))
        async with SharedBrowser([t.spki_pin or "" for _, t in ok]) as shared:
            async def one(b: FleetBox) -> None:
                async with limit:
                    r, started = results[b.name], time.monotonic()
                    try:
                        await each(b, shared, r, per_box)
                    except Exception as e:  # noqa: BLE001 - one box's failure, whatever it is, stays its own
                        r.error = error_of(e)
                    r.seconds = round(time.monotonic() - started, 2)
                    events.box(r)
            await asyncio.gather(*(one(b) for b, _ in ok))
    return [results[b.name] for b in boxes]


def apply_fleet(boxes: list[FleetBox], opts: FleetOptions, events: Events) -> list[BoxResult]:
    async def each(b: FleetBox, shared: SharedBrowser, r: BoxResult, per_box: int) -> None:
        await _apply_box(b, shared, opts, events, r, per_box)
    return asyncio.run(run_boxes(boxes, opts, events, each))


async def _apply_box(b: FleetBox, shared: SharedBrowser, opts: FleetOptions, events: Events, r: BoxResult,
                     per_box: int) -> None:
    term = Terminal(quiet=True)
    admin, err = await admin_setup(b.settings, b.admin_password, term=term, dry_run=opts.dry_run,
                                   make_session=shared.session)
    r.admin = admin
    if err is not None:
        r.error = admin.error
        return
    if not b.entries:
        return
    if opts.dry_run and any(c.field == "crm_module" for c in admin.changes):
        r.notes.append(f"{len(b.entries)} user(s) to enrol once admin setup has run; not read now "
                       "(their CRM page needs Zoho CRM selected)")
        return
    s = b.settings
    portal = PortalOptions(retries=max(3, s.rate_limit_retries), rate_limit_wait_s=s.rate_limit_backoff_s)
    bopts = BatchOptions(concurrency=per_box, login_wait_s=opts.login_wait_s, dry_run=opts.dry_run, force=opts.force,
                         admin_user=s.admin_user, admin_password=lambda: b.admin_password, portal=portal)
    run = await asyncio.to_thread(prepare_enrol, s, b.entries, b.sources, bopts, term, _Progress(b.name, events),
                                  what=f"the users of box {b.name}", journal_dir=opts.journal_dir)
    r.users = run.report.outcomes
    for o in r.users:
        if o.status == "done_earlier":
            events.user(b.name, o)
    try:
        if run.trust is not None:
            await run.on_box(shared.session)
    finally:
        report = run.finish()
        r.journal = str(report.journal) if report.journal else None
