"""Fixtures for the language tests (issue #13): one box per country (module scope, reset before
each test) and one fake Zoho; the CLI runs as a real process (tests/enroll's Env). Every test
checks afterwards that no session is left on the box, failures included."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for p in (str(ROOT), str(HERE.parent / "enroll")):
    if p not in sys.path:
        sys.path.insert(0, p)

from enroll_helpers import Env  # noqa: E402
from fixtures.procs import start_box  # noqa: E402
from fixtures.zohoproc import start_zoho  # noqa: E402


@pytest.fixture(scope="module")
def zoho_server():
    with start_zoho() as z:
        yield z


@pytest.fixture(scope="module")
def box_flags() -> dict:
    return {}


@pytest.fixture(scope="module")
def box_server(zoho_server, box_flags):
    with start_box(zoho_url=zoho_server.url, crm_login_delay_ms=50, **box_flags) as b:
        yield b


@pytest.fixture
def env(box_server, zoho_server, tmp_path):
    box_server.control(reset=True)
    zoho_server.reset()
    e = Env(box_server, zoho_server, tmp_path)
    try:
        yield e
    finally:
        box_server.assert_no_sessions()
