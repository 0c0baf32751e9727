"""Running `ucmauto` as a process, and reading what it left on stderr, stdout and the box."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from ucm_automator.zoho.store import TokenRecord, TokenStore

ROOT = Path(__file__).resolve().parents[2]
US = "1000.DEMOCLIENTUS"


@dataclass
class Result:
    rc: int
    out: str
    err: str

    def line(self) -> str:
        """The one `ucmauto:` line a failure prints."""
        lines = [ln for ln in self.err.splitlines() if ln.startswith("ucmauto: ")]
        assert len(lines) == 1, self.err
        return lines[0]

    def json(self) -> Any:
        return json.loads(self.out)


class Cli:
    def __init__(self, box: Any, tmp: Path) -> None:
        self.box, self.tmp = box, tmp
        self.home = tmp / "home"
        self.home.mkdir()

    def env(self, **extra: str) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("UCMAUTO_")}
        base.update(HOME=str(self.home), XDG_CONFIG_HOME=str(self.home / "config"),
                    XDG_STATE_HOME=str(self.home / "state"), PYTHONUNBUFFERED="1", NO_PROXY="*",
                    UCMAUTO_UCM=self.box.url, UCMAUTO_FINGERPRINT=self.box.fingerprint, UCMAUTO_TIMEOUT_S="15")
        base.update(extra)
        return base

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "ucm_automator", *args]

    def run(self, *args: str, stdin: str = "", timeout: float = 120, **extra: str) -> Result:
        p = subprocess.run(self.argv(*args), cwd=self.tmp, env=self.env(**extra), input=stdin, capture_output=True,
                           text=True, timeout=timeout)
        return Result(p.returncode, p.stdout, p.stderr)

    def start(self, *args: str, **extra: str) -> subprocess.Popen:
        """Started in its own process group, as a shell's job is: Ctrl-C signals the whole group."""
        return subprocess.Popen(self.argv(*args), cwd=self.tmp, env=self.env(**extra), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)

    def store_token(self, ext: str, raw: str = "", accounts_url: str = "https://accounts.zoho.com",
                    api_domain: str = "https://www.zohoapis.com") -> None:
        """A stored token for `ext` (by default a made-up one: for runs that stop before Zoho)."""
        TokenStore(self.home / "config" / "ucmauto" / "tokens.json").save(TokenRecord(
            dc="us", client_id=US, user=f"user{ext}@example.com", name=ext, user_name=f"User {ext}",
            accounts_url=accounts_url, api_domain=api_domain, scopes="ZohoCRM.users.ALL",
            created_at=time.time()), SecretStr(raw or f"1000.stored-{ext}-refresh"))

    def logins(self) -> int:
        return int(self.box.state()["counters"]["global"]["logins"])

    def assert_no_session_left(self) -> None:
        self.box.wait_for(lambda st: st["sessions"] == 0, timeout=10)
