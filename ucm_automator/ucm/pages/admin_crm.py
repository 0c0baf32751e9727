"""The admin "CRM" page: where it is, how to read it, how to fill it and press Save.

It does not decide whether anything should change, nor press Save: the driver does both
(`ucm/press.py`). Values here are visible texts; the driver translates keys through the profile.
"""

from __future__ import annotations

import asyncio
from typing import Optional
from urllib.parse import urlsplit

from playwright.async_api import Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from ucm_automator.ucm import errors as E
from ucm_automator.ucm.cgi import CgiReply, expect_reply, first_of, parse_reply, reply_to
from ucm_automator.ucm.pages.shell import Shell
from ucm_automator.ucm.pages.widgets import (
    Transfer, choose, field_errors, find_row, refused_fields, select_shown, wait_until,
)
from ucm_automator.ucm.profile import FirmwareProfile

WHERE = "the CRM page"


class AdminCrmPage:
    def __init__(self, page: Page, profile: FirmwareProfile, shell: Shell, timeout_ms: float) -> None:
        self.page, self.profile, self.shell, self.timeout_ms = page, profile, shell, timeout_ms
        self.labels = profile.admin_crm.labels
        self.get_action = profile.action("get_admin_crm")
        self.save_button = page.get_by_role("button", name=profile.buttons.save, exact=True)
        self.found_at: Optional[str] = None  # the path where the page was last found

    # ---- finding the page ------------------------------------------------------------------

    async def open(self) -> CgiReply:
        """Go to the page and return the getCRMSettings reply it loaded its values from."""
        if self.shell.path == self.found_at:  # already there: reload it, as a person presses F5
            reply = await self._try_route(self.found_at, reload=True)
            if reply is not None:
                return await self._arrived(reply)
        for route in self.profile.routes.admin_crm:
            reply = await self._try_route(route)
            if reply is not None:
                return await self._arrived(reply)
        for path in self.profile.menus.admin_crm:
            if self.shell.at_login():
                raise E.SessionExpired("the box sent the browser back to the login page")
            if await self.shell.menu_exists(path[0]):
                reply = await reply_to(
                    self.page, self.profile, self.get_action, lambda: self.shell.follow(path), self.timeout_ms
                )
                return await self._arrived(reply)
        menus = await self.shell.menu_texts()
        tried = " or ".join(" > ".join(p) for p in self.profile.menus.admin_crm)
        raise E.PageNotFound(
            f"the CRM page is not at {', '.join(self.profile.routes.admin_crm)} and there is no menu "
            f"{tried}; menus seen: {', '.join(menus) or '(none)'} (fix routes/menus in the firmware profile)"
        )

    async def _try_route(self, route: str, reload: bool = False) -> Optional[CgiReply]:
        """Deep link (or reload); None when the GUI sends us elsewhere (a firmware that moved it)."""
        loaded = expect_reply(self.page, self.profile, self.get_action, self.timeout_ms)
        try:
            response = await (self.page.reload() if reload else self.page.goto(route))
        except BaseException:
            loaded.cancel()
            raise
        if response is not None and response.status >= 400:
            loaded.cancel()
            return None
        moved = self.page.wait_for_url(lambda u: urlsplit(u).path != route, timeout=self.timeout_ms)
        name, value = await first_of({"loaded": loaded, "moved": asyncio.ensure_future(moved)})
        if name == "loaded":
            return await parse_reply(value, self.get_action)
        if self.shell.at_login():
            raise E.SessionExpired("the box sent the browser back to the login page")
        return None

    async def _arrived(self, reply: CgiReply) -> CgiReply:
        if reply.ok:  # the values are shown once the CRM System row is there
            await find_row(self.page, self.labels.crm_system, WHERE, self.timeout_ms)
            self.found_at = self.shell.path
        return reply

    # ---- reading and filling -----------------------------------------------------------------

    async def _row(self, label: str) -> Locator:
        return await find_row(self.page, label, WHERE, self.timeout_ms)

    async def _choose(self, label: str, text: str) -> None:
        await choose(self.page, await self._row(label), text, label, self.timeout_ms,
                     click_first=self.profile.gui.select_opens_on_click())

    async def _transfer(self) -> Transfer:
        lab = self.labels
        t = Transfer(self.page, await self._row(lab.lookups), lab.available, lab.selected, lab.lookups,
                     self.timeout_ms)
        await t.ready(WHERE)
        return t

    async def shown_module(self) -> str:
        return await select_shown(await self._row(self.labels.crm_system))

    async def shown_values(self) -> dict[str, object]:
        """What the form shows for a CRM that uses a server Select (Zoho v2)."""
        lab = self.labels
        return {
            "crm_module": await select_shown(await self._row(lab.crm_system)),
            "server_address": await select_shown(await self._row(lab.server_address)),
            "lookups": await (await self._transfer()).selected(),
            "add_unknown": await select_shown(await self._row(lab.add_unknown)),
        }

    async def fill(self, module: str, server: str, lookups: list[str], add_unknown: str) -> None:
        """Put the wanted texts in the form, in the order the form's rules need."""
        await self._choose(self.labels.crm_system, module)
        await self._choose(self.labels.server_address, server)  # its row appears with the CRM chosen
        await (await self._transfer()).arrange(lookups)
        await self._choose(self.labels.add_unknown, add_unknown)  # must be one of the lookups: last

    @property
    def invalid(self) -> Locator:
        """Fields the form marks invalid; a form with any won't send."""
        return refused_fields(self.page)

    async def check_valid(self) -> None:
        """Before Save: a filled, valid form clears its field errors; errors that stay mean the
        GUI would not send, so fail naming them instead of pressing Save."""
        if await wait_until(self.invalid.count, lambda n: n == 0, self.timeout_ms / 1000):
            raise E.SaveRejected(f"the CRM form refuses the values: {await self.form_errors()}")

    async def form_errors(self) -> str:
        # an invalid control names its message element in aria-describedby
        texts = []
        for control in await self.page.locator("form [aria-invalid='true']").all():
            for ref in (await control.get_attribute("aria-describedby") or "").split():
                try:
                    texts.append((await self.page.locator(f"[id='{ref}']").inner_text(timeout=1000)).strip())
                except PlaywrightTimeout:
                    pass
        texts = [t for t in texts if t] or await field_errors(self.page)  # antd 2/3: no aria links
        return "; ".join(texts) or "a field is invalid"
