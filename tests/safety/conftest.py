"""Fixtures for the safety tests (issue #8): a box seeded with canary passwords (50 users), one
fake Zoho for the session, and an `Env` per test (fresh home, inputs kept apart, both servers
reset). Everything runs over real HTTP(S) with the real CLI as a process and a real browser.
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

from fixtures.procs import start_box  # noqa: E402
from fixtures.zohoproc import start_zoho  # noqa: E402
from safety_helpers import Env, write_seed  # noqa: E402


@pytest.fixture(scope="session")
def canary_seed(tmp_path_factory):
    path = tmp_path_factory.mktemp("seed") / "seed.json"
    return path, write_seed(path)


@pytest.fixture(scope="session")
def zoho_server():
    with start_zoho() as z:
        yield z


@pytest.fixture(scope="module")
def box_flags() -> dict:
    """Overridden per module for other box switches."""
    return {}


@pytest.fixture(scope="module")
def box_server(zoho_server, canary_seed, box_flags):
    flags = {"crm_login_delay_ms": 30, "login_max_num": 5, **box_flags}
    with start_box(seed=str(canary_seed[0]), zoho_url=zoho_server.url, **flags) as b:
        yield b


@pytest.fixture
def env(box_server, zoho_server, canary_seed, tmp_path):
    box_server.control(reset=True)
    zoho_server.reset()
    yield Env(box_server, zoho_server, tmp_path, canary_seed[1])
    box_server.assert_no_sessions()  # every command ends every session it opened, failures too
