"""The one place that finds (and, on request, installs) the Chromium the tool drives.

Order: env UCMAUTO_BROWSER, Debian's chromium-headless-shell, Debian's chromium, then
Playwright's own download. `python -m ucm_automator.browser --ensure` installs Debian's
chromium-headless-shell with apt when none is usable (Playwright's download is often
unreachable on locked-down networks); only without apt does it fall back to
`playwright install chromium-headless-shell`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

CANDIDATES = ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium")
ENV = "UCMAUTO_BROWSER"
# Chromium's own QUIC probes are pointless against a PBX and noisy on closed networks.
LAUNCH_ARGS = ["--disable-quic"]


def _usable(path: str) -> bool:
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        return False
    try:
        run = subprocess.run([path, "--version"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return run.returncode == 0


def find_browser() -> str | None:
    """Path of the browser to launch, or None to let Playwright use its own download."""
    env = os.environ.get(ENV)
    if env:
        return env  # the user's explicit choice wins even if it later fails loudly
    for path in CANDIDATES:
        if _usable(path):
            return path
    return None


def check_env() -> None:
    """$UCMAUTO_BROWSER, when set, must name an executable file: said before any login, not as a
    browser error halfway through."""
    from ucm_automator.errors import BadInput, NotFound

    env = os.environ.get(ENV)
    if not env:
        return
    if not os.path.exists(env):
        raise NotFound(f"{ENV}={env} does not exist; point it to a Chromium binary or unset it")
    if not (os.path.isfile(env) and os.access(env, os.X_OK)):
        raise BadInput(f"{ENV}={env} is not an executable file; point it to a Chromium binary or unset it")


def launch_options(headless: bool = True) -> dict:
    """Keyword arguments for `playwright.chromium.launch()`."""
    opts: dict = {"headless": headless, "args": list(LAUNCH_ARGS)}
    path = find_browser()
    if path:
        opts["executable_path"] = path
    return opts


def _playwright_has_own() -> bool:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return False
    try:
        with sync_playwright() as p:
            return Path(p.chromium.executable_path).exists()
    except Exception:  # noqa: BLE001 - any failure means "not usable"
        return False


def ensure_browser() -> str:
    """Make sure a usable browser exists; return a line saying which."""
    path = find_browser()
    if path:
        return f"browser: {path}"
    if _playwright_has_own():
        return "browser: Playwright's own Chromium"
    if shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium-headless-shell"],
            check=True,
            env=env,
        )
    else:
        subprocess.run(
            [sys.executable, "-m", "playwright", "install", "chromium-headless-shell"], check=True
        )
    path = find_browser()
    if path:
        return f"browser: {path} (installed)"
    if _playwright_has_own():
        return "browser: Playwright's own Chromium (installed)"
    raise SystemExit("no usable Chromium after installing; set UCMAUTO_BROWSER to a Chromium binary")


if __name__ == "__main__":
    if "--ensure" in sys.argv[1:]:
        print(ensure_browser())
    else:
        print(find_browser() or "playwright-default")
