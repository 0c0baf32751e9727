"""Operating antd's custom widgets the way a person does: by what they show.

A Form row is found by its `<label>` text, then the control inside that row. An antd Select is
not a native `<select>`: it opens a dropdown at the end of `<body>`, so we open it, read the
options shown and click the one whose text is exactly the wanted one. A Transfer is two lists
with checkboxes and arrow buttons; we build the wanted order deliberately and read it back.

No generated CSS class names are used. Where the DOM gives no role or label we rely on HTML
semantics that antd documents and keeps across versions (list items are `<li>`, an option's
full text is in its `title`); a Transfer's arrow is the one button that ticking items enables.
"""

from __future__ import annotations

import asyncio
import re
from typing import Awaitable, Callable, TypeVar, Union

from playwright.async_api import Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from ucm_automator.ucm.errors import OptionNotFound, PageNotFound, VerifyFailed

Scope = Union[Page, Locator]
T = TypeVar("T")
CONTROLS = ".//input or .//textarea or .//button or .//*[@role='combobox'] or .//*[@role='checkbox'] or .//li"


def label_pattern(text: str) -> re.Pattern[str]:
    return re.compile(rf"^\s*{re.escape(text)}\s*:?\s*$")


def xpath_literal(text: str) -> str:
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return "concat(" + ", \"'\", ".join(f"'{p}'" for p in text.split("'")) + ")"


def form_row(scope: Scope, label: str) -> Locator:
    """The smallest element holding the row's `<label>` and a control: the Form.Item row."""
    lab = scope.locator("label").filter(has_text=label_pattern(label)).filter(visible=True)
    return lab.locator(f"xpath=ancestor::*[{CONTROLS}][1]").first


async def visible_texts(items: Locator) -> list[str]:
    texts = await items.filter(visible=True).all_inner_texts()
    return [t.strip() for t in texts if t.strip()]


