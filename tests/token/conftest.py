"""Fixtures for the `ucmauto token` tests: one fake Zoho per session (reset before every
test), a fresh app dir per test, the CLI run as a real process over real HTTP."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

from token_helpers import Cli, Stub  # noqa: E402


@pytest.fixture
def cli(zoho, tmp_path):
    return Cli(tmp_path / "home", zoho)


@pytest.fixture
def stubs():
    made: list[Stub] = []

    def make(mode: str, **kw) -> Stub:
        made.append(Stub(mode, **kw))
        return made[-1]

    yield make
    for s in made:
        s.close()


# `browser` is pytest-playwright's session browser (launch options from tests/conftest.py): one
# sync Playwright per test session, since a second one cannot start while the first runs.
