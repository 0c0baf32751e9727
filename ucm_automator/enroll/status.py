"""`ucmauto status`, read-only: the admin CRM settings and each listed user's CRM User Settings
and Login Status. Nothing is saved or applied: users only log in, read their page, log out.

The admin page is read as the admin when an admin password is at hand (admin-setup's driver);
otherwise the admin's choice is taken from what the users' pages load (saved values).
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


def read_status(settings: Settings, ucm: str, profile: FirmwareProfile, trust: Trust,
                users: list[tuple[Entry, SecretStr]], admin: Optional[tuple[str, SecretStr]],
                concurrency: int) -> StatusReport:
    return asyncio.run(read_status_async(settings, ucm, profile, trust, users, admin, concurrency))


async def read_status_async(settings: Settings, ucm: str, profile: FirmwareProfile, trust: Trust,
                            users: list[tuple[Entry, SecretStr]], admin: Optional[tuple[str, SecretStr]],
                            concurrency: int, make_session: Callable[..., BrowserSession] = BrowserSession,
                            ) -> StatusReport:
    """`make_session`: a fleet passes one that opens contexts in its shared browser."""
    report = StatusReport(ucm, users=[UserStatus(e) for e, _ in users])
    options = SessionOptions(base_url=ucm, trust=trust, timeout_s=settings.timeout_s,
                             artifacts_dir=settings.artifacts_dir)
    async with make_session(options, profile) as session:
        if admin is not None:
            try:
                async with UcmDriver(session, user=admin[0], password=admin[1]) as driver:
                    report.admin_crm = (await driver.get_admin_crm()).as_dict()
                    report.admin_source = "admin page"
            except (UcmautoError, PlaywrightError) as e:
                report.admin_error = _error(e)
        passwords = {e.extension: pw for e, pw in users}
        queue: asyncio.Queue[UserStatus] = asyncio.Queue()
        for u in report.users:
            queue.put_nowait(u)
        limit = SessionLimit(concurrency)
        workers = [_worker(session, queue, passwords, limit) for _ in range(min(concurrency, len(users)))]
        await asyncio.gather(*workers)
    if report.admin_crm is None:
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
