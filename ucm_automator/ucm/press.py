"""Pressing Save: the click that changes a box, owned by the driver layer.

Page objects only locate the Save button and read the form's validation messages; the drivers
(`driver.py` for the admin page, `portal.py` for the user portal) call `press_save()`, the one
place a Save is clicked. It is confirmed by the `/cgi` reply the click causes, not by a toast.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable

from playwright.async_api import Locator, Page

from ucm_automator.ucm import errors as E
from ucm_automator.ucm.cgi import CgiReply, action_of, first_of, parse_reply


async def press_save(
    page: Page,
    button: Locator,
    *,
    actions: tuple[str, ...],
    cgi_path: str,
    invalid: Locator,
    refusal: Callable[[], Awaitable[str]],
    where: str,
    timeout_ms: float,
) -> CgiReply:
    """Click Save; the reply of whichever of `actions` the click caused. A form that marks a field
    invalid instead of sending is a SaveRejected naming its messages."""
    answered = asyncio.ensure_future(page.wait_for_event(
        "response", lambda r: action_of(r.request, cgi_path) in actions, timeout=timeout_ms))
    try:
        await button.click()
    except BaseException:
        answered.cancel()
        await asyncio.gather(answered, return_exceptions=True)
        raise
    refused = asyncio.ensure_future(invalid.first.wait_for(state="visible", timeout=timeout_ms))
    name, value = await first_of({"answered": answered, "refused": refused})
    if name == "answered":
        return await parse_reply(value, action_of(value.request, cgi_path) or actions[0])
    if name == "refused":
        raise E.SaveRejected(f"{where} refused the values: {await refusal()}; nothing was saved")
    raise E.UcmTimeout(f"the box did not answer Save within {timeout_ms / 1000:g} s")
