"""One browser per UCM, any number of contexts in it, and what is kept when something fails.

The certificate pin is a launch flag, so a browser serves one box; user enrolment (#5) opens
one context per portal user in the same browser and runs them concurrently. Failure artifacts
are a screenshot with every password and secret field masked plus a text file with the URL,
both 0600. Playwright traces are written only on request: they hold typed secrets and cookies.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from playwright.async_api import Browser, BrowserContext, Error as PlaywrightError, Locator, Page, Playwright
from playwright.async_api import async_playwright

from ucm_automator.browser import launch_options
from ucm_automator.redact import redact
from ucm_automator.secrets import without_secret_env
from ucm_automator.ucm.pages.widgets import form_row
from ucm_automator.ucm.profile import FirmwareProfile
from ucm_automator.ucm.trust import Trust

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SessionOptions:
    base_url: str
    trust: Trust
    timeout_s: float = 30.0
    artifacts_dir: Path = Path("artifacts")
    trace: bool = False


# antd animates menus, toasts, checkboxes and spinners for 0.2-0.3 s; a headless browser renders
# every frame of it, about a third of a user's CPU. 1 ms (not none) keeps the transitionend /
# animationend events antd's motion waits for, so widgets still settle. Only inside the app's
# root: popups (dropdown menus, Select lists) are portals after it, and antd 5 never moves a
# popup from its off-screen start when its motion is cut (the user-name menu stayed at -9000 px). Only where the profile
# says so (user_crm.calm_motion): a Select that places its popup during the animation can end
# up off-screen without it.
CALM_MOTION = """(() => {
  const app = 'body > div:first-of-type';  // the app; popups are portals appended after it
  const css = `${app} *, ${app} *::before, ${app} *::after { transition-duration: 1ms !important; transition-delay: 0s !important;
    animation-duration: 1ms !important; animation-delay: 0s !important;
    animation-iteration-count: 1 !important; scroll-behavior: auto !important; }`;
  const add = () => {
    const style = document.createElement('style');
    style.textContent = css;
    (document.head || document.documentElement).appendChild(style);
  };
  if (document.documentElement) add(); else document.addEventListener('DOMContentLoaded', add);
})();"""


# The GUI reads its language from localStorage when it loads, else takes the box's country
# (spec §2): set the profile's before any of its scripts run, on every load of every page.
SET_LANGUAGE = """(([key, lang]) => {
  try { if (localStorage.getItem(key) !== lang) localStorage.setItem(key, lang); } catch (e) {}
})(%s);"""

# The page objects' field keys whose inputs hold secrets (their labels come from the profile).
SECRET_FIELDS = ("client_secret", "refresh_token", "crm_password", "security_token")


def mask_labels(profile: FirmwareProfile) -> list[str]:
    """The labels of every secret field: the ones the page objects find the fields by, plus the
    profile's extra secret labels; the screenshot masks and the leak tests use this one list."""
    labels = [profile.user_crm.labels[k] for k in SECRET_FIELDS if k in profile.user_crm.labels]
    return list(dict.fromkeys(labels + list(profile.secrets.field_labels)))


def mask_targets(page: Page, profile: FirmwareProfile) -> list[Locator]:
    """Password inputs (also one whose eye toggle made it text), then every secret field's input."""
    masks = [page.locator("input[type=password]"),
             page.get_by_placeholder(profile.login.password_placeholder, exact=True)]
    return masks + [form_row(page, label).locator("input, textarea") for label in mask_labels(profile)]


def _private_write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, 0o600)  # an existing file keeps its old mode otherwise


def _no_driver_debug_log() -> None:
    """Playwright's driver logs `fill("<the password>")` when $DEBUG names its namespaces
    (pw:api, pw:*, *), to stderr or $DEBUG_FILE, past the redactor: the driver never gets that."""
    value = os.environ.get("DEBUG", "")
    if "pw" in value or "*" in value:
        os.environ.pop("DEBUG", None)
        os.environ.pop("DEBUG_FILE", None)
        log.warning("DEBUG=%s ignored: Playwright's debug log would show typed passwords; use -v", value)


def _with(stem: Path, suffix: str) -> Path:
    return stem.parent / (stem.name + suffix)  # (with_suffix would eat a dotted target name)


