"""Shared test setup: the browser pytest-playwright launches is the one ucmauto itself finds."""

from __future__ import annotations

import pytest

from ucm_automator.browser import launch_options


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    opts = launch_options()
    return {**browser_type_launch_args, **opts}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # The test box's certificate is self-signed and made at its first start.
    return {**browser_context_args, "ignore_https_errors": True}
