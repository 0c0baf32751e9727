"""`ucmauto probe`: look at a box's GUI as it is, in its own language, and write down what it
shows, for a firmware profile nobody here could write (no one has that box).

Read-only by construction: it logs in on the GUI's own form (found by its shape: a text input,
a password input, the submit button, not by texts), opens the CRM pages by their routes, reads
labels, options, buttons and menus, and logs out. It never clicks Save or Apply; the only
changes are in the browser's form (a Select opened to read its options, the CRM System set to
the profile's target to show the fields that follow it), never sent. Every /cgi reply the page
receives is kept in memory for the draft (actions and keys) and the report (values blanked).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Optional
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, Response
from playwright.async_api import TimeoutError as PlaywrightTimeout
from pydantic import SecretStr

from ucm_automator.ucm import errors as E
from ucm_automator.ucm.cgi import action_of, parse_reply, reply_to
from ucm_automator.ucm.pages.widgets import wait_until
from ucm_automator.ucm.session import BrowserSession, mask_targets

log = logging.getLogger(__name__)

SHORT_MS = 4000  # for what may simply not be there (a hidden Apply, a menu that does not unfold)

# What the page shows, read in one go: labels with the field id they point at (antd binds a
# Form.Item's label to its field, whose id is the field name on every major), the selected menu
# path, the heading, buttons outside the header, the Transfer's column titles.
READ_PAGE = """() => {
  const shown = el => !!(el && (el.offsetWidth || el.offsetHeight || el.getClientRects().length));
  const text = el => (el && el.innerText || '').trim();
  const header = document.querySelector('header, [role=banner]');
  const labels = [...document.querySelectorAll('label')].filter(shown)
    .filter(l => !(header && header.contains(l)))
    .map(l => ({for: l.htmlFor || '', text: text(l),
                row: l.htmlFor ? '' : text(l.closest('.ant-form-item') || l.parentElement).replace(text(l), '').trim()}))
    .filter(l => l.text);
  const sel = [...document.querySelectorAll('.ant-menu-item-selected')].filter(shown)[0];
  const sub = sel && sel.closest('.ant-menu-submenu');
  const menu = [sub && text(sub.querySelector('.ant-menu-submenu-title')), sel && text(sel)].filter(Boolean);
  const heading = [...document.querySelectorAll('main h1, main h2, main h3, h1, h2, h3')].filter(shown)
    .filter(h => !(header && header.contains(h))).map(text)[0] || '';
  const buttons = [...document.querySelectorAll('button')].filter(shown)
    .filter(b => !(header && header.contains(b)) && !b.closest('.ant-transfer, .ant-select'))
    .map(b => ({text: text(b), primary: b.className.includes('ant-btn-primary')})).filter(b => b.text);
  const transfer = [...document.querySelectorAll('.ant-transfer-list')].filter(shown).map(list => ({
    title: text(list.querySelector('.ant-transfer-list-header-title')),
    items: [...list.querySelectorAll('.ant-transfer-list-content-item')].map(text).filter(Boolean)}));
  return {labels, menu, heading, buttons, transfer};
}"""

# antd's major from its DOM: 5 styles by CSS-in-JS class hashes, 4 has .ant-select-selector,
# 3 and 2 .ant-select-selection, 3 drawing its icons as SVG where 2 uses an icon font. Read on
# the admin CRM page (a Select and icons there); null: no antd seen.
ANTD_MAJOR = """() => {
  if (document.querySelector('[class*="css-dev-only-do-not-override"], [class^="css-"], [class*=" css-"]')) return 5;
  if (document.querySelector('.ant-select-selector')) return 4;
  if (document.querySelector('.ant-select-selection')) return document.querySelector('.anticon svg') ? 3 : 2;
  return null;
}"""


@dataclass
class CgiSeen:
    action: str
    status: Optional[int]
    response: dict[str, Any]
    params: list[str]  # the parameter names the page sent (values are never kept)


@dataclass
class Seen:
    """Everything the probe saw; the draft profile and the report are made from it."""

    language: str = ""
    language_how: str = ""
    antd: Optional[int] = None
    login: dict[str, str] = field(default_factory=dict)
    header: dict[str, Any] = field(default_factory=dict)
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)  # "admin_crm", "user_crm"
    cgi: list[CgiSeen] = field(default_factory=list)
    screenshots: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class Probe:
    def __init__(self, session: BrowserSession, out_dir) -> None:
        self.session, self.profile, self.out = session, session.profile, out_dir
        self.timeout_ms = session.timeout_ms
        self.seen = Seen()
        self.user: Optional[str] = None

    # ---- the whole look ------------------------------------------------------------------------

    async def run(self, admin: tuple[str, SecretStr], user: Optional[tuple[str, SecretStr]]) -> Seen:
        ctx = await self.session.new_context(set_language=False)  # the box's own language
        try:
            self.page = await ctx.new_page()
            self.page.on("response", self._record)
            await self._login_page()
            await self._as(admin, "admin_crm", self.profile.routes.admin_crm, self.profile.action("get_admin_crm"))
            if user:
                await self._as(user, "user_crm", self.profile.routes.user_crm, self.profile.action("get_user_crm"))
        finally:
            await self._logout()
            await ctx.close()
        return self.seen

    async def _as(self, who: tuple[str, SecretStr], key: str, routes: list[str], action: str) -> None:
        await self._login(*who)
        try:
            await self._read_header(who[0])
            await self._read_page(key, routes, action)
            await self._shot(key)
        finally:
            await self._logout()

    # ---- recording /cgi --------------------------------------------------------------------------

    async def _record(self, response: Response) -> None:
        action = action_of(response.request, self.profile.cgi.path)
        if not action:
            return
        try:
            reply = await parse_reply(response, action)
            sent = response.request.post_data or urlsplit(response.request.url).query
        except Exception:  # noqa: BLE001 - the page may close under us
            return
        from urllib.parse import parse_qs
        params = sorted(set(parse_qs(sent or "", keep_blank_values=True)) - {"action"})
        self.seen.cgi.append(CgiSeen(action, reply.status, reply.response, params))

    # ---- logging in and out, by the form's shape -------------------------------------------------

    async def _login_page(self) -> None:
        await self.page.goto(self.profile.routes.login)
        password = self.page.locator("input[type=password]").filter(visible=True).first
        try:
            await password.wait_for(state="visible", timeout=self.timeout_ms)
        except PlaywrightTimeout:
            raise E.PageNotFound(f"no login form (a password input) at {self.page.url}") from None
        clues = await self.page.evaluate("""(key) => ({html: document.documentElement.lang || '',
            stored: (() => { try { return localStorage.getItem(key) || ''; } catch (e) { return ''; } })()})""",
                                         self.profile.locale.storage_key)
        if clues["stored"]:
            self.seen.language, self.seen.language_how = clues["stored"], f"localStorage.{self.profile.locale.storage_key}"
        elif clues["html"]:
            self.seen.language, self.seen.language_how = clues["html"], "<html lang>"

    def _form(self):
        username = self.page.locator("input:not([type=password]):not([type=hidden]):not([type=checkbox])")
        return (username.filter(visible=True).first,
                self.page.locator("input[type=password]").filter(visible=True).first,
                self.page.locator("button[type=submit], .ant-btn-primary").filter(visible=True).first)

    async def _login(self, user: str, password: SecretStr) -> None:
        if urlsplit(self.page.url).path != self.profile.routes.login:
            await self._login_page()
        username, pw, submit = self._form()
        await username.wait_for(state="visible", timeout=self.timeout_ms)
        if not self.seen.login:
            self.seen.login = {"username_placeholder": await username.get_attribute("placeholder") or "",
                               "password_placeholder": await pw.get_attribute("placeholder") or "",
                               "button": (await submit.inner_text()).strip()}
        await username.fill(user)
        await pw.fill(password.get_secret_value())
        reply = await reply_to(self.page, self.profile, self.profile.action("login"), submit.click, self.timeout_ms)
        if not reply.ok:
            raise E.LoginWrongPassword(f"the box refused the login of '{user}' (status {reply.status}); "
                             "the probe does not retry: check the password")
        self.user = user
        await self.page.wait_for_url(lambda u: urlsplit(u).path != self.profile.routes.login, timeout=self.timeout_ms)

    async def _logout(self) -> None:
        """The GUI's Logout where the probe found it, else the GUI's own logout request; never raises."""
        if self.user is None:
            return
        user, self.user = self.user, None
        item = self.seen.header.get("logout")
        try:
            if item:
                for trigger in (self.page.get_by_role("banner").get_by_text(user, exact=True),
                                self.page.get_by_role("banner").locator(".ant-dropdown-trigger")):
                    if await trigger.filter(visible=True).count():
                        await trigger.filter(visible=True).first.hover(timeout=SHORT_MS)
                        break
                control = self.page.get_by_role("menuitem", name=item, exact=True).or_(
                    self.page.get_by_role("link", name=item, exact=True)).filter(visible=True).first
                reply = await reply_to(self.page, self.profile, self.profile.action("logout"),
                                       lambda: control.click(timeout=SHORT_MS), SHORT_MS)
                if reply.ok:
                    return
        except (E.UcmError, PlaywrightError):
            pass
        try:
            status = await self.page.evaluate("""async ([path, action, user]) => {
                const r = await fetch(`${path}?${new URLSearchParams({action, user})}`, {credentials: 'same-origin'});
                try { return (await r.json()).status; } catch (e) { return null; } }""",
                                              [self.profile.cgi.path, self.profile.action("logout"), user])
            if status != 0:
                self.seen.problems.append(f"logout of {user} answered {status}")
        except PlaywrightError as e:
            self.seen.problems.append(f"could not log {user} out ({type(e).__name__})")

    # ---- reading -----------------------------------------------------------------------------------

    async def _read_header(self, user: str) -> None:
        banner = self.page.get_by_role("banner")
        items = self.page.get_by_role("menuitem").filter(visible=True)
        before = {t.strip() for t in await items.all_inner_texts()}  # the side menu's
        # where a person points to unfold the user-name menu (as ucm/pages/shell.py)
        for trigger in (banner.get_by_text(user, exact=True), banner.locator(".ant-dropdown-trigger"),
                        self.page.get_by_text(user, exact=True)):
            try:
                await trigger.filter(visible=True).first.hover(timeout=SHORT_MS)
            except PlaywrightError:
                continue
            texts = await wait_until(lambda: self._new_items(items, before), bool, SHORT_MS / 1000)
            if texts:
                self.seen.header["user_menu"] = texts
                self.seen.header.setdefault("logout", texts[-1])
                break
        else:
            links = [t.strip() for t in await banner.get_by_role("link").filter(visible=True).all_inner_texts()]
            if links:
                self.seen.header.setdefault("logout", links[-1])
        await self.page.mouse.move(0, 0)
        check = self.profile.action("check_info")  # the header shows Apply Changes after its reply
        await wait_until(lambda: self._count(check), bool, SHORT_MS / 1000)
        buttons = self.page.locator("header .ant-btn-primary, [role=banner] .ant-btn-primary").filter(visible=True)
        await wait_until(buttons.count, bool, 1.0)
        if await buttons.count():
            self.seen.header["apply"] = (await buttons.first.inner_text()).strip()

    async def _count(self, action: str) -> int:
        return sum(c.action == action for c in self.seen.cgi)

    @staticmethod
    async def _new_items(items, before: set[str]) -> list[str]:  # noqa: ANN001
        return [t.strip() for t in await items.all_inner_texts() if t.strip() and t.strip() not in before]

    async def _read_page(self, key: str, routes: list[str], action: str) -> None:
        for route in routes:
            try:
                async with self.page.expect_response(
                        lambda r: action_of(r.request, self.profile.cgi.path) == action, timeout=self.timeout_ms):
                    await self.page.goto(route)
            except PlaywrightTimeout:
                continue
            if urlsplit(self.page.url).path != route:
                continue
            await self.page.locator("form label").first.wait_for(state="visible", timeout=self.timeout_ms)
            await self._settled()
            found: dict[str, Any] = {"route": route}
            if key == "admin_crm":
                keys = self.profile.cgi.admin_crm_keys
                found["options"] = await self._select_options(keys["crm_module"])
                if not found["options"]:  # a list the form's refill closed: once more on a fresh load
                    await self.page.reload()
                    await self._settled()
                    found["options"] = await self._select_options(keys["crm_module"])
                await self._show_target(found["options"])
                found["number_add_options"] = await self._select_options(keys["add_unknown"])
            found.update(await self.page.evaluate(READ_PAGE))
            self.seen.antd = self.seen.antd or await self.page.evaluate(ANTD_MAJOR)
            self.seen.pages[key] = found
            return
        self.seen.problems.append(f"none of the routes {routes} opened the {key} page (it may need its menu)")

    async def _settled(self) -> None:
        """The form fills in from the page's reads a moment after they arrive, and a refill closes
        a list opened before it: read once the page's requests have settled (bounded)."""
        try:
            await self.page.wait_for_load_state("networkidle", timeout=SHORT_MS)
        except PlaywrightTimeout:
            pass

    def _select(self, field_id: str):  # noqa: ANN202 - the Select of the row whose label points at the field
        label = self.page.locator(f"label[for='{field_id}'], label[for$='_{field_id}']")  # Form.create({name}) prefixes
        row = self.page.locator(".ant-form-item").filter(has=label)
        return row.locator(".ant-select").first

    async def _open(self, box) -> None:  # noqa: ANN001
        """Open a Select once the one opened before has closed (its list fades out)."""
        open_lists = self.page.locator(".ant-select-dropdown:visible")
        await wait_until(open_lists.count, lambda n: n == 0, SHORT_MS / 1000)
        await box.click(force=True, timeout=SHORT_MS)

    async def _select_options(self, field_id: str) -> list[str]:
        """A Select's option texts in order: opened, read, closed with Escape (nothing chosen)."""
        box = self._select(field_id)
        if not await box.count() or not await box.is_visible():
            log.info("no Select for '%s' on the page", field_id)
            return []
        for attempt in (1, 2):  # a click that lands while the form is still settling opens nothing
            try:
                await self._open(box)
                options = self.page.locator(".ant-select-dropdown:visible").last.locator(
                    ".ant-select-item-option, .ant-select-dropdown-menu-item")  # antd 4-5, 2-3 (not the a11y list)
                await options.first.wait_for(state="visible", timeout=SHORT_MS)
                texts = await options.evaluate_all(
                    "els => els.map(e => (e.getAttribute('title') || e.innerText || '').trim())")
                await self.page.keyboard.press("Escape")
                return list(dict.fromkeys(t for t in texts if t))
            except PlaywrightError as e:
                log.info("the options of '%s' could not be read (try %d): %s", field_id, attempt,
                         str(e).splitlines()[0])
                await self.page.keyboard.press("Escape")
        return []

    async def _show_target(self, options: list[str]) -> None:
        """Choose the profile's target CRM in the form (never saved), so the fields that follow it
        show; its option text is a brand name, the same in every language."""
        target = self.profile.admin_crm.modules.get(self.profile.admin_crm.target_module, "")
        if target not in options:
            return
        box = self._select(self.profile.cgi.admin_crm_keys["crm_module"])
        try:
            await self._open(box)
            pick = self.page.locator(".ant-select-dropdown:visible").last.get_by_text(target, exact=True)
            await pick.first.click(timeout=SHORT_MS)
            # the rows that follow the CRM System render after the choice
            await self._select(self.profile.cgi.admin_crm_keys["add_unknown"]).wait_for(state="visible",
                                                                                        timeout=SHORT_MS)
        except PlaywrightError:
            self.seen.problems.append("could not show the fields that follow the CRM System")

    async def _shot(self, key: str) -> None:
        """A screenshot with every input masked (password or not: a draft is for sharing)."""
        path = self.out / f"{key}.png"
        try:
            masks = [self.page.locator("input, textarea"), *mask_targets(self.page, self.profile)]
            shot = await self.page.screenshot(mask=masks, full_page=True, timeout=self.timeout_ms)
        except PlaywrightError:
            return
        from ucm_automator.ucm.session import _private_write
        _private_write(path, shot)
        self.seen.screenshots.append(path.name)


def blank(value: Any) -> Any:
    """The shape of a reply, its values blanked: keys and types stay, no value does."""
    if isinstance(value, dict):
        return {k: blank(v) for k, v in value.items()}
    if isinstance(value, list):
        return [blank(v) for v in value[:3]]
    return "" if isinstance(value, str) else None if value is None else type(value).__name__


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
