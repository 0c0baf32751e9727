"""One browser process for a whole fleet run, and a per-box session that opens its contexts in it.

The single-box session pins the box's certificate with a launch flag. Chromium's
`--ignore-certificate-errors-spki-list` takes a comma-separated list, so the shared browser is
launched with the public-key pins of every box of the run, each proven beforehand against the
inventory's fingerprint or known_hosts (ucm/trust.py). What that does not give: per-context
trust. A certificate of box A would also be accepted at box B's address, so an attacker who
holds box A's private key could stand in for box B. Chromium offers no per-context pin, and
`ignore_https_errors` (per context) would accept any certificate at all, so this is the
narrower of the two. Insecure boxes get `ignore_https_errors` on their own contexts only.
"""

from __future__ import annotations

from typing import Optional

from playwright.async_api import Browser, Playwright

from ucm_automator.ucm.errors import TlsChanged
from ucm_automator.ucm.profile import FirmwareProfile
from ucm_automator.ucm.session import BrowserSession, SessionOptions, close_browser, launch_browser


class SharedBrowser:
    def __init__(self, pins: list[str]) -> None:
        self.pins = sorted(set(p for p in pins if p))
        self._pw: Optional[Playwright] = None
        self.browser: Optional[Browser] = None

    async def __aenter__(self) -> "SharedBrowser":
        self._pw, self.browser = await launch_browser(self.pins)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await close_browser(self._pw, self.browser)

    def session(self, options: SessionOptions, profile: FirmwareProfile) -> "BoxSession":
        """The `make_session` the runner, enrolment and status take."""
        pin = options.trust.spki_pin
        if pin and pin not in self.pins:
            raise TlsChanged(f"{options.base_url}: its certificate changed during the run; run again")
        return BoxSession(options, profile, self)


class BoxSession(BrowserSession):
    """A BrowserSession whose browser belongs to the fleet: entering it starts nothing, leaving it
    closes nothing (each context is closed by whoever opened it)."""

    def __init__(self, options: SessionOptions, profile: FirmwareProfile, shared: SharedBrowser) -> None:
        super().__init__(options, profile)
        self._browser = shared.browser

    async def __aenter__(self) -> "BoxSession":
        return self

    async def __aexit__(self, *exc: object) -> None:
        pass
