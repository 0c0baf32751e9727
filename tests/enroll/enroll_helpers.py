"""Helpers for the enrolment tests: the CLI as a real process, tokens minted at the fake Zoho and
stored through the token module's library API, inventories, and box-state readers."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from pydantic import SecretStr

from ucm_automator.zoho.store import TokenRecord, TokenStore

ROOT = Path(__file__).resolve().parents[2]
US, EU = "1000.DEMOCLIENTUS", "1000.DEMOCLIENTEU"
SCOPES = "ZohoCRM.modules.ALL,ZohoCRM.settings.ALL,ZohoCRM.users.ALL"


@dataclass
class Result:
    rc: int
    out: str
    err: str

    def json(self) -> dict[str, Any]:
        return json.loads(self.out)

    def assert_no(self, *secrets: Optional[str]) -> None:
        for s in secrets:
            if s:
                assert s not in self.out and s not in self.err, "a secret leaked into the output"


class Env:
    def __init__(self, box, zoho, tmp: Path) -> None:
        self.box, self.zoho, self.tmp = box, zoho, tmp
        self.home = tmp / "home"
        self.store_path = self.home / "ucmauto" / "tokens.json"
        self.journal_dir = self.home / "ucmauto" / "journal"
        self.tokens: dict[str, str] = {}  # extension -> refresh token (to check nothing leaks)
        self.client_secret = zoho.client_secret(US, "us")

    # ---- arranging -------------------------------------------------------------------------

    def admin_crm(self, server: str) -> None:
        self.box.control(set_admin_crm={"crm_module": "zohov2", "crm_addr": server, "number_add": "contacts",
                                        "first_search": "contacts"}, apply=True)

    def password(self, ext: str) -> str:
        return self.box.password(ext)

    def token(self, ext: str, *, dc: str = "us", client: str = US, store: bool = True, scopes: str = SCOPES) -> str:
        """A refresh token for its own Zoho user, stored under the name `ext` (as `token exchange --name`)."""
        email = f"user{ext}@example.com"
        self.zoho.add_user(dc, email, f"User {ext}")
        raw = self.zoho.refresh_token(client, email, scopes, dc=dc)
        if store:
            TokenStore(self.store_path).save(TokenRecord(
                dc=dc, client_id=client, user=email, name=ext, user_name=f"User {ext}",
                accounts_url=self.zoho.accounts_url(dc), api_domain=self.zoho.api_url(dc), scopes=scopes,
                created_at=time.time()), SecretStr(raw))
        self.tokens[ext] = raw
        return raw

    def revoke(self, raw: str, dc: str = "us") -> None:
        import urllib.parse
        import urllib.request

        data = urllib.parse.urlencode({"token": raw}).encode()
        with urllib.request.urlopen(urllib.request.Request(self.zoho.revoke_url(dc), data=data), timeout=10) as r:
            assert json.loads(r.read())["status"] == "success"

    def inventory(self, exts: list[str], *, name: str = "users.csv", passwords: Optional[dict[str, str]] = None,
                  rows: Optional[list[dict[str, str]]] = None) -> Path:
        """A CSV inventory; each user's password in its own 0600 file. `rows`: extra rows as they are."""
        pw_dir = self.tmp / "pw"
        pw_dir.mkdir(exist_ok=True)
        out = [dict(r) for r in rows or []]
        for ext in exts:
            f = pw_dir / f"{ext}.pass"
            f.write_text((passwords or {}).get(ext, self.password(ext)) + "\n")
            f.chmod(0o600)
            out.append({"extension": ext, "name": self.box_name(ext), "password_file": str(f)})
        path = self.tmp / name
        order = {"extension": 0, "name": 1}
        fields = sorted({k for r in out for k in r}, key=lambda k: (order.get(k, 2), k))
        with path.open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=fields)
            w.writeheader()
            w.writerows(out)
        return path

    def password_file(self, ext: str) -> str:
        f = self.tmp / "pw" / f"{ext}.pass"
        f.parent.mkdir(exist_ok=True)
        f.write_text(self.password(ext))
        f.chmod(0o600)
        return str(f)

    def box_name(self, ext: str) -> str:
        return self.state()["users"][ext]["name"]

    # ---- running ---------------------------------------------------------------------------

    def env(self, **extra: str) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("UCMAUTO_")}
        base.update(
            XDG_CONFIG_HOME=str(self.home), HOME=str(self.home), PYTHONUNBUFFERED="1",
            UCMAUTO_UCM=self.box.url, UCMAUTO_FINGERPRINT=self.box.fingerprint,
            UCMAUTO_ZOHO_CLIENT_SECRET=self.client_secret, UCMAUTO_TIMEOUT_S="15",
            UCMAUTO_RATE_LIMIT_BACKOFF_S="0.2", UCMAUTO_ARTIFACTS_DIR=str(self.tmp / "artifacts"),
        )
        base.update(extra)
        return base

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "ucm_automator", *args]

    def run(self, *args: str, stdin: str = "", timeout: float = 240, **extra: str) -> Result:
        p = subprocess.run(self.argv(*args), cwd=ROOT, env=self.env(**extra), input=stdin, capture_output=True,
                           text=True, timeout=timeout)
        return Result(p.returncode, p.stdout, p.stderr)

    def start(self, *args: str, **extra: str) -> subprocess.Popen:
        return subprocess.Popen(self.argv(*args), cwd=ROOT, env=self.env(**extra), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    # ---- reading the box -------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        return self.box.state()

    def user(self, ext: str) -> dict[str, Any]:
        return self.state()["users"][ext]

    def counters(self, ext: str) -> dict[str, Any]:
        return self.state()["counters"]["users"].get(ext) or {"logins": 0, "failed_logins": 0, "saves": {},
                                                               "applies": 0, "crm_logins": 0}

    def saves(self, ext: str) -> int:
        return sum(self.counters(ext)["saves"].values())

    def journal_events(self) -> list[dict[str, Any]]:
        out = []
        for f in sorted(self.journal_dir.glob("*.jsonl")):
            out += [json.loads(ln) for ln in f.read_text().splitlines() if ln.strip()]
        return out