async def launch_browser(pins: list[str]) -> tuple[Playwright, Browser]:
    """Playwright's driver and one headless Chromium; `pins`: the only server keys it accepts (base64
    SHA-256 of each SPKI, for any name), none: the usual certificate checks (or a context's
    ignore_https_errors)."""
    with without_secret_env():  # finding the browser runs it (`--version`)
        opts = launch_options()
    if pins:
        opts["args"] = [*opts["args"], "--ignore-certificate-errors-spki-list=" + ",".join(pins)]
    # Ctrl-C and SIGTERM are ours to handle: the runs log their sessions out before the browser
    # goes (Playwright would close it at once, mid-logout)
    opts.update(handle_sigint=False, handle_sigterm=False, handle_sighup=False)
    _no_driver_debug_log()  # the driver copies this process's environment when it starts
    with without_secret_env():  # ... and the browser the driver's
        pw = await async_playwright().start()
    try:
        return pw, await pw.chromium.launch(**opts)
    except BaseException:
        await pw.stop()
        raise


async def close_browser(pw: Optional[Playwright], browser: Optional[Browser]) -> None:
    try:
        if browser:
            await browser.close()
    finally:
        if pw:
            await pw.stop()


class BrowserSession:
    def __init__(self, options: SessionOptions, profile: FirmwareProfile) -> None:
        self.options = options
        self.profile = profile
        self._pw: Optional[Playwright] = None
        self._browser: Optional[Browser] = None
        # accounts whose password the box accepted in this run: a lost login reply for one of
        # them cannot be a counted wrong password, so that login may be sent again (ucm/gui.py)
        self.proven_logins: set[str] = set()

    @property
    def timeout_ms(self) -> float:
        return self.options.timeout_s * 1000

    async def __aenter__(self) -> "BrowserSession":
        pin = self.options.trust.spki_pin
        self._pw, self._browser = await launch_browser([pin] if pin else [])
        return self

    async def __aexit__(self, *exc: object) -> None:
        await close_browser(self._pw, self._browser)

    async def new_context(self, calm_motion: bool = False, set_language: bool = True) -> BrowserContext:
        """`set_language`: the GUI in the profile's language; False: in the box's own (the probe)."""
        assert self._browser, "use BrowserSession as an async context manager"
        ctx = await self._browser.new_context(
            base_url=self.options.base_url,
            ignore_https_errors=self.options.trust.insecure,
            locale=self.profile.language,  # the GUI ignores it (localStorage decides); the browser's own texts
            viewport={"width": 1366, "height": 900},
        )
        ctx.set_default_timeout(self.timeout_ms)
        ctx.set_default_navigation_timeout(self.timeout_ms)
        if set_language:
            await ctx.add_init_script(script=SET_LANGUAGE % json.dumps([self.profile.locale.storage_key,
                                                                         self.profile.language]))
        if calm_motion:
            await ctx.add_init_script(script=CALM_MOTION)
        if self.options.trace:
            await ctx.tracing.start(screenshots=True, snapshots=True)
        return ctx

    async def close_context(self, ctx: BrowserContext, name: str, failed: bool) -> list[Path]:
        """Close a context; keep its trace (if tracing) and return the files written."""
        written: list[Path] = []
        try:
            if self.options.trace:
                path = _with(self._artifact_path(name, "trace"), ".zip")
                await ctx.tracing.stop(path=str(path))
                os.chmod(path, 0o600)
                written.append(path)
            await ctx.close()
        except PlaywrightError:
            pass  # the browser may already be gone; nothing left to keep
        return written

    def _artifact_path(self, name: str, kind: str) -> Path:
        folder = Path(self.options.artifacts_dir)
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "ucm"
        now = time.time()
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now)) + f"-{int(now * 1000) % 1000:03d}"
        return folder / f"{stamp}-{safe}-{kind}"

    async def save_failure(self, page: Page, name: str, what: str) -> list[Path]:
        """A text note (URL, title, error) and a screenshot with secrets masked; never raises."""
        written: list[Path] = []
        try:
            stem = self._artifact_path(name, "failure")  # one name for the note and the picture
            title = "" if page.is_closed() else await page.title()
            note = _with(stem, ".txt")
            _private_write(note, redact(f"url: {page.url}\ntitle: {title}\nerror: {what}\n").encode())
            written.append(note)
            if page.is_closed():
                return written
            shot = await page.screenshot(mask=mask_targets(page, self.profile), full_page=True, timeout=self.timeout_ms)
            _private_write(_with(stem, ".png"), shot)
            written.append(_with(stem, ".png"))
        except (PlaywrightError, OSError):
            pass  # artifacts help diagnose; their own failure must not hide the real error
        return written
