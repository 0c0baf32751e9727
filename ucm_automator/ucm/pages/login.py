"""The login page (one page for admins and user-portal users).

It only knows where the fields are and how to word what the box answered; `ucm/gui.py` submits
it (and decides, once, whether a try may be repeated).
"""

from __future__ import annotations

import re
from typing import Any, Optional
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from ucm_automator.ucm import errors as E
from ucm_automator.ucm.cgi import CgiReply, error_for
from ucm_automator.ucm.pages.widgets import visible_texts
from ucm_automator.ucm.profile import FirmwareProfile, bundled_name


def same_language(a: str, b: str) -> bool:
    return a.split("-")[0].lower() == b.split("-")[0].lower()


def _script_language(texts: list[str]) -> Optional[str]:
    """A guess from the script alone, for a GUI that says nothing: Han means Chinese."""
    joined = "".join(texts)
    if re.search(r"[\u4e00-\u9fff]", joined):
        return "zh-CN"
    if re.search(r"[\u0400-\u04ff]", joined):
        return "ru"
    return None


async def shown_language(page: Page, profile: FirmwareProfile, seen: list[str]) -> Optional[tuple[str, str]]:
    """(language, how it is known) of what the GUI shows: its <html lang>, else the script of the
    texts seen, else another language the GUI stored, else the box's country's; None when nothing says."""
    try:
        clues = await page.evaluate("""(key) => ({html: document.documentElement.lang || '',
            stored: (() => { try { return localStorage.getItem(key) || ''; } catch (e) { return ''; } })()})""",
                                    profile.locale.storage_key)
    except PlaywrightError:
        clues = {"html": "", "stored": ""}
    if clues.get("html"):
        return clues["html"], "its <html lang>"
    script = _script_language(seen)
    if script:
        return script, "the script of its texts"
    if clues.get("stored") and not same_language(clues["stored"], profile.language):
        return clues["stored"], f"localStorage.{profile.locale.storage_key}"
    country = await _country_language(page, profile)  # what the GUI falls back to when it ignores ours
    if country and not same_language(country[0], profile.language):
        return country[0], f"the language of the box's country {country[1]}"
    return None


async def _country_language(page: Page, profile: FirmwareProfile) -> Optional[tuple[str, str]]:
    """The language the box's country maps to, asked the way the GUI does (getInfo, the map)."""
    try:
        got = await page.evaluate("""async ([path, action, key, map]) => {
            const q = new URLSearchParams({action});
            const info = await (await fetch(`${path}?${q}`, {credentials: 'same-origin'})).json();
            const country = String((info.response || {})[key] || '').toUpperCase();
            const langs = await (await fetch(map, {credentials: 'same-origin'})).json();
            return country ? [((langs[country] || {}).languages || ''), country] : null;
        }""", [profile.cgi.path, profile.action("get_info"), profile.cgi.info_keys.get("country", "country"),
               profile.locale.country_map])
    except PlaywrightError:
        return None
    return (got[0], got[1]) if got and got[0] else None


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
            seen = await self._seen()
            await self._check_language([t for t in seen if t])
            raise E.PageNotFound(
                f"no login form at {self.page.url}: looked for the placeholder "
                f"'{self.profile.login.username_placeholder}'; seen: {', '.join(seen) or '(nothing)'}"
            ) from None

    async def _seen(self) -> list[str]:
        """The visible inputs' placeholders and the labels: what a login form would be found by."""
        try:
            holders = await self.page.locator("input[placeholder]").filter(visible=True).evaluate_all(
                "els => els.map(e => e.getAttribute('placeholder'))")
        except PlaywrightError:
            holders = []
        return [h for h in holders if h] + await visible_texts(self.page.locator("label"))

    async def _check_language(self, seen: list[str]) -> None:
        """The GUI shows another language than the profile's (it did not take the one set before
        it loaded): one line naming that language and the way out."""
        found = await shown_language(self.page, self.profile, seen)
        if found is None or same_language(found[0], self.profile.language):
            return
        lang, how = found
        bundled = bundled_name(lang)
        way = (f"run with --profile {bundled} (bundled)" if bundled else
               f"run with a profile written in {lang} (--profile FILE; docs/firmware-profiles.md says how, "
               f"`ucmauto probe` drafts one)")
        raise E.GuiLanguage(
            f"the GUI at {self.page.url} shows {lang} ({how}), not {self.profile.language} as profile "
            f"'{self.profile.name}' is written in, and setting localStorage.{self.profile.locale.storage_key} "
            f"did not change it (seen: {', '.join(seen[:3]) or '(nothing)'}); {way}")

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
