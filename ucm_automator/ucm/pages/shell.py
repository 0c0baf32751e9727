"""What every page after login has: the left menu, the header's Apply Changes and Logout (a link,
or an item of the user-name menu).

Menus are followed by their visible texts (antd Menu items have role=menuitem); a firmware that
renames a menu is handled by listing both names in the profile.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.async_api import Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from ucm_automator.ucm import errors as E
from ucm_automator.ucm.pages.widgets import label_pattern, visible_texts, wait_until
from ucm_automator.ucm.profile import FirmwareProfile


async def _held_still(item: Locator) -> None:
    """Until the item is where it was a poll ago (bounded): antd unfolds a submenu over a few
    frames, and Playwright retries a click on a moving item after growing pauses (~0.2 s here)."""
    seen: list = [None]

    async def still() -> bool:
        box = await item.bounding_box()
        same, seen[0] = box is not None and box == seen[0], box
        return same

    await wait_until(still, bool, 1.0)


class Shell:
    def __init__(self, page: Page, profile: FirmwareProfile, timeout_ms: float) -> None:
        self.page, self.profile, self.timeout_ms = page, profile, timeout_ms
        self.apply_button = page.get_by_role("button", name=profile.buttons.apply, exact=True)
        logout = profile.buttons.logout
        # a plain link or button on some firmwares; an item of the user-name menu on the 2017 GUI
        self.logout_control = (
            page.get_by_role("link", name=logout, exact=True)
            .or_(page.get_by_role("button", name=logout, exact=True))
            .or_(page.get_by_role("menuitem", name=logout, exact=True))
            .filter(visible=True)
            .first
        )

    @property
    def path(self) -> str:
        return urlsplit(self.page.url).path

    def at_login(self) -> bool:
        return self.path == self.profile.routes.login

    async def in_wizard(self) -> bool:
        if self.path in self.profile.wizard.routes:
            return True
        for title in self.profile.wizard.titles:
            if await self.page.get_by_role("heading", name=title, exact=True).count():
                return True
        return False

    def _titles(self) -> Locator:
        # antd 2 gives a submenu's title no role=menuitem, only aria-haspopup inside the menu
        return self.page.get_by_role("menu").locator("[aria-haspopup='true']")

    def _menuitem(self, text: str) -> Locator:
        title = self._titles().filter(has_text=label_pattern(text))
        return self.page.get_by_role("menuitem", name=text, exact=True).or_(title).filter(visible=True).first

    async def menu_texts(self) -> list[str]:
        return await visible_texts(self.page.get_by_role("menuitem").or_(self._titles()))

    async def menu_exists(self, top: str) -> bool:
        try:
            await self.page.get_by_role("menuitem").first.wait_for(state="visible", timeout=self.timeout_ms)
        except PlaywrightTimeout:
            return False
        return await self._menuitem(top).count() > 0

    async def follow(self, path: list[str]) -> None:
        """Open each menu level by its text; the last click is the page's own item."""
        for depth, text in enumerate(path):
            item = self._menuitem(text)
            try:  # a submenu's items appear after its title is clicked
                await item.wait_for(state="visible", timeout=self.timeout_ms)
            except PlaywrightTimeout:
                raise E.PageNotFound(
                    f"no menu '{text}' (path {' > '.join(path)}); menus seen: "
                    f"{', '.join(await self.menu_texts()) or '(none)'} (fix menus in the firmware profile)"
                ) from None
            leaf = depth == len(path) - 1
            if depth:
                await _held_still(item)
            expanded = await item.get_attribute("aria-expanded")
            if expanded is None and not leaf:  # no aria state: the submenu is open if its items show
                expanded = "true" if await self._menuitem(path[depth + 1]).is_visible() else "false"
            if leaf or expanded != "true":
                await item.click()  # (clicking an open submenu would fold it again)

    async def apply_pending(self) -> bool:
        return await self.apply_button.is_visible()

    def _user_menus(self, user: str) -> list[Locator]:
        """Where a person points to unfold the user-name menu: the name in the header banner,
        else any dropdown trigger there (antd marks it), else the name anywhere."""
        banner = self.page.get_by_role("banner")
        return [banner.get_by_text(user, exact=True).filter(visible=True).first,
                banner.locator(".ant-dropdown-trigger").filter(visible=True).first,
                self.page.get_by_text(user, exact=True).filter(visible=True).first]

    async def logout(self, user: str) -> None:
        """Click Logout: shown as it is, or in the menu that unfolds while the pointer is over the
        user name (the 2017 GUI's hover Dropdown). LogoutNotShown when neither shows one."""
        wait_ms = min(self.timeout_ms, 5000)
        if not await self.logout_control.is_visible():
            for trigger in self._user_menus(user):
                if not await trigger.count():
                    continue
                try:
                    await trigger.hover(timeout=wait_ms)
                    await self.logout_control.wait_for(state="visible", timeout=2000)
                    await _held_still(self.logout_control)  # the popup is placed after it shows
                    break
                except PlaywrightTimeout:
                    continue
            else:
                raise E.LogoutNotShown(
                    f"no '{self.profile.buttons.logout}' on the page, nor in a menu under the user name "
                    f"'{user}' (fix buttons.logout in the firmware profile)")
        await self.logout_control.click(timeout=wait_ms)
