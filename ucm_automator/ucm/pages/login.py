"""The login page (one page for admins and user-portal users).

It only knows where the fields are and how to word what the box answered; `ucm/gui.py` submits
it (and decides, once, whether a try may be repeated).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from ucm_automator.ucm import errors as E
from ucm_automator.ucm.cgi import CgiReply, error_for
from ucm_automator.ucm.pages.widgets import visible_texts
from ucm_automator.ucm.profile import FirmwareProfile


def _duration(seconds: Any) -> str:
    try:
        total = max(0, int(float(seconds)))
    except (TypeError, ValueError):
        return "a while"
    minutes, secs = divmod(total, 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


class LoginPage:
    def __init__(self, page: Page, profile: FirmwareProfile, timeout_ms: float) -> None:
        self.page, self.profile, self.timeout_ms = page, profile, timeout_ms
        texts = profile.login
        self.username = self._field(texts.username_placeholder, texts.username_labels)
        self.password = self._field(texts.password_placeholder, texts.password_labels)
        self.submit = page.get_by_role("button", name=profile.buttons.login, exact=True)

    def _field(self, placeholder: str, labels: list[str]) -> Locator:
        found = self.page.get_by_placeholder(placeholder, exact=True)
        for label in labels:
            found = found.or_(self.page.get_by_label(label, exact=True))
        return found.filter(visible=True).first

    async def open(self, reuse: bool = False) -> None:
        """Load the GUI at its login route; `reuse`: the caller just logged out cleanly and the GUI
        shows its login form, so use that one (a load parses the whole GUI again)."""
        here = urlsplit(self.page.url).path == self.profile.routes.login
        if not (reuse and here and await self.username.is_visible()):
            await self.page.goto(self.profile.routes.login)
        try:
            await self.username.wait_for(state="visible", timeout=self.timeout_ms)
            await self.password.wait_for(state="visible", timeout=self.timeout_ms)
        except PlaywrightTimeout:
            seen = await visible_texts(self.page.locator("input[placeholder]").or_(self.page.locator("label")))
            raise E.PageNotFound(
                f"no login form at {self.page.url}: looked for the placeholder "
                f"'{self.profile.login.username_placeholder}'; seen: {', '.join(seen) or '(nothing)'}"
            ) from None

    async def captcha_shown(self) -> bool:
        hints = self.profile.captcha
        probes = [self.page.locator(f"iframe[title*={t!r} i]") for t in hints.frame_titles]
        probes += [self.page.locator(s) for s in hints.selectors]
        probes += [self.page.get_by_text(t) for t in hints.texts]
        for probe in probes:
            if await probe.count():
                return True
        return False

    @staticmethod
    def who(user: str) -> str:
        return f"extension {user}" if user.isdigit() else f"'{user}'"

    def refusal(self, reply: CgiReply, user: str, host: str) -> E.UcmError:
        """The one line for a refused login: what the box said, and that it is not retried."""
        err, r, who = error_for(self.profile, reply, f"logging in as {user}"), reply.response, self.who(user)
        if isinstance(err, E.LoginWrongPassword):
            left = r.get("remain_num")
            tail = f"{left} more attempt(s) before the box bans it" if left not in (None, "") \
                else "the box did not say how many attempts are left"
            return E.LoginWrongPassword(f"wrong password for {who} on {host} ({tail}); "
                                        "not retrying: check its password source")
        if isinstance(err, E.LoginBanned):
            meaning = self.profile.cgi.meaning(reply.status or 0)
            if meaning and meaning.kind == "banned_forever":
                return E.LoginBanned(f"{who} is banned from logging in to {host} until an administrator "
                                     "lifts the ban (too many failed logins); not trying")
            return E.LoginBanned(f"{who} is temporarily banned on {host} after too many failed logins; "
                                 f"try again in {_duration(r.get('remain_time'))}; not trying")
        if isinstance(err, E.LoginUnknownUser):
            return E.LoginUnknownUser(f"{host} has no user {who}; check the inventory or --admin-user")
        if isinstance(err, E.TooManySessions):
            return E.TooManySessions(f"too many users are logged in to {host} (status {reply.status}); "
                                     "log some out or wait for the box's User Login Timeout")
        return err
