"""Fixtures for the fake Zoho tests: one fake per session, reset before every test."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

from zohofake_helpers import Api, Listener  # noqa: E402


@pytest.fixture
def api(zoho):
    a = Api(zoho)
    yield a
    a.s.close()


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()
