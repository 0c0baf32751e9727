"""`ucmauto status`, read-only: the admin CRM settings and each listed user's CRM User Settings
and Login Status. Nothing is saved or applied: users only log in, read their page, log out.

By default everything is read as the admin (no user passwords): the admin CRM page through
admin-setup's driver, then each listed extension's record through the admin's session
(ucm/admin_view.py). With --no-admin each user logs in to their own portal instead, and the
admin's choice is taken from what the users' pages load (saved values).

`check()` turns a report into a monitoring verdict (Nagios plugin codes).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from playwright.async_api import Error as PlaywrightError
from pydantic import SecretStr

from ucm_automator.config import Settings
from ucm_automator.enroll.inventory import Entry
from ucm_automator.enroll.slots import SESSION_WAIT_S, SessionLimit, login_in_slot
from ucm_automator.errors import ExitCode, UcmautoError
from ucm_automator.models import TargetResult
from ucm_automator.redact import redact
from ucm_automator.runner import unexpected
from ucm_automator.ucm import admin_view
from ucm_automator.ucm.driver import UcmDriver
from ucm_automator.ucm.portal import Portal, PortalFacts, PortalOptions
from ucm_automator.ucm.profile import FirmwareProfile
from ucm_automator.ucm.session import BrowserSession, SessionOptions
from ucm_automator.ucm.trust import Trust


@dataclass
class UserStatus:
    entry: Entry
    crm: Optional[dict[str, Any]] = None  # UserCrm.public()
    error: Optional[dict[str, Any]] = None


@dataclass
class StatusReport:
    ucm: str
    admin_crm: Optional[dict[str, Any]] = None
    admin_source: str = ""  # "admin page", "user portal (saved values)" or ""
    admin_error: Optional[dict[str, Any]] = None
    users: list[UserStatus] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)  # the box's model, firmware, language; the profile

    def exit_code(self) -> int:
        errors = [u.error for u in self.users if u.error] + ([self.admin_error] if self.admin_error else [])
        if not errors:
            return int(ExitCode.OK)
        if len(self.users) + (self.admin_source == "admin page") <= 1:
            return int(errors[0]["exit_code"])
        return int(ExitCode.PARTIAL)


def _error(e: Exception) -> dict[str, Any]:
    err = e if isinstance(e, UcmautoError) else unexpected(e, TargetResult(target="status"))
    return {"code": err.exit_code.name, "exit_code": int(err.exit_code), "message": redact(err)}


def read_status(settings: Settings, ucm: str, profile: FirmwareProfile, trust: Trust, entries: list[Entry],
                passwords: dict[str, SecretStr], admin: Optional[tuple[str, SecretStr]],
                concurrency: int) -> StatusReport:
    """`admin` given: every entry is read as the admin. Else each user with their password."""
    return asyncio.run(read_status_async(settings, ucm, profile, trust, entries, passwords, admin, concurrency))


async def read_status_async(settings: Settings, ucm: str, profile: FirmwareProfile, trust: Trust,
                            entries: list[Entry], passwords: dict[str, SecretStr],
                            admin: Optional[tuple[str, SecretStr]], concurrency: int,
                            make_session: Callable[..., BrowserSession] = BrowserSession) -> StatusReport:
    """`make_session`: a fleet passes one that opens contexts in its shared browser."""
    report = StatusReport(ucm, users=[UserStatus(e) for e in entries])
    options = SessionOptions(base_url=ucm, trust=trust, timeout_s=settings.timeout_s,
                             artifacts_dir=settings.artifacts_dir)
    async with make_session(options, profile) as session:
        if admin is not None:
            try:
                async with UcmDriver(session, user=admin[0], password=admin[1]) as driver:
                    report.admin_crm = (await driver.get_admin_crm()).as_dict()
                    report.admin_source = "admin page"
                    admin_reply = await admin_view.read_admin(driver.page, profile)
                    for u in report.users:
                        try:
                            u.crm = (await admin_view.read_user(driver.page, profile, u.entry.extension,
                                                                admin_reply)).public()
                        except (UcmautoError, PlaywrightError) as e:
                            u.error = _error(e)
            except (UcmautoError, PlaywrightError) as e:
                report.admin_error = _error(e)
            return report
        queue: asyncio.Queue[UserStatus] = asyncio.Queue()
        for u in report.users:
            queue.put_nowait(u)
        limit = SessionLimit(concurrency)
        workers = [_worker(session, queue, passwords, limit) for _ in range(min(concurrency, len(entries)))]
        await asyncio.gather(*workers)
    seen = next((u.crm for u in report.users if u.crm), None)
    if seen:
        report.admin_crm = {"crm_module": seen["crm_module"], "server_address": seen["crm_addr"]}
        report.admin_source = "user portal (saved values)"
    return report


async def _worker(session: BrowserSession, queue: "asyncio.Queue[UserStatus]", passwords: dict[str, SecretStr],
                  limit: SessionLimit) -> None:
    portal = Portal(session, PortalFacts(), PortalOptions())
    await portal.start()
    try:
        while not queue.empty():
            u = queue.get_nowait()
            ext = u.entry.extension
            try:  # a full box (-41) is waited on, as enrolment does
                await login_in_slot(portal, ext, passwords[ext], limit, SESSION_WAIT_S, lambda text: None)
            except (UcmautoError, PlaywrightError) as e:
                u.error = _error(e)
                await portal.recycle(ext)
                continue
            try:
                u.crm = (await portal.read(ext)).public()
                await portal.logout()
            except (UcmautoError, PlaywrightError) as e:
                u.error = _error(e)
                await portal.logout()
                await portal.recycle(ext)
            finally:
                await limit.release()
    finally:
        await portal.close()


# ---- monitoring --------------------------------------------------------------------------------

NAGIOS = ("OK", "WARNING", "CRITICAL", "UNKNOWN")  # exit codes 0..3 of a Nagios/Icinga plugin


def check(report: StatusReport, profile: FirmwareProfile) -> tuple[int, str]:
    """(exit code, one status line). CRITICAL: the admin CRM is not Zoho v2, or an enabled user is
    Logged Out. WARNING: a listed user has no CRM enabled, or no Login Status yet. UNKNOWN: some-
    thing could not be read. OK: Zoho v2 on, every listed user enabled and Logged In."""
    users = report.users
    errors = [u for u in users if u.error] + ([report] if report.admin_error else [])
    crm = report.admin_crm or {}
    texts = profile.user_crm.status
    logged_in = [u for u in users if u.crm and u.crm.get("enable_crm") and u.crm.get("login_status") == "login"]
    logged_out = [u for u in users if u.crm and u.crm.get("enable_crm") and u.crm.get("login_status") == "logout"]
    off = [u for u in users if u.crm and not u.crm.get("enable_crm")]
    pending = [u for u in users if u.crm and u.crm.get("enable_crm") and u.crm.get("login_status") not in
               ("login", "logout")]
    perf = (f"logged_in={len(logged_in)} logged_out={len(logged_out)} not_enabled={len(off)} "
            f"pending={len(pending)} errors={len(errors)}")
    if errors:
        first = report.admin_error or next(u.error for u in users if u.error)
        code, what = 3, f"could not read everything: {first['message']}"
    elif crm.get("crm_module") != profile.admin_crm.target_module:
        shown = profile.admin_crm.modules.get(crm.get("crm_module", ""), crm.get("crm_module") or "none")
        code, what = 2, f"the admin CRM is {shown}, not {profile.admin_crm.modules.get(profile.admin_crm.target_module)}"
    elif logged_out:
        code, what = 2, f"{texts.get('logout', 'Logged Out')}: " + ", ".join(u.entry.label for u in logged_out)
    elif off or pending:
        parts = ([f"CRM not enabled: {', '.join(u.entry.label for u in off)}"] if off else []) + \
                ([f"no Login Status yet: {', '.join(u.entry.label for u in pending)}"] if pending else [])
        code, what = 1, "; ".join(parts)
    else:
        code, what = 0, f"Zoho CRM on ({crm.get('server_address') or '-'}); {len(logged_in)}/{len(users)} " \
                        f"user(s) {texts.get('login', 'Logged In')}"
    return code, f"UCMAUTO {NAGIOS[code]} - {what} | {perf}"
