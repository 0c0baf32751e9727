"""The user-portal half of the driver, and the only code on the user side that clicks.

    portal = Portal(session, facts, options); await portal.start()   # one context, reused
    await portal.login("1001", password)        # submitted once; a refusal is never retried
    have = await portal.read("1001")            # the replies the page received + the visible form
    await portal.save("1001", want)             # confirmed by the add/updateCRMUserSettings reply
    await portal.apply()                        # header Apply Changes where offered (applyChanges)
    have = await portal.wait_logged_in("1001", 60)   # read again (Cancel or reload), back off, until the deadline
    await portal.logout()                       # user-name menu > Logout; wipe cookies and storage;
                                                # the next user logs in on the form the GUI shows

Deciding whether to save is the caller's (enroll/plan.py); the driver only retries what the box
did not process (HTTP errors, rate limits) and re-reads before saving again.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Optional

from playwright.async_api import Page
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout
from pydantic import SecretStr

from ucm_automator.ucm import errors as E
from ucm_automator.ucm.cgi import CgiReply, error_for, reply_to
from ucm_automator.ucm.gui import Gui
from ucm_automator.ucm.pages.user_crm import UserCrmPage
from ucm_automator.ucm.pages.widgets import wait_until
from ucm_automator.ucm.portal_state import UserCrm, UserWant, state_from_replies  # noqa: F401 (re-exported)
from ucm_automator.ucm.press import press_save
from ucm_automator.ucm.retry import Retry
from ucm_automator.ucm.session import BrowserSession


@dataclass
class PortalOptions:
    retries: int = 3  # per step, for what the box did not process (HTTP errors, rate limits)
    rate_limit_wait_s: Optional[float] = None  # first wait after a rate limit; None: the profile's
    apply_probe_s: float = 3.0  # how long to look for the header Apply Changes after a Save
    # Playwright keeps every request of a context until the context closes, so a context kept
    # for user after user grows (slowly: <1 MiB per user); a fresh one every so many users caps
    # it, for one more full load of the GUI.
    renew_after: int = 20


@dataclass
class PortalFacts:
    """What one batch learns about the box, shared by its workers."""

    user_can_apply: Optional[bool] = None
    save_logs_in: Optional[bool] = None  # a user's own Save starts the CRM login (no Apply needed)
    cancel_rereads: Optional[bool] = None  # the page's Cancel asks the box again (no full load needed)


class Portal:
    def __init__(self, session: BrowserSession, facts: PortalFacts, options: PortalOptions) -> None:
        self.session, self.profile, self.facts, self.options = session, session.profile, facts, options
        self.timeout_ms = session.timeout_ms
        self.host = session.options.base_url
        self.retry = Retry(options.retries, self._rate_limit_wait())
        self.gui = Gui(session, calm_motion=self.profile.user_crm.calm_motion,
                       keep={self.profile.action("check_info")}, retry=self.retry)
        self.page: Page

    @property
    def ctx(self):  # noqa: ANN201 - the worker's browser context, None when closed
        return self.gui.ctx

    # ---- the worker's context ------------------------------------------------------------------

    async def start(self) -> None:
        self.cdp = None
        await self.gui.open()
        self.page, self.watcher, self.shell = self.gui.page, self.gui.watcher, self.gui.shell
        self.crm = UserCrmPage(self.page, self.profile, self.shell, self.timeout_ms)

    async def close(self, name: str = "portal", failed: bool = False) -> list:
        """Log out (if still logged in) and close the context."""
        return await self.gui.close(name, failed)

    async def recycle(self, name: str) -> list:
        """A fresh context after a failure: nothing of a half-done user is left for the next one."""
        written = await self.close(name, failed=True)
        await self.start()
        return written

    async def renew_if_worn(self) -> None:
        """A fresh context after `renew_after` users (see PortalOptions)."""
        if self.ctx is not None and self.gui.logins >= self.options.renew_after:
            await self.close()
            await self.start()

    # ---- logging in and out ----------------------------------------------------------------------

    async def login(self, user: str, password: SecretStr) -> dict[str, Any]:
        self.crm.route, self.crm.last = None, None  # each user finds the page through the menu, as a person does
        return await self.gui.login(user, password, reuse_form=True)

    async def logout(self) -> None:
        """Log out (frees the box's session slot) and wipe cookies and storage; never raises.

        After a clean logout the GUI shows its login form, and the next user logs in there: loading
        the GUI again would cost more CPU than the rest of a user's steps. Otherwise the page is
        blanked, so nothing of this user's form is left for the next one."""
        clean = await self.gui.logout()
        try:
            await self.page.evaluate("""(key) => { try { const lang = localStorage.getItem(key);  // keep the language
                localStorage.clear(); sessionStorage.clear(); if (lang !== null) localStorage.setItem(key, lang);
            } catch (e) {} }""", self.profile.locale.storage_key)
            await self.ctx.clear_cookies()
        except PlaywrightError:
            clean = False
        try:
            if not clean:
                await self.page.goto("about:blank")
        except PlaywrightError:
            pass
        self.watcher.last.clear()
        self.crm.route, self.crm.last = None, None
        self.gui.logged_out_cleanly = clean
        if clean:
            await self._collect_garbage()

    async def _collect_garbage(self) -> None:
        """Collect what the last user left in the GUI's heap. V8 collects lazily, so a page kept
        from user to user otherwise grows by ~8 MiB per user (130 -> 210 MiB over 20 users;
        with this it stays ~110), for ~20 ms of CPU. Chromium only; skipped where unsupported."""
        try:
            if self.cdp is None:
                self.cdp = await self.ctx.new_cdp_session(self.page)
            await self.cdp.send("HeapProfiler.collectGarbage")
        except PlaywrightError:
            self.cdp = None

    # ---- reading ---------------------------------------------------------------------------------

    async def read(self, extension: str, again: bool = False) -> UserCrm:
        """Load the page (menu or deep link; later: a full load) and read what the box holds.
        `again`: the page is open; read through its Cancel where that asks the box again.
        After a failed read the page is loaded again: a GUI whose read failed stops loading."""
        async def attempt() -> UserCrm:
            loaded = None
            if again and self.facts.cancel_rereads is not False and self.crm.last_ok():
                loaded = await self.crm.reread(self.watcher.in_flight)
                self.facts.cancel_rereads = loaded is not None
            if loaded is None and again and self.crm.last_ok():
                loaded = await self.crm.revisit()  # Cancel only resets: step back and forth
            if loaded is None:
                if self.crm.route:  # a full load asks checkInfo again; the menu keeps the landing page's
                    self.watcher.last.pop(self.profile.action("check_info"), None)
                loaded = await self.crm.reload()  # (the first time: opens it)
            info = await self._check_info()
            bad = next((r for r in (loaded.admin, loaded.user, info) if r is not None and not r.ok), None)
            if bad is not None:
                raise error_for(self.profile, bad, "loading the CRM User Settings page")
            have = state_from_replies(self.profile, extension, loaded, info)
            await self._check_form(have)
            return have

        # A load is three /cgi requests, any of which a proxy may answer 502, so a load fails far
        # more often than one request; and reading changes nothing: twice the tries of a Save.
        return await self.retry.run(attempt, doing="loading the CRM User Settings page",
                                    tries=2 * (self.options.retries + 1))

    async def _check_info(self) -> Optional[CgiReply]:
        action = self.profile.action("check_info")
        await self.watcher.settle(action, self.timeout_ms / 1000)

        async def recorded() -> bool:  # by an event handler, a moment after the request finished
            return action in self.watcher.last

        await wait_until(recorded, bool, 1.0)
        return self.watcher.last.get(action)

    async def _check_form(self, have: UserCrm) -> None:
        """The visible form must agree with the replies (a page the profile misreads is caught here)."""
        if have.crm_module != self.profile.admin_crm.target_module:
            return  # the page then shows other rows, or none
        status = self.profile.user_crm.status.get(have.login_status, have.login_status)
        want = (have.enabled, have.client_id, status)
        async def shown() -> tuple:
            return (await self.crm.shown_enabled(), await self.crm.shown_value("client_id"),
                    await self.crm.shown_status())
        seen = await wait_until(shown, lambda s: s == want, self.timeout_ms / 1000)
        if seen != want:
            raise E.VerifyFailed(f"the CRM User Settings page shows (enabled, client id, status) {seen}, "
                                 f"but the box's reply says {want} (fix user_crm in the firmware profile)")

    # ---- writing: the only Save and Apply on the user side -----------------------------------------

    async def save(self, extension: str, want: UserWant) -> CgiReply:
        """Tick Enable CRM, fill, Save; the box's reply (its need_apply says whether the change
        waits for Apply Changes). After an unprocessed or refused Save, re-read before trying again."""
        rejected: list[E.UcmError] = []

        async def attempt() -> CgiReply:
            await self.crm.tick_enable()
            await self.crm.fill("client_id", want.client_id)
            await self.crm.fill("client_secret", want.client_secret)
            await self.crm.fill("refresh_token", want.refresh_token)
            reply = await press_save(
                self.page, self.crm.save_button, actions=self.crm.saves, cgi_path=self.profile.cgi.path,
                invalid=self.crm.invalid, refusal=self.crm.form_errors, where="the CRM User Settings page",
                timeout_ms=self.timeout_ms)
            if not reply.ok:
                raise error_for(self.profile, reply, f"saving the CRM User Settings of {extension}")
            return reply

        def stale(err: E.UcmError) -> bool:  # e.g. an add on a record made meanwhile: once
            first = isinstance(err, E.SaveRejected) and not rejected
            rejected.append(err)
            return first

        async def landed(err: E.UcmError) -> Optional[CgiReply]:  # a proxy's 502 can come after the box saved
            if (await self.read(extension)).holds(want):
                return CgiReply(self.profile.action("update_user_crm"), 0, {})
            return None

        try:
            return await self.retry.run(attempt, doing=f"saving the CRM User Settings of {extension}",
                                        also=stale, landed=landed, state="nothing was saved")
        except E.UcmHttpError as exc:
            raise E.UcmHttpError(str(exc).replace(
                "nothing was saved", "a Save may have reached the box without its reply: run again "
                "(it reads before saving)")) from None

    async def apply(self) -> bool:
        """Press the header Apply Changes; False when the portal offers none to this user."""
        if self.facts.user_can_apply is False:
            return False
        probe = self.options.apply_probe_s if self.facts.user_can_apply is None else self.timeout_ms / 1000
        try:
            await self.shell.apply_button.wait_for(state="visible", timeout=probe * 1000)
        except PlaywrightTimeout:
            if self.shell.at_login():
                raise E.SessionExpired("the box sent the browser back to the login page") from None
            self.facts.user_can_apply = False
            return False
        if not await self._apply_click():
            self.facts.user_can_apply = False
            return False
        self.facts.user_can_apply = True
        return True

    async def apply_as_admin(self, user: str) -> bool:
        """Logged in as an admin: press Apply Changes once; False when nothing waits to be applied."""
        info = await self._check_info()
        if info is not None and info.ok and str(info.response.get("need_apply", "")).lower() == "no":
            return False
        await self.shell.apply_button.wait_for(state="visible", timeout=self.timeout_ms)
        if not await self._apply_click():
            raise E.NoPermission(f"'{user}' may not Apply Changes on {self.host}")
        return True

    async def _apply_click(self) -> bool:
        """Apply Changes; False when this user may not (-47)."""
        action, state = self.profile.action("apply"), "the settings are saved but not applied"

        async def attempt() -> bool:
            reply = await reply_to(self.page, self.profile, action, self.shell.apply_button.click, self.timeout_ms)
            if reply.ok and str(reply.response.get("settings", "0")) == "0":
                return True
            if reply.ok:
                raise E.ApplyRefused(f"the box answered Apply Changes with settings="
                                     f"{reply.response.get('settings')}")
            err = error_for(self.profile, reply, "applying changes")
            if isinstance(err, E.NoPermission):
                return False
            raise err

        return await self.retry.run(attempt, doing="applying changes", state=state)

    async def wait_logged_in(self, extension: str, deadline_s: float) -> UserCrm:
        """Read again until Login Status is the profile's 'login' or the deadline; the last read wins."""
        loop = asyncio.get_running_loop()
        end, interval = loop.time() + deadline_s, 0.25
        while True:
            # poll interval first: the box logs in in the background, never within the Apply reply
            await asyncio.sleep(min(interval, max(0.0, end - loop.time())))
            have = await self.read(extension, again=True)
            if have.login_status == "login" or loop.time() >= end:
                return have
            interval = min(interval * 1.5, 3.0)

    # ---- helpers ---------------------------------------------------------------------------------

    def _rate_limit_wait(self) -> float:
        """The first wait after a rate limit: the option, else what the profile's codes ask."""
        if self.options.rate_limit_wait_s is not None:
            return self.options.rate_limit_wait_s
        found = [m.retry_after_s for m in self.profile.cgi.status.values() if m.kind == "rate_limited"]
        return min([s for s in found if s] or [15.0])
