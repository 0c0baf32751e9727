"""Fixtures for the enrolment tests: one test box and one fake Zoho per module (reset before each
test), the CLI run as a real process over real HTTP(S) with a real browser. No mocks.

`env` arranges the usual starting state: the admin CRM is Zoho CRM (v2 API) at zoho.com,
applied (through /__box/control, to keep tests fast), and a fresh app dir (known_hosts, token
store, journals) per test.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for p in (str(ROOT), str(HERE)):
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
def box_server(zoho_server):
    # a short background login keeps the tests fast; the poll does not depend on it
    with start_box(zoho_url=zoho_server.url, crm_login_delay_ms=100, login_max_num=5) as b:
        yield b


@pytest.fixture
def env(box_server, zoho_server, tmp_path):
    box_server.control(reset=True)
    zoho_server.reset()
    e = Env(box_server, zoho_server, tmp_path)
    e.admin_crm("zoho.com")
    yield e
    box_server.assert_no_sessions()  # every command ends every session it opened, failures too