async def wait_until(probe: Callable[[], Awaitable[T]], ok: Callable[[T], bool], timeout_s: float) -> T:
    """Bounded poll: re-read `probe` until `ok` or the deadline; returns the last value read."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    value = await probe()
    while not ok(value) and loop.time() < deadline:
        await asyncio.sleep(0.05)  # poll interval, not a wait for the GUI
        value = await probe()
    return value


async def find_row(page: Page, label: str, where: str, timeout_ms: float) -> Locator:
    row = form_row(page, label)
    try:
        await row.wait_for(state="visible", timeout=timeout_ms)
    except PlaywrightTimeout:
        seen = await visible_texts(page.locator("label"))
        raise PageNotFound(
            f"no field labelled '{label}' on {where}; labels seen: {', '.join(seen) or '(none)'} "
            "(fix the label in the firmware profile)"
        ) from None
    return row


# ---- form errors -------------------------------------------------------------------------

# A field the form refuses: antd 4/5 mark its control aria-invalid and the message role=alert;
# antd 2/3 do neither and only show the message under the field. Every antd major names that
# message element "explain" inside a row marked "has-error", so that is the fallback.
_UNDER_FIELD = "form [class*='has-error'] [class*='explain']"


def refused_fields(page: Page) -> Locator:
    """The visible marks of fields the form refuses (aria-invalid, or the error text under one)."""
    return page.locator(f"form [aria-invalid='true'], {_UNDER_FIELD}").filter(visible=True)


async def field_errors(page: Page) -> list[str]:
    """The messages shown under refused fields (role=alert where antd sets it)."""
    return await visible_texts(page.locator("form [role=alert]")) or await visible_texts(page.locator(_UNDER_FIELD))


# ---- antd Select -------------------------------------------------------------------------

_SHOWN_JS = """combo => {
  // climb inside the control's own area (never up to the row holding the <label>)
  let el = combo;
  while (el.parentElement && !el.parentElement.querySelector('label')) el = el.parentElement;
  const shown = el.querySelector('[title]');
  return shown ? shown.getAttribute('title').trim() : '';
}"""


async def select_shown(row: Locator) -> str:
    """The text a Select shows as chosen ('' when empty); antd puts it in a `title`."""
    return await row.get_by_role("combobox").first.evaluate(_SHOWN_JS)


async def _options(page: Page, combo: Locator) -> Locator:
    # the open dropdown is the element the combobox says it controls (antd renders a listbox
    # with that id inside the dropdown); without that we look at the whole page
    lid = await combo.get_attribute("aria-controls") or await combo.get_attribute("aria-owns")
    popup: Scope = page.locator(f"[id='{lid}']").locator("xpath=..") if lid else page
    # virtual lists draw the visible rows without role=option (they carry aria-selected); the
    # hidden accessibility copies have no size, so `visible` keeps the drawn rows only
    return popup.locator("[role=option], [aria-selected]").filter(visible=True)


async def _option_texts(options: Locator) -> list[str]:
    return await options.evaluate_all(
        "els => els.map(e => (e.getAttribute('title') || e.innerText || '').trim())"
    )


async def _open(combo: Locator, timeout_ms: float, click_first: bool = False) -> None:
    # antd 4/5 draw the chosen text over the (transparent) combobox input, so a pointer click on
    # the input is "intercepted"; a person tabbing in and pressing Enter opens it the same on every
    # antd version. A click on whatever is drawn there is the other way; antd 2/3's combobox is the
    # drawn box itself, so a profile saying so (gui.antd) tries the click first.
    async def by_keyboard() -> None:
        await combo.focus()
        await combo.press("Enter")

    async def by_pointer() -> None:
        try:  # a person's click (antd 2 opens only on that); where the drawn text is in the way,
            await combo.click(timeout=min(2000, timeout_ms))
        except PlaywrightTimeout:  # the click on whatever is drawn over the input
            await combo.click(force=True)

    expanded = lambda: combo.get_attribute("aria-expanded")  # noqa: E731
    first, then = (by_pointer, by_keyboard) if click_first else (by_keyboard, by_pointer)
    await first()
    if await wait_until(expanded, lambda v: v == "true", min(2.0, timeout_ms / 1000)) != "true":
        await then()


async def choose(page: Page, row: Locator, wanted: str, field: str, timeout_ms: float,
                 click_first: bool = False) -> bool:
    """Pick the option whose text is exactly `wanted`; False when it was already chosen."""
    if await select_shown(row) == wanted:
        return False
    combo = row.get_by_role("combobox").first
    await _open(combo, timeout_ms, click_first)
    options = await _options(page, combo)
    # the dropdown animates in (and is measured off-screen first): poll until options show
    if not await wait_until(lambda: _option_texts(options), bool, timeout_ms / 1000):
        raise PageNotFound(f"the '{field}' list did not open")
    seen: list[str] = []
    for _ in range(50):  # a virtual list shows a window of options: scroll until nothing new
        texts = await wait_until(lambda: _option_texts(options), bool, 1.0)
        if wanted in texts:
            await options.filter(has_text=label_pattern(wanted)).first.click()
            break
        new = [t for t in texts if t not in seen]
        if not new:
            await page.keyboard.press("Escape")
            raise OptionNotFound(
                f"no option '{wanted}' in '{field}'; options seen: {', '.join(seen) or '(none)'} "
                "(fix the option text in the firmware profile)"
            )
        seen += new
        await options.last.hover()  # scroll the list under the pointer, as a person would
        await page.mouse.wheel(0, 200)
    shown = await wait_until(lambda: select_shown(row), lambda s: s == wanted, timeout_ms / 1000)
    if shown != wanted:
        raise VerifyFailed(f"'{field}' shows '{shown}' after choosing '{wanted}'")
    return True


# ---- antd Transfer -----------------------------------------------------------------------


class Transfer:
    """The two lists of a Transfer, found by their column titles inside a form row."""

    def __init__(self, page: Page, row: Locator, left: str, right: str, field: str, timeout_ms: float):
        self.page, self.field, self.timeout_ms = page, field, timeout_ms
        self.left_title, self.right_title = left, right
        lt, rt = xpath_literal(left), xpath_literal(right)
        title = row.get_by_text(left, exact=True).first
        # the Transfer itself: the nearest element holding both column titles
        self.root = title.locator(f"xpath=ancestor::*[.//text()[normalize-space()={rt}]][1]")
        self.left = self.root.locator(f"xpath=./*[.//text()[normalize-space()={lt}]]")
        self.right = self.root.locator(f"xpath=./*[.//text()[normalize-space()={rt}]]")
        between = self.root.locator(
            f"xpath=./*[not(.//text()[normalize-space()={lt}]) and not(.//text()[normalize-space()={rt}])]"
        )
        self.buttons = between.get_by_role("button")

    async def ready(self, where: str) -> None:
        try:
            await self.left.wait_for(state="visible", timeout=self.timeout_ms)
            await self.right.wait_for(state="visible", timeout=self.timeout_ms)
        except PlaywrightTimeout:
            raise PageNotFound(
                f"'{self.field}' on {where} has no lists titled '{self.left_title}' and '{self.right_title}'"
            ) from None

    @staticmethod
    async def items(column: Locator) -> list[str]:
        return await column.locator("li").filter(visible=True).evaluate_all(
            "els => els.map(e => (e.getAttribute('title') || e.innerText || '').trim())"
        )

    async def selected(self) -> list[str]:
        return await self.items(self.right)

    async def _enabled_buttons(self) -> list[int]:
        return [i for i, b in enumerate(await self.buttons.all()) if await b.is_enabled()]

    async def _move(self, column: Locator, texts: list[str], usual: int) -> None:
        """Tick `texts` in `column` and press the arrow that moves them: the one button the ticks
        enabled (antd 2 has [to left, to right], later majors [to right, to left]); `usual`, the
        index in antd 3-5's documented order, only when that is not clear."""
        for text in texts:
            await column.locator("li").filter(has_text=label_pattern(text)).first.click()
        enabled = await wait_until(self._enabled_buttons, bool, self.timeout_ms / 1000)
        await self.buttons.nth(enabled[0] if len(enabled) == 1 else usual).click()

    async def _add(self, text: str) -> list[str]:
        if text not in await self.items(self.left):
            seen = await self.items(self.left) + await self.selected()
            raise OptionNotFound(f"no item '{text}' in '{self.field}'; items seen: {', '.join(seen)}")
        await self._move(self.left, [text], usual=0)
        return await wait_until(self.selected, lambda s: text in s, self.timeout_ms / 1000)

    async def _clear(self) -> None:
        current = await self.selected()
        if current:
            await self._move(self.right, current, usual=1)
            await wait_until(self.selected, lambda s: not s, self.timeout_ms / 1000)

    async def arrange(self, wanted: list[str]) -> bool:
        """Make the right list hold exactly `wanted`, top to bottom; False if it already did."""
        if await self.selected() == wanted:
            return False
        await self._clear()
        # antd 2-5 put moved items at the TOP (their sources agree); a GUI that appends them at
        # the bottom is handled too: add the last wanted item first, and switch to forward order if
        # the second one lands at the bottom
        order = list(reversed(wanted))
        for i, text in enumerate(order):
            now = await self._add(text)
            if i == 1 and now[0] != text:
                await self._clear()
                for again in wanted:
                    await self._add(again)
                break
        final = await self.selected()
        if final != wanted:
            raise VerifyFailed(
                f"'{self.field}' holds {', '.join(final) or '(none)'} after arranging {', '.join(wanted)}"
            )
        return True
