"""The core scenarios on the box's older antd builds (2, 3, 4): one box (and one fake Zoho) per build, the CLI
run as a real process with a real browser, as in tests/enroll. No mocks."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for p in (str(ROOT), str(ROOT / "tests" / "enroll")):
    if p not in sys.path:
        sys.path.insert(0, p)

from enroll_helpers import Env  # noqa: E402
from fixtures.procs import start_box  # noqa: E402
from fixtures.zohoproc import start_zoho  # noqa: E402


@pytest.fixture(scope="module")
def zoho_server():
    with start_zoho() as z:
        yield z


@pytest.fixture(scope="module", params=[2, 3, 4], ids=["antd2", "antd3", "antd4"])
def antd_box(request, zoho_server):
    # Logout is the real GUI's hover menu on the user name (the box's default logout_style)
    with start_box(antd=request.param, zoho_url=zoho_server.url, crm_login_delay_ms=100) as b:
        b.antd = request.param
        yield b


@pytest.fixture
def env(antd_box, zoho_server, tmp_path):
    antd_box.control(reset=True)
    zoho_server.reset()
    return Env(antd_box, zoho_server, tmp_path)
