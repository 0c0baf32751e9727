"""Three test boxes (10 users each) and the session's fake Zoho; each test starts from the seed."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from fleet_helpers import Fleet, start_boxes  # noqa: E402

USERS = 10


@pytest.fixture(scope="module")
def three_boxes(zoho_server, tmp_path_factory):
    with ExitStack() as stack:
        yield start_boxes(stack, zoho_server.url, tmp_path_factory.mktemp("boxes"), USERS)


@pytest.fixture
def fleet(three_boxes, zoho_server, tmp_path):
    for b in three_boxes:
        if b.proc.poll() is None:
            b.control(reset=True)
    zoho_server.reset()
    f = Fleet(three_boxes, zoho_server, tmp_path, USERS)
    yield f
    f.assert_no_sessions()
