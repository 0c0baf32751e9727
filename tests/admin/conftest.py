"""admin-setup against the UCM test box: real HTTPS, real Chromium, no mocks of our own edges.

One box per test module (started once, reset before each test); `ucmauto` runs in-process
through its real CLI entry point, with its app dir, known_hosts and artifacts in tmp_path.
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

from admin_helpers import Admin  # noqa: E402
from fixtures.procs import BoxProcess, start_box  # noqa: E402


@pytest.fixture(scope="module")
def module_box():
    with start_box(crm_login_delay_ms=30, fault_seed=11) as b:
        yield b


@pytest.fixture
def box(module_box: BoxProcess):
    module_box.control(reset=True)
    yield module_box
    module_box.assert_no_sessions()  # every command ends every session it opened, failures too


@pytest.fixture
def admin(box: BoxProcess, tmp_path: Path, monkeypatch, capsys) -> Admin:
    return Admin(box, tmp_path, monkeypatch, capsys)
