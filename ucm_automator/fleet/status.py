"""`fleet status [--check]`: read every box as its admin (admin CRM page, each listed user's CRM
User Settings and Login Status), change nothing, and compare with the inventory.

Monitoring (`--check`) follows the Nagios plugin convention, one line and exit 0-3:
- OK (0): every box as the inventory says, every user Logged In;
- WARNING (1): a box drifted from the inventory (admin CRM Server Address, Contact Lookups or
  Add Unknown Number differ, or a user holds another client id than its stored token) while
  its users are Logged In;
- CRITICAL (2): a user is not Logged In, or a box's CRM System is not Zoho;
- UNKNOWN (3): a box or user could not be read (unreachable, untrusted certificate, login refused)
  or the inventory is invalid.
The fleet's state is the worst box's, ranked OK < WARNING < UNKNOWN < CRITICAL.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Optional

from ucm_automator.enroll.plan import LOGIN
from ucm_automator.enroll.status import StatusReport, read_status_async
from ucm_automator.errors import UcmautoError
from ucm_automator.fleet.boxes import FleetBox
from ucm_automator.fleet.browser import SharedBrowser
from ucm_automator.fleet.results import BoxResult, error_of
from ucm_automator.fleet.run import Events, FleetOptions, run_boxes
from ucm_automator.runner import admin_want
from ucm_automator.zoho.store import TokenRef

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
NAMES = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL", UNKNOWN: "UNKNOWN"}
ORDER = {OK: 0, WARNING: 1, UNKNOWN: 2, CRITICAL: 3}


@dataclass
class BoxStatus:
    result: BoxResult
    report: Optional[StatusReport] = None
    problems: list[tuple[int, str]] = field(default_factory=list)  # (nagios state, what)

    @property
    def state(self) -> int:
        if self.result.error:
            return UNKNOWN
        return max((s for s, _ in self.problems), key=lambda s: ORDER[s], default=OK)

    def as_json(self) -> dict[str, Any]:
        r = self.report
        users = [{"extension": u.entry.extension, "name": u.entry.name or None,
                  "login_status": (u.crm or {}).get("login_status"), "crm": u.crm, "error": u.error}
                 for u in (r.users if r else [])]
        return {"type": "box", "box": self.result.name, "url": self.result.url, "state": NAMES[self.state],
                "admin_crm": r.admin_crm if r else None, "admin_error": r.admin_error if r else None,
                "users": users, "problems": [f"{NAMES[s]}: {t}" for s, t in self.problems],
                "error": self.result.error, "seconds": self.result.seconds}


def fleet_state(statuses: list[BoxStatus]) -> int:
    return max((b.state for b in statuses), key=lambda s: ORDER[s], default=OK)


def read_fleet(boxes: list[FleetBox], opts: FleetOptions, events: Events) -> list[BoxStatus]:
    found: dict[str, BoxStatus] = {}

    async def each(b: FleetBox, shared: SharedBrowser, r: BoxResult, per_box: int) -> None:
        # read as the admin (ucm/admin_view.py): no user passwords, one login per box
        trust = await asyncio.to_thread(_trust, b)
        report = await read_status_async(b.settings, b.url, b.profile, trust, b.entries, {},
                                         (b.settings.admin_user, b.admin_password), per_box,
                                         make_session=shared.session)
        found[b.name] = judge(b, r, report)

    results = asyncio.run(run_boxes(boxes, opts, _Quiet(events, found), each))
    return [found.get(r.name) or BoxStatus(r) for r in results]


def _trust(b: FleetBox):
    from ucm_automator.fleet.run import trust_of
    return trust_of(b)


class _Quiet:
    """Box events after judging; status has no per-user progress."""

    def __init__(self, events: Events, found: dict[str, BoxStatus]) -> None:
        self.events, self.found = events, found

    def user(self, box: str, outcome: Any) -> None:
        pass

    def box(self, result: BoxResult) -> None:
        self.events.box(self.found.get(result.name) or BoxStatus(result))  # type: ignore[arg-type]


def judge(b: FleetBox, r: BoxResult, report: StatusReport) -> BoxStatus:
    st = BoxStatus(r, report)
    prof = b.profile
    if report.admin_error:
        st.problems.append((UNKNOWN, f"admin page: {report.admin_error['message']}"))
    admin = report.admin_crm or {}
    if report.admin_crm is not None:
        if admin.get("crm_module") != prof.admin_crm.target_module:
            st.problems.append((CRITICAL, f"CRM System is {admin.get('crm_module')!r}, not "
                                          f"{prof.admin_crm.target_module!r}"))
        try:
            want = admin_want(b.settings, prof)
        except UcmautoError as e:
            r.error = error_of(e)
            return st
        for key in ("server_address", "lookups", "add_unknown"):
            wanted = getattr(want, key)
            if wanted is not None and key in admin and admin[key] != wanted:
                st.problems.append((WARNING, f"{key.replace('_', ' ')} is {admin[key]!r}, inventory says {wanted!r}"))
    for u in report.users:
        ext = u.entry.extension
        if u.error:
            st.problems.append((UNKNOWN, f"{ext}: {u.error['message']}"))
            continue
        crm = u.crm or {}
        if crm.get("login_status") != LOGIN:
            st.problems.append((CRITICAL, f"{ext}: Login Status is {crm.get('login_status') or 'empty'}, not Logged In"))
        stored = _stored_client_id(b, u.entry)
        if stored and crm.get("client_id") and crm["client_id"] != stored:
            st.problems.append((WARNING, f"{ext}: client id {crm['client_id']} differs from its token's {stored}"))
    return st


def _stored_client_id(b: FleetBox, entry: Any) -> Optional[str]:
    if entry.client_id:
        return entry.client_id
    try:
        rec = b.sources.store.find(TokenRef(client_id=b.settings.zoho_client_id, user=entry.zoho_user,
                                            name=entry.token_name))
    except UcmautoError:
        return None
    return rec.client_id


def nagios_line(statuses: list[BoxStatus]) -> str:
    state = fleet_state(statuses)
    users = [u for b in statuses if b.report for u in b.report.users]
    logged = sum((u.crm or {}).get("login_status") == LOGIN for u in users)
    bad = [b for b in statuses if b.state != OK]
    detail = "; ".join(f"{b.result.name} {NAMES[b.state]}: " + (
        (b.result.error or {}).get("message", "") if b.result.error else ", ".join(t for _, t in b.problems[:3])
        + (f" (+{len(b.problems) - 3} more)" if len(b.problems) > 3 else "")) for b in bad)
    head = f"UCMAUTO FLEET {NAMES[state]} - {len(statuses) - len(bad)}/{len(statuses)} boxes OK, " \
           f"{logged}/{len(users)} users Logged In"
    perf = f"boxes={len(statuses)} boxes_ok={len(statuses) - len(bad)} users={len(users)} logged_in={logged}"
    return f"{head}{'; ' + detail if detail else ''} | {perf}"
