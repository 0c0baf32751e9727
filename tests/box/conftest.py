"""Fixtures for the UCM test box tests: real HTTPS against a started box, no mocks.

``shared_box``: one box per session (fast background login); ``box``: that box reset before each test.
Tests that need other command-line flags start their own with ``start_box``.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fixtures.procs import BoxProcess, CgiClient, start_box  # noqa: E402

ADMIN = "admin"


def poll(fn, timeout: float = 10.0, interval: float = 0.05, what: str = "condition"):
    """Call ``fn`` until it returns something truthy; bounded by ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} not reached within {timeout} s")
        time.sleep(interval)


@pytest.fixture(scope="session")
def shared_box():
    with start_box(crm_login_delay_ms=30, fault_seed=7) as b:
        yield b


@pytest.fixture
def box(shared_box: BoxProcess) -> BoxProcess:
    shared_box.control(reset=True)
    return shared_box


@pytest.fixture
def admin(box: BoxProcess) -> CgiClient:
    c = box.client()
    assert c.login(ADMIN, box.password(ADMIN))["status"] == 0
    return c


def user_client(box: BoxProcess, ext: str) -> CgiClient:
    c = box.client()
    reply = c.login(ext, box.password(ext))
    assert reply["status"] == 0, reply
    return c


@pytest.fixture(name="poll")
def poll_fixture():
    return poll


@pytest.fixture
def login_as(box: BoxProcess):
    """``login_as("1001")`` -> a logged-in client of the shared box."""
    return lambda name: user_client(box, name)
