"""One browser tab on the GUI, logged in as one user at a time: the session contract both drivers
use (NAPALM's open / close), so logging in, refusals and logging out live in one place.

    gui = Gui(session); await gui.open()        # a context and a page, nothing loaded yet
    user = await gui.login("1001", password)    # the GUI's own form; see `login` for retries
    clean = await gui.logout()                  # the way a person does: user-name menu > Logout
    await gui.close()                           # logs out first if still logged in; never raises

Every session opened is ended: `close` logs out on success, failure and cancellation alike
(bounded), and a logout that fails is reported in one line, never skipped silently: a box
counts an abandoned session until its User Login Timeout and refuses logins (-41) once full.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout
from pydantic import SecretStr

from ucm_automator.ucm import errors as E
from ucm_automator.ucm.cgi import CgiReply, CgiWatcher, action_of, expect_reply, first_of, parse_reply, reply_to
from ucm_automator.ucm.pages.login import LoginPage
from ucm_automator.ucm.pages.shell import Shell
from ucm_automator.ucm.retry import Retry
from ucm_automator.ucm.session import BrowserSession

log = logging.getLogger(__name__)

LOGOUT_WAIT_MS = 5000  # a logout is one request; past this the box is not answering anyway


class Gui:
    def __init__(self, session: BrowserSession, *, calm_motion: bool = False,
                 keep: Optional[set[str]] = None, retry: Optional[Retry] = None) -> None:
        self.session, self.profile = session, session.profile
        self.host = session.options.base_url
        self.timeout_ms = session.timeout_ms
        self.retry = retry or Retry()
        self._calm, self._keep = calm_motion, keep
        self.ctx: Optional[BrowserContext] = None
        self.page: Page
        self.user: Optional[str] = None  # logged in as
        self._pending: Optional[str] = None  # a login submitted and not yet answered
        self.logins = 0  # logins since open(): contexts are renewed after so many
        self.logged_out_cleanly = False  # the GUI shows its login form after our logout
        self.unclosed: list[str] = []  # sessions this tab could not end (reported, see logout)

    # ---- the tab -------------------------------------------------------------------------------

    async def open(self) -> None:
        self.ctx = await self.session.new_context(calm_motion=self._calm)
        self.page = await self.ctx.new_page()
        self.watcher = CgiWatcher(self.page, self.profile, keep=self._keep)
        self.shell = Shell(self.page, self.profile, self.timeout_ms)
        self.logins, self.user, self._pending, self.logged_out_cleanly = 0, None, None, False

    async def close(self, name: str = "ucm", failed: bool = False) -> list[Path]:
        """Log out (bounded, even when cancelled) and close the context; the files kept."""
        if self.ctx is None:
            return []
        logout = asyncio.ensure_future(self._logout_bounded())
        cancelled = False
        while not logout.done():
            try:
                await asyncio.shield(logout)
            except asyncio.CancelledError:
                cancelled = True  # a cancel (Ctrl-C) waits for the bounded logout, then goes on
        ctx, self.ctx = self.ctx, None
        written = await self.session.close_context(ctx, name, failed)
        if cancelled:
            raise asyncio.CancelledError
        return written

    async def _logout_bounded(self) -> None:
        user = self.user
        try:
            await asyncio.wait_for(self.logout(), timeout=2 * LOGOUT_WAIT_MS / 1000)
        except asyncio.TimeoutError:
            self._unclosed("the logout took too long", user)

    # ---- logging in ----------------------------------------------------------------------------

    async def login(self, user: str, password: SecretStr, reuse_form: bool = False) -> dict[str, Any]:
        """Log in on the GUI's form; the box's `response.user`, or the typed refusal.

        A refusal is never retried. An HTTP error is retried only where the box cannot have
        counted a failed attempt: on the challenge, or for an account that already logged in
        with this password in this run. A lost login reply may be a counted wrong password, and
        a second one would bring the account closer to the box's ban."""
        form = LoginPage(self.page, self.profile, self.timeout_ms)
        await form.open(reuse=reuse_form and self.logged_out_cleanly)
        self.logged_out_cleanly = False
        if await form.captcha_shown():
            raise E.Captcha(f"the login page of {self.host} shows a CAPTCHA, which ucmauto will not solve; "
                            "turn it off on the box or log in once in a browser, then run again")
        proven = user in self.session.proven_logins
        login_action = self.profile.action("login")

        async def attempt() -> CgiReply:
            await form.username.fill(user)
            await form.password.fill(password.get_secret_value())  # the only place it is typed
            reply, broke = await self._submit(form)
            if reply.ok:
                return reply
            if reply.status is None and broke == login_action and not proven:
                raise E.LoginReplyLost(
                    f"the box's reply to the login of {form.who(user)} on {self.host} was lost (HTTP "
                    f"{reply.http_status}); not logging in again, as the box may have counted it as a failed "
                    "attempt: check the path to the box (a proxy?) and run again")
            raise form.refusal(reply, user, self.host)

        self._pending = user  # submitted, no answer yet: a cancel now may leave a session (see logout)
        try:
            reply = await self.retry.run(attempt, doing=f"logging in as {user}")
        except E.UcmError:
            self._pending = None
            raise
        self.logins += 1
        self.user, self._pending = user, None
        self.session.proven_logins.add(user)
        try:  # the GUI leaves the login page once it has stored the session
            await self.page.wait_for_url(lambda u: urlsplit(u).path != self.profile.routes.login,
                                         timeout=self.timeout_ms)
        except PlaywrightTimeout:
            raise E.PageNotFound(f"the GUI stayed on the login page of {self.host} after a good login") from None
        found = reply.response.get("user")
        return found if isinstance(found, dict) else {}

    async def _submit(self, form: LoginPage) -> tuple[CgiReply, Optional[str]]:
        """The login reply, or the HTTP error that stopped the GUI before it, with the action it
        answered (challenge: nothing was counted; login: it may have been)."""
        path, action = self.profile.cgi.path, self.profile.action("login")
        login = expect_reply(self.page, self.profile, action, self.timeout_ms)
        broken = asyncio.ensure_future(self.page.wait_for_event(
            "response", lambda r: urlsplit(r.url).path == path and not r.ok, timeout=self.timeout_ms))
        try:
            await form.submit.click()
        except BaseException:
            for task in (login, broken):
                task.cancel()
            await asyncio.gather(login, broken, return_exceptions=True)
            raise
        name, value = await first_of({"login": login, "broken": broken})
        if name is None:
            raise E.UcmTimeout(f"{self.host} did not answer the login within {self.timeout_ms / 1000:g} s")
        which = action_of(value.request, path) if name == "broken" else action
        return await parse_reply(value, which or action), which

    # ---- logging out ---------------------------------------------------------------------------

    async def logout(self) -> bool:
        """End the session as a person does; True when the box confirmed it and the GUI is back
        on its login form. Never raises: a session that cannot be ended is reported instead."""
        if self.ctx is None or self.page.is_closed():
            return True
        wait_ms = min(self.timeout_ms, LOGOUT_WAIT_MS)
        if self.user is None and self._pending:
            await self._finish_pending_login(wait_ms)
        if self.user is None:
            return True
        user, self.user = self.user, None
        if self.shell.at_login():
            return True  # the GUI dropped the session itself (expired, -6): nothing is held
        action = self.profile.action("logout")
        why = ""
        try:
            # the GUI forgets its session cookie whatever the logout's reply: keep it, so that a
            # reply lost to an HTTP error (the box may not have seen the logout) can be sent again
            cookies = await self.ctx.cookies()
            reply = await reply_to(self.page, self.profile, action, lambda: self.shell.logout(user), wait_ms)
            if reply.ok:
                await self.page.wait_for_url(lambda u: urlsplit(u).path == self.profile.routes.login,
                                             timeout=wait_ms)
                self.logged_out_cleanly = True
                return True
            why = f"the box answered status {reply.status} (HTTP {reply.http_status})"
            if reply.status is None:
                await self.ctx.add_cookies(cookies)
                if await self._logout_again(user):
                    return True
        except E.LogoutNotShown as exc:
            why = str(exc)
            if await self._logout_request(user) == 0:  # e.g. the setup wizard has no header
                return True
        except (E.UcmError, PlaywrightError) as exc:
            why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        self._unclosed(why, user)
        return False

    async def _finish_pending_login(self, wait_ms: float) -> None:
        """Cancelled between submitting a login and its reply: the box may have made the session.
        The browser still gets the reply; once the GUI leaves its login page, we are in."""
        pending, self._pending = self._pending, None
        try:
            await self.page.wait_for_url(lambda u: urlsplit(u).path != self.profile.routes.login, timeout=wait_ms)
            self.user = pending
        except PlaywrightError:
            pass  # refused, or never answered: no session for us to end

    async def _logout_again(self, user: str) -> bool:
        """The logout's reply was an HTTP error: send the GUI's logout request again (a logout is
        safe to repeat), the retry policy's number of times."""
        async def attempt() -> bool:
            status = await self._logout_request(user)
            if status is None:
                raise E.UcmHttpError(f"the box answered the logout of {user} with an HTTP error")
            meaning = self.profile.cgi.meaning(status)  # no such session: the first one got through
            return status == 0 or (meaning is not None and meaning.kind == "expired")

        try:
            return await self.retry.run(attempt, doing=f"logging {user} out", tries=self.retry.retries)
        except E.UcmError:
            return False

    async def _logout_request(self, user: str) -> Optional[int]:
        """The GUI's own logout request, for a page that shows no Logout (the setup wizard), or to
        repeat one whose reply was lost; its status, None for an HTTP error."""
        try:
            status = await self.page.evaluate(
                """async ([path, action, user]) => {
                    const q = new URLSearchParams({action, user});
                    const r = await fetch(`${path}?${q}`, {credentials: 'same-origin', cache: 'no-store'});
                    if (!r.ok) return null;
                    try { return (await r.json()).status; } catch (e) { return null; }
                }""", [self.profile.cgi.path, self.profile.action("logout"), user])
            return None if status is None else int(status)
        except PlaywrightError:
            return None

    def _unclosed(self, why: str, user: Optional[str] = None) -> None:
        who = user or self.user or "?"
        self.unclosed.append(who)
        log.warning("could not log %s out of %s (%s); that session stays counted on the box until its "
                    "User Login Timeout", who, self.host, why)
