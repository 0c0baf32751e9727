"""The command line as an admin meets it: `ucmauto` run as a real process against the UCM test
box (one per module, reset before each test), with its own HOME, config and state dirs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

from cli_helpers import Cli  # noqa: E402
from fixtures.procs import BoxProcess, start_box  # noqa: E402


@pytest.fixture(scope="module")
def module_box():
    with start_box(crm_login_delay_ms=50) as b:
        yield b


@pytest.fixture
def box(module_box: BoxProcess) -> BoxProcess:
    module_box.control(reset=True)
    return module_box


@pytest.fixture
def cli(box: BoxProcess, tmp_path: Path):
    c = Cli(box, tmp_path)
    yield c
    c.assert_no_session_left()
