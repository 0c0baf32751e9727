"""Helpers for the admin-setup tests: run `ucmauto admin-setup` in-process, read the box."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fixtures.procs import BoxProcess
from ucm_automator.cli import main

ADMIN = "admin"
WANT = ["--server-address", "eu", "--lookups", "leads,accounts,contacts", "--add-unknown", "leads"]


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.out)


class Admin:
    """Runs `ucmauto admin-setup` against one box, as a user with their own home would."""

    def __init__(self, box: BoxProcess, home: Path, monkeypatch, capsys) -> None:
        self.box, self.home, self.capsys = box, home, capsys
        self.known_hosts = home / "known_hosts"
        self.artifacts = home / "artifacts"
        for key in [k for k in os.environ if k.startswith("UCMAUTO_")]:
            monkeypatch.delenv(key)
        monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
        monkeypatch.setenv("UCMAUTO_ADMIN_PASSWORD", box.password(ADMIN))
        monkeypatch.setenv("UCMAUTO_KNOWN_HOSTS", str(self.known_hosts))
        monkeypatch.setenv("UCMAUTO_ARTIFACTS_DIR", str(self.artifacts))
        monkeypatch.setenv("UCMAUTO_RATE_LIMIT_BACKOFF_S", "0.05")
        self.monkeypatch = monkeypatch

    def trust(self) -> None:
        host = self.box.url.split("://", 1)[1]
        self.known_hosts.write_text(f"{host} {self.box.fingerprint}\n")

    def __call__(self, *args: str, ucm: str | None = None, timeout: float = 10, trust: bool = True) -> Outcome:
        if trust and not self.known_hosts.exists():
            self.trust()
        argv = ["admin-setup", "--ucm", ucm or self.box.url, "--timeout", str(timeout), "--no-input", *args]
        self.capsys.readouterr()
        try:
            main(argv)
            code = 0
        except SystemExit as e:
            code = int(e.code or 0)
        got = self.capsys.readouterr()
        return Outcome(code, got.out, got.err)


def crm(state: dict[str, Any], which: str = "saved") -> dict[str, str]:
    return state["admin_crm"][which]


def counters(state: dict[str, Any]) -> dict[str, Any]:
    return state["counters"]
