"""Shared test setup: the browser pytest-playwright launches is the one ucmauto itself finds."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the fixtures package lives at the repository root
    sys.path.insert(0, str(ROOT))

from fixtures.zohoproc import start_zoho  # noqa: E402
from ucm_automator.browser import launch_options  # noqa: E402


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    opts = launch_options()
    return {**browser_type_launch_args, **opts}


@pytest.fixture(scope="module")
def browser_context_args(device, base_url, playwright):
    # Module scope, as our `playwright` below (pytest-playwright's own is session scoped and asks for
    # `playwright`: a scope mismatch). The test box's certificate is self-signed, made at its first start.
    args = {"ignore_https_errors": True}
    if device:
        args.update(playwright.devices[device])
    if base_url:
        args["base_url"] = base_url
    return args


# pytest-playwright keeps one sync Playwright for the whole session, and while it lives the main
# thread counts as running an event loop: any later in-process `ucmauto` command (asyncio.run)
# fails. One per module instead: it ends with the module that used it, whatever order (or
# xdist worker) the modules run in.
@pytest.fixture(scope="module")
def playwright(_pw_api_request_contexts):
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    if _pw_api_request_contexts:
        _pw_api_request_contexts.instrument(pw)
    yield pw
    pw.stop()


@pytest.fixture(scope="module")
def browser_type(playwright, browser_name):
    return getattr(playwright, browser_name)


@pytest.fixture(scope="module")
def launch_browser(browser_type_launch_args, browser_type):
    return lambda **kw: browser_type.launch(**{**browser_type_launch_args, **kw})


@pytest.fixture(scope="module")
def browser(launch_browser):
    b = launch_browser()
    yield b
    b.close()


@pytest.fixture(scope="session")
def zoho_server():
    """One fake Zoho for the whole session (the token and fake-Zoho tests share it)."""
    with start_zoho() as z:
        yield z


@pytest.fixture
def zoho(zoho_server):
    zoho_server.reset()
    return zoho_server
