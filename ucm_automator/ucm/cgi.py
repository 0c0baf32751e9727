"""The `/cgi` replies the GUI receives: how we know a click worked, without reading toasts.

A UCM's GUI posts every action to `/cgi` (form-encoded POST or GET query) and gets
`{"status": int, "response": {...}}` back. Page objects wrap a click in `reply_to(...)` to get
the reply that click caused; `CgiWatcher` keeps the last reply per action for things the page
fetches on its own (getCRMSettings on load, checkInfo's need_apply).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Optional
from urllib.parse import parse_qs, urlsplit

from playwright.async_api import Page, Request, Response
from playwright.async_api import TimeoutError as PlaywrightTimeout

from ucm_automator.ucm import errors as E
from ucm_automator.ucm.profile import FirmwareProfile


@dataclass
class CgiReply:
    action: str
    status: Optional[int]  # None: no JSON reply (HTTP error, proxy page, broken body)
    response: dict[str, Any] = field(default_factory=dict)
    http_status: int = 200

    @property
    def ok(self) -> bool:
        return self.status == 0


def action_of(request: Request, cgi_path: str) -> Optional[str]:
    parts = urlsplit(request.url)
    if parts.path != cgi_path:
        return None
    params = parse_qs(parts.query)
    if request.method == "POST":
        try:
            params.update(parse_qs(request.post_data or ""))
        except UnicodeDecodeError:  # a binary upload is no action we follow
            return None
    values = params.get("action")
    return values[0] if values else None


async def parse_reply(response: Response, action: str) -> CgiReply:
    if not response.ok:
        return CgiReply(action, None, {}, response.status)
    try:
        data = json.loads(await response.text())
        status = int(data.get("status"))
    except (ValueError, TypeError, AttributeError):
        return CgiReply(action, None, {}, response.status)
    body = data.get("response")
    return CgiReply(action, status, body if isinstance(body, dict) else {}, response.status)


async def reply_to(
    page: Page,
    profile: FirmwareProfile,
    action: str,
    trigger: Callable[[], Awaitable[Any]],
    timeout_ms: float,
) -> CgiReply:
    """Run `trigger` (a click, a navigation) and return the reply to the `action` it causes."""
    path = profile.cgi.path
    try:
        async with page.expect_response(
            lambda r: action_of(r.request, path) == action, timeout=timeout_ms
        ) as info:
            await trigger()
        response = await info.value
    except PlaywrightTimeout:
        raise E.UcmTimeout(
            f"the box did not answer '{action}' within {timeout_ms / 1000:g} s after the click"
        ) from None
    return await parse_reply(response, action)


class CgiWatcher:
    """Remembers the last reply per action the page received (only the `keep` actions, when
    given: reading a body is a round trip to the browser), and which are still in flight."""

    def __init__(self, page: Page, profile: FirmwareProfile, keep: Optional[set[str]] = None) -> None:
        self._path, self._keep = profile.cgi.path, keep
        self.last: dict[str, CgiReply] = {}
        self._in_flight: dict[str, int] = {}
        self._settled = asyncio.Event()
        self._settled.set()
        page.on("request", self._on_request)
        page.on("requestfinished", self._on_done)
        page.on("requestfailed", self._on_done)
        page.on("response", self._on_response)

    def _on_request(self, request: Request) -> None:
        action = action_of(request, self._path)
        if action:
            self._in_flight[action] = self._in_flight.get(action, 0) + 1
            self._settled.clear()

    def _on_done(self, request: Request) -> None:
        action = action_of(request, self._path)
        if action and self._in_flight.get(action):
            self._in_flight[action] -= 1
            if not any(self._in_flight.values()):
                self._settled.set()

    async def _on_response(self, response: Response) -> None:
        action = action_of(response.request, self._path)
        if not action or (self._keep is not None and action not in self._keep):
            return
        try:
            reply = await parse_reply(response, action)
        except Exception:  # noqa: BLE001 - the page may close under us; nothing to record then
            return
        self.last[action] = reply

    def in_flight(self, action: str) -> bool:
        return bool(self._in_flight.get(action))

    async def settle(self, action: str, timeout_s: float) -> None:
        """Wait (bounded) until no request for `action` is in flight."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while self.in_flight(action) and loop.time() < deadline:
            self._settled.clear()
            try:
                await asyncio.wait_for(self._settled.wait(), timeout=max(0.0, deadline - loop.time()))
            except asyncio.TimeoutError:
                return


def error_for(profile: FirmwareProfile, reply: CgiReply, doing: str) -> E.UcmError:
    """The typed error for a failed reply; `doing` says what we were doing ("saving the CRM page")."""
    if reply.status is None:
        return E.UcmHttpError(f"the box answered HTTP {reply.http_status} while {doing}")
    meaning = profile.cgi.meaning(reply.status)
    text = meaning.text if meaning else "the box refused"
    kind = meaning.kind if meaning else "rejected"
    line = f"{text} (status {reply.status}) while {doing}"
    cls = {
        "expired": E.SessionExpired,
        "rate_limited": E.RateLimited,
        "apply_refused": E.ApplyRefused,
        "apply_failed": E.ApplyRefused,
        "no_permission": E.NoPermission,
        "too_many_sessions": E.TooManySessions,
        "wrong_password": E.LoginWrongPassword,
        "banned": E.LoginBanned,
        "banned_forever": E.LoginBanned,
        "unknown_user": E.LoginUnknownUser,
    }.get(kind, E.SaveRejected)
    return cls(line)


def expect_reply(page: Page, profile: FirmwareProfile, action: str, timeout_ms: float) -> asyncio.Future:
    """Start listening for the next `action` response; await it (or race it) after the trigger."""
    path = profile.cgi.path
    return asyncio.ensure_future(
        page.wait_for_event("response", lambda r: action_of(r.request, path) == action, timeout=timeout_ms)
    )


async def first_of(tasks: dict[str, "asyncio.Future[Any]"]) -> tuple[Optional[str], Any]:
    """(name, result) of the first task to succeed, (None, None) if all fail; cancels the rest."""
    try:
        pending = set(tasks.values())
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for name, task in tasks.items():
                if task in done and not task.cancelled() and task.exception() is None:
                    return name, task.result()
        return None, None
    finally:
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)
