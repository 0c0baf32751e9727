"""The user portal's "CRM User Settings" page: where it is, what it shows, how to fill it and
press Save.

It decides nothing and presses no Save: the portal driver (`ucm/portal.py`) reads, compares
and presses it (`ucm/press.py`). Labels come from the firmware profile; values here are what the page shows.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, NamedTuple, Optional
from urllib.parse import urlsplit

from playwright.async_api import Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeout
from pydantic import SecretStr

from ucm_automator.ucm import errors as E
from ucm_automator.ucm.cgi import CgiReply, action_of, expect_reply, first_of, parse_reply
from ucm_automator.ucm.pages.shell import Shell
from ucm_automator.ucm.pages.widgets import (
    field_errors, find_row, label_pattern, refused_fields, visible_texts, wait_until,
)
from ucm_automator.ucm.profile import FirmwareProfile

WHERE = "the CRM User Settings page"


class Loaded(NamedTuple):
    """The two replies the page fills its form from."""

    admin: CgiReply  # getCRMSettings: which CRM the admin chose (decides the rows shown)
    user: CgiReply  # getCRMUserSettings: this extension's record


class UserCrmPage:
    def __init__(self, page: Page, profile: FirmwareProfile, shell: Shell, timeout_ms: float) -> None:
        self.page, self.profile, self.shell, self.timeout_ms = page, profile, shell, timeout_ms
        self.labels = profile.user_crm.labels
        self.get_admin = profile.action("get_admin_crm")
        self.get_user = profile.action("get_user_crm")
        self.saves = (profile.action("add_user_crm"), profile.action("update_user_crm"))
        self.save_button = page.get_by_role("button", name=profile.buttons.save, exact=True)
        self.cancel_button = page.get_by_role("button", name=profile.buttons.cancel, exact=True)
        self.route: Optional[str] = None  # where the page was found; reload() goes there
        self.came_from: Optional[str] = None  # the GUI route before it (the menu led here from there)
        self.last: Optional[Loaded] = None  # the replies the form shows now

    # ---- finding the page ------------------------------------------------------------------

    async def open(self) -> Loaded:
        """Go to the page as a person does (its menu; else the profile's deep link) and return the
        replies it loaded. The path it ends on is what reload() uses."""
        for path in self.profile.menus.user_crm:
            if self.shell.at_login():
                raise E.SessionExpired("the box sent the browser back to the login page")
            if await self.shell.menu_exists(path[0]):
                before = urlsplit(self.page.url).path
                loaded = await self._load(lambda p=path: self._follow(p), None)
                if loaded is not None:
                    self.route, self.came_from = urlsplit(self.page.url).path, before
                    return loaded
        for route in self.profile.routes.user_crm:
            loaded = await self._load(lambda r=route: self.page.goto(r), route)
            if loaded is not None:
                self.route = route
                return loaded
        menus = await self.shell.menu_texts()
        tried = " or ".join(" > ".join(p) for p in self.profile.menus.user_crm)
        raise E.PageNotFound(
            f"{WHERE} is neither under the menu {tried} nor at {', '.join(self.profile.routes.user_crm) or '(no route)'}; "
            f"menus seen: {', '.join(menus) or '(none)'} (fix menus/routes in the firmware profile)"
        )

    async def _follow(self, path: list[str]) -> None:
        """Follow the menu and make sure it navigated: a click that lands while antd's submenu
        is still unfolding can be lost, so click again (bounded)."""
        before = urlsplit(self.page.url).path
        for _ in range(3):
            await self.shell.follow(path)
            try:
                await self.page.wait_for_url(lambda u: urlsplit(u).path != before, timeout=2000)
                return
            except PlaywrightTimeout:
                continue
        raise E.PageNotFound(f"clicking the menu {' > '.join(path)} does not open {WHERE}")

    async def reload(self) -> Loaded:
        """Load the page again: the GUI reads Login Status only when the page loads."""
        if self.route is None:
            return await self.open()
        loaded = await self._load(lambda: self.page.goto(self.route), self.route)
        if loaded is None:
            raise E.PageNotFound(f"the GUI no longer shows {WHERE} at {self.route}")
        return loaded

    async def reread(self, in_flight: Callable[[str], bool], grace_ms: float = 2000) -> Optional[Loaded]:
        """Press Cancel, which reloads the stored values without loading the page again (a full
        load parses the whole GUI: most of a user's CPU). None when this firmware's Cancel only
        resets the form (no getCRMUserSettings request within `grace_ms`): reload() then."""
        if self.last is None or not await self.cancel_button.is_visible():
            return None
        path = self.profile.cgi.path
        asked = asyncio.ensure_future(self.page.wait_for_event(
            "request", lambda r: action_of(r, path) == self.get_user, timeout=grace_ms))
        admin = expect_reply(self.page, self.profile, self.get_admin, self.timeout_ms)
        user = expect_reply(self.page, self.profile, self.get_user, self.timeout_ms)
        waiting = (asked, admin, user)
        try:
            await self.cancel_button.click(timeout=self.timeout_ms)
            try:
                await asked
            except PlaywrightTimeout:
                return None
            user_reply = await parse_reply(await user, self.get_user)
            # the admin's CRM is read again only where Cancel asks for it too; else the last one holds
            if admin.done() and admin.exception() is None:
                admin_reply = await parse_reply(admin.result(), self.get_admin)
            elif in_flight(self.get_admin):
                admin_reply = await parse_reply(await admin, self.get_admin)
            else:
                admin_reply = self.last.admin
        except PlaywrightTimeout:
            if self.shell.at_login():
                raise E.SessionExpired("the box sent the browser back to the login page") from None
            raise E.UcmTimeout(f"{WHERE} did not read its settings again within {self.timeout_ms / 1000:g} s") from None
        finally:
            for task in waiting:
                task.cancel()
            await asyncio.gather(*waiting, return_exceptions=True)
        self.last = Loaded(admin_reply, user_reply)
        return self.last

    async def revisit(self) -> Optional[Loaded]:
        """Back to the page the menu came from and forward again: the GUI's router mounts the page
        anew, which reads the box again, without loading the whole GUI (where Cancel only resets
        the form). None when the menu did not lead here (no history to step through)."""
        if not self.came_from or self.came_from == self.route or self.shell.path != self.route:
            return None
        await self.page.go_back()
        try:
            await self.page.wait_for_url(lambda u: urlsplit(u).path == self.came_from, timeout=self.timeout_ms)
        except PlaywrightTimeout:
            if self.shell.at_login():
                raise E.SessionExpired("the box sent the browser back to the login page") from None
            return None
        return await self._load(self.page.go_forward, self.route)

    async def _load(self, trigger: Callable[[], Awaitable[object]], route: Optional[str]) -> Optional[Loaded]:
        """Both replies, or None when the GUI sent us elsewhere (a firmware that moved the page)."""
        admin = expect_reply(self.page, self.profile, self.get_admin, self.timeout_ms)
        user = expect_reply(self.page, self.profile, self.get_user, self.timeout_ms)
        both = asyncio.ensure_future(asyncio.gather(admin, user))
        # a GUI that reads one after the other never sends the second read when the first
        # fails: an HTTP error on either ends the wait (the caller loads the page again). Listen
        # before the trigger: the error can arrive while goto() or the menu click still runs.
        reads = (self.get_admin, self.get_user)
        broken = asyncio.ensure_future(self.page.wait_for_event(
            "response", lambda r: not r.ok and action_of(r.request, self.profile.cgi.path) in reads,
            timeout=self.timeout_ms))
        try:
            await trigger()
        except BaseException:
            both.cancel()
            broken.cancel()
            await asyncio.gather(both, broken, return_exceptions=True)
            raise
        tasks = {"loaded": both, "broken": broken}
        if route is not None:
            tasks["moved"] = asyncio.ensure_future(
                self.page.wait_for_url(lambda u: urlsplit(u).path != route, timeout=self.timeout_ms)
            )
        name, value = await first_of(tasks)
        if name == "loaded":
            self.last = Loaded(await parse_reply(value[0], self.get_admin), await parse_reply(value[1], self.get_user))
            return self.last
        if name == "broken":
            failed = await parse_reply(value, action_of(value.request, self.profile.cgi.path) or self.get_user)
            none = CgiReply(self.get_user, None, {}, failed.http_status)
            self.last = None
            return Loaded(failed, none) if failed.action == self.get_admin else Loaded(none, failed)
        if self.shell.at_login():
            raise E.SessionExpired("the box sent the browser back to the login page")
        if name == "moved":
            return None
        raise E.UcmTimeout(f"{WHERE} did not load its settings within {self.timeout_ms / 1000:g} s")

    def last_ok(self) -> bool:
        """The form shows what the box last answered (so its Cancel can ask again)."""
        return self.last is not None and self.last.admin.ok and self.last.user.ok

    # ---- reading ---------------------------------------------------------------------------

    def _row(self, key: str) -> Callable[[], Awaitable[Locator]]:
        return lambda: find_row(self.page, self.labels[key], WHERE, self.timeout_ms)

    async def shown_enabled(self) -> bool:
        return await (await self._row("enable")()).get_by_role("checkbox").first.is_checked()

    async def _input(self, key: str) -> Locator:
        return (await self._row(key)()).locator("input, textarea").first

    async def shown_value(self, key: str) -> str:
        return await (await self._input(key)).input_value()

    async def shown_status(self) -> str:
        """The Login Status text ('' when none). The row has no control, so read the cell beside
        the label (antd renders label and control as sibling columns)."""
        label = self.page.locator("label").filter(has_text=label_pattern(self.labels["login_status"]))
        label = label.filter(visible=True).first
        try:
            await label.wait_for(state="visible", timeout=self.timeout_ms)
        except PlaywrightTimeout:
            seen = await visible_texts(self.page.locator("label"))
            raise E.PageNotFound(
                f"no '{self.labels['login_status']}' row on {WHERE}; labels seen: {', '.join(seen) or '(none)'}"
            ) from None
        cell = label.locator("xpath=..").locator("xpath=following-sibling::*[1]")
        return (await cell.inner_text()).strip() if await cell.count() else ""

    # ---- filling and saving ------------------------------------------------------------------

    async def tick_enable(self) -> None:
        box = (await self._row("enable")()).get_by_role("checkbox").first
        if not await box.is_checked():
            await box.check()
        # the secret inputs stay disabled until the form has seen the tick
        field = await self._input("client_id")
        if not await wait_until(field.is_enabled, bool, self.timeout_ms / 1000):
            raise E.VerifyFailed(f"'{self.labels['client_id']}' stayed disabled after ticking "
                                 f"'{self.labels['enable']}'")

    async def fill(self, key: str, value: SecretStr | str) -> None:
        """Type one value and read it back (an input's maxlength would cut it silently)."""
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        field = await self._input(key)
        await field.fill(raw)
        if await field.input_value() != raw:  # compared, never shown: it may be a secret
            raise E.SaveRejected(
                f"'{self.labels[key]}' does not take the value (the input holds something else after "
                f"typing {len(raw)} characters: too long for this firmware?); nothing was saved"
            )

    @property
    def invalid(self) -> Locator:
        """Fields the form marks invalid instead of sending."""
        return refused_fields(self.page)

    async def form_errors(self) -> str:
        return "; ".join(await field_errors(self.page)) or "a field is invalid"
