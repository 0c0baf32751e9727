"""The concurrent runner: one browser, a few workers, each with its own context and page that it
reuses user after user (logged out, cookies and storage wiped in between, the next user logged in
on the GUI's own login form; a fresh context every 20 users and after a failure, so nothing of a
half-done user reaches the next).

Per user: log in (waiting for a session slot; backing off and shrinking the pool when the box
says too many users are logged in), read, plan, Save, Apply Changes where the portal offers it,
read again until Logged In. Where users cannot apply, Login Status is read first (a user's own
Save may start the CRM login); only users it leaves waiting are applied once by the admin after
the batch, then every one of them is verified. One user's failure never stops the others;
each outcome is journalled (fsync) before the next step.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Awaitable, Callable, Optional, Protocol

from playwright.async_api import Error as PlaywrightError
from pydantic import SecretStr

from ucm_automator.enroll.credentials import Job
from ucm_automator.enroll.journal import Journal
from ucm_automator.enroll.slots import SESSION_WAIT_S, SessionLimit, login_in_slot
from ucm_automator.enroll.plan import LOGIN, not_logged_in, plan_user
from ucm_automator.errors import SecretMissing, UcmautoError
from ucm_automator.models import TargetResult
from ucm_automator.redact import redact
from ucm_automator.runner import unexpected
from ucm_automator.ucm import errors as E
from ucm_automator.ucm.cgi import CgiReply
from ucm_automator.ucm.portal import Portal, PortalFacts, PortalOptions, UserCrm
from ucm_automator.ucm.session import BrowserSession
from ucm_automator.zoho import errors as ZE

log = logging.getLogger(__name__)


class Progress(Protocol):
    def step(self, extension: str, text: str) -> None: ...
    def done(self, outcome: "Outcome") -> None: ...


def default_concurrency() -> int:
    """One user per CPU (pages are CPU-bound while they load), at most 4: a PBX's GUI is made for a
    few sessions, and -41 ("too many users logged in") shrinks the pool further at run time."""
    return max(1, min(4, os.cpu_count() or 1))


@dataclass
class BatchOptions:
    concurrency: int = 2
    login_wait_s: float = 60.0  # deadline for Login Status to read Logged In after Apply
    dry_run: bool = False
    force: bool = False  # re-enter secrets the box shows masked
    session_wait_s: float = SESSION_WAIT_S  # how long to wait for a session slot on a full box
    # with no Apply for users: how long Login Status may take to turn Logged In after a Save
    # that still has changes waiting, before the admin's Apply is asked for
    save_login_wait_s: float = 10.0
    admin_user: str = "admin"
    admin_password: Optional[Callable[[], SecretStr]] = None  # asked only when users cannot apply
    portal: PortalOptions = field(default_factory=PortalOptions)


@dataclass
class Outcome:
    job: Job
    result: TargetResult
    status: str = "pending"  # ok / failed / awaiting_apply / done_earlier
    notes: list[str] = field(default_factory=list)  # what the plan wants the user to know


Task = Callable[[Portal, Outcome], Awaitable[str]]


class Batch:
    def __init__(self, session: BrowserSession, journal: Journal, opts: BatchOptions, progress: Progress) -> None:
        self.session, self.journal, self.opts, self.progress = session, journal, opts, progress
        self.profile = session.profile
        self.facts = PortalFacts()
        self.limit = SessionLimit(opts.concurrency)
        self.target_text = self.profile.admin_crm.modules.get(self.profile.admin_crm.target_module, "Zoho CRM")

    def _step(self, extension: str, text: str) -> None:
        log.info("%s: %s", extension, text)
        self.progress.step(extension, text)

    async def run(self, outcomes: list[Outcome]) -> None:
        todo = [o for o in outcomes if o.status == "pending"]
        await self._pool(todo, self._enrol)
        waiting = [o for o in todo if o.status == "awaiting_apply"]
        if waiting and await self._admin_apply(waiting):
            for o in waiting:
                o.status = "pending"
            await self._pool(waiting, self._verify)

    async def _pool(self, outcomes: list[Outcome], task: Task) -> None:
        queue: asyncio.Queue[Outcome] = asyncio.Queue()
        for o in outcomes:
            queue.put_nowait(o)
        workers = [asyncio.ensure_future(self._worker(queue, task)) for _ in range(min(self.opts.concurrency, len(outcomes)))]
        try:
            await asyncio.gather(*workers)
        finally:
            for w in workers:
                w.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

    async def _worker(self, queue: "asyncio.Queue[Outcome]", task: Task) -> None:
        portal = Portal(self.session, self.facts, self.opts.portal)
        await portal.start()
        try:
            while not queue.empty():
                await self._one(portal, queue.get_nowait(), task)
                await portal.renew_if_worn()
        finally:
            await portal.close()

    async def _one(self, portal: Portal, o: Outcome, task: Task) -> None:
        ext, started = o.job.entry.extension, time.monotonic()
        self.journal.write("user_start", extension=ext, name=o.job.entry.name)
        for attempt in (1, 2):  # once more when the session dies under us
            try:
                await self._login(portal, o)
            except (UcmautoError, PlaywrightError) as e:
                await self._failed(portal, o, e)
                break
            try:
                o.status = await task(portal, o)
                await portal.logout()
                break
            except E.SessionExpired as e:
                if attempt == 2:
                    await self._failed(portal, o, e)
                else:
                    await portal.recycle(ext)
            except (UcmautoError, PlaywrightError) as e:
                await self._failed(portal, o, e)
                break
            finally:
                await self.limit.release()
        o.result.seconds = round(time.monotonic() - started, 2)
        if o.status != "awaiting_apply":
            self._journal_done(o)
        self.progress.done(o)

    async def _login(self, portal: Portal, o: Outcome) -> None:
        """Log in holding a session slot (released by the caller); wait when the box is full."""
        ext = o.job.entry.extension
        self._step(ext, "logging in")
        await login_in_slot(portal, ext, o.job.password, self.limit, self.opts.session_wait_s,
                            lambda text: self._step(ext, text))

    async def _failed(self, portal: Portal, o: Outcome, e: Exception) -> None:
        err = e if isinstance(e, UcmautoError) else unexpected(e, o.result)  # one line, not a call log
        o.status = "failed"
        o.result.error = {"code": err.exit_code.name, "exit_code": int(err.exit_code), "message": redact(err)}
        shots: list = []
        try:
            shots += await portal.session.save_failure(portal.page, o.job.entry.extension, redact(err))
            await portal.logout()  # frees the box's session slot
            shots += await portal.recycle(o.job.entry.extension)  # nothing of this user for the next one
        except PlaywrightError:
            pass
        o.result.artifacts += [str(p) for p in shots]

    # ---- the tasks ---------------------------------------------------------------------------

    async def _enrol(self, portal: Portal, o: Outcome) -> str:
        ext, job = o.job.entry.extension, o.job
        self._step(ext, "reading")
        have = await portal.read(ext)
        plan = plan_user(have, job.want, target_module=self.profile.admin_crm.target_module,
                         module_text=self.target_text, token_dc=job.token_dc, force=self.opts.force)
        o.result.before, o.result.changes, o.notes = plan.before, plan.changes, plan.notes
        if self.opts.dry_run or plan.unchanged:
            o.result.after = plan.before if plan.unchanged else None
            return "ok"
        saved = None
        if plan.save:
            self._step(ext, "saving")
            saved = await portal.save(ext, job.want)
            o.result.changed = True
            self.journal.write("saved", extension=ext)
        self._step(ext, "applying")
        if await portal.apply():
            self.journal.write("applied", extension=ext, by="user")
            return await self._verify(portal, o)
        if await self._logged_in_by_save(portal, o, saved):
            self.journal.write("applied", extension=ext, by="save")
            return "ok"
        self.journal.write("awaiting_apply", extension=ext)
        return "awaiting_apply"

    async def _logged_in_by_save(self, portal: Portal, o: Outcome, saved: Optional[CgiReply]) -> bool:
        """No Apply for this user: does the Save log in by itself? Read Login Status before asking
        for the admin's Apply. Nothing waiting (need_apply no): the full wait, it is the answer;
        changes waiting: a short one, skipped once this box has shown it needs the admin."""
        ext, job = o.job.entry.extension, o.job
        waiting = saved is None or str(saved.response.get("need_apply", "yes")).lower() != "no"
        if waiting and self.facts.save_logs_in is False:
            return False
        self._step(ext, "reading Login Status")
        have = await portal.wait_logged_in(ext, self.opts.save_login_wait_s if waiting else self.opts.login_wait_s)
        if have.login_status == LOGIN and have.holds(job.want, masked_ok=True):
            self.facts.save_logs_in = True
            o.result.after = have.public()
            return True
        if have.need_apply is False and not waiting:
            await self._verify(portal, o, have)  # nothing waits and still not Logged In: say why
        self.facts.save_logs_in = False
        return False

    async def _verify(self, portal: Portal, o: Outcome, after: Optional[UserCrm] = None) -> str:
        ext, job = o.job.entry.extension, o.job
        self._step(ext, "waiting for Logged In")
        loop = asyncio.get_running_loop()
        started = loop.time()
        if after is None or after.login_status != LOGIN:
            after = await portal.wait_logged_in(ext, self.opts.login_wait_s)
        o.result.after = after.public()
        if after.login_status != LOGIN:
            zoho_says = await asyncio.to_thread(_zoho_says, job)  # one more look at Zoho names the cause
            text = self.profile.user_crm.status.get(after.login_status, after.login_status)
            raise not_logged_in(after, token_dc=job.token_dc, waited_s=round(loop.time() - started),
                                status_text=text, zoho_says=zoho_says, scopes=job.scopes)
        if not after.holds(job.want, masked_ok=True):
            raise E.VerifyFailed(f"{ext}: Logged In, but the box holds other credentials than were saved")
        return "ok"

    async def _admin_apply(self, waiting: list[Outcome]) -> bool:
        """One Apply Changes as the admin for every user whose Save left changes waiting. When it
        cannot be done, each user's Login Status is read before the user is called failed."""
        names = ", ".join(o.job.entry.extension for o in waiting)
        self._step("admin", f"Apply Changes for {len(waiting)} user(s)")
        portal = Portal(self.session, self.facts, self.opts.portal)
        try:
            if self.opts.admin_password is None:
                raise SecretMissing("no admin password to apply with")
            password = self.opts.admin_password()
            await portal.start()
            await login_in_slot(portal, self.opts.admin_user, password, self.limit, self.opts.session_wait_s,
                                lambda text: self._step("admin", text))
            try:
                applied = await portal.apply_as_admin(self.opts.admin_user)
            finally:
                await portal.logout()
                await self.limit.release()
            self.journal.write("admin_apply", applied=applied, extensions=[o.job.entry.extension for o in waiting])
            return True
        except (UcmautoError, PlaywrightError) as e:
            err = e if isinstance(e, UcmautoError) else unexpected(e, waiting[0].result)
            why = E.UcmError(
                f"saved, but Login Status did not turn Logged In, the change waits for Apply Changes, extension "
                f"users may not Apply Changes on this box, and the admin Apply failed: {err} (give $UCMAUTO_ADMIN_PASSWORD or --admin-password-file, "
                f"or press Apply Changes in the GUI, then run again); waiting: {names}", exit_code=err.exit_code)
            await self._settle_unapplied(waiting, why)
            return False
        finally:
            await portal.close()

    async def _settle_unapplied(self, waiting: list[Outcome], why: E.UcmError) -> None:
        """The admin Apply failed: a user the box logged in anyway is done, the others failed."""
        async def check(portal: Portal, o: Outcome) -> str:
            have = await portal.read(o.job.entry.extension)
            if have.login_status == LOGIN and have.holds(o.job.want, masked_ok=True):
                o.result.after = have.public()
                return "ok"
            raise E.UcmError(str(why), exit_code=why.exit_code)

        for o in waiting:
            o.status = "pending"
        await self._pool(waiting, check)

    def _journal_done(self, o: Outcome) -> None:
        r = o.result
        self.journal.write("done", extension=o.job.entry.extension, ok=o.status == "ok", dry_run=self.opts.dry_run,
                           changed=r.changed, login_status=(r.after or {}).get("login_status"),
                           seconds=r.seconds, code=(r.error or {}).get("code"), message=(r.error or {}).get("message"))


def _zoho_says(job: Job) -> Optional[str]:
    """None when Zoho still accepts the token, else a short reason."""
    try:
        job.check()
        return None
    except ZE.RefreshTokenInvalid:
        return "the refresh token is revoked or evicted"
    except ZE.ZohoError as e:
        return redact(e)
