"""Helpers for fleet tests: three test boxes with seeded users, one fake Zoho, tokens stored per
box (BOX/EXT), a fleet inventory, and the CLI as a real process."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from pydantic import SecretStr

from ucm_automator.zoho.store import TokenRecord, TokenStore

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "fixtures" / "ucmbox" / "seed.json"
US = "1000.DEMOCLIENTUS"
SCOPES = "ZohoCRM.modules.ALL,ZohoCRM.settings.ALL,ZohoCRM.users.ALL"
NAMES = ("acme", "globex", "initech")


def exts(n: int) -> list[str]:
    return [str(1001 + i) for i in range(n)]


def write_seed(path: Path, n: int) -> None:
    """The bundled seed with `n` extension users 1001.. (password Fleet<ext>pw)."""
    seed = json.loads(SEED.read_text("utf-8"))
    seed["users"] = [{"extension": e, "name": f"user{e}", "full_name": f"User {e}", "password": f"Fleet{e}pw",
                      "user_id": i + 1} for i, e in enumerate(exts(n))]
    seed["user_crm"] = {}
    path.write_text(json.dumps(seed), "utf-8")


def start_boxes(stack: ExitStack, zoho_url: str, tmp: Path, n_users: int, count: int = 3) -> list:
    from fixtures.procs import start_box

    boxes = []
    for i in range(count):
        seed = tmp / f"seed{i}.json"
        write_seed(seed, n_users)
        boxes.append(stack.enter_context(start_box(zoho_url=zoho_url, crm_login_delay_ms=100, seed=str(seed),
                                                   login_max_num=5)))
    return boxes


@dataclass
class Result:
    rc: int
    out: str
    err: str

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(ln) for ln in self.out.splitlines() if ln.strip()]


class Fleet:
    def __init__(self, boxes: list, zoho, tmp: Path, n_users: int) -> None:
        self.boxes, self.zoho, self.tmp, self.n = boxes, zoho, tmp, n_users
        self.names = list(NAMES[: len(boxes)])
        self.home = tmp / "home"
        self.store_path = self.home / "ucmauto" / "tokens.json"
        self.client_secret = zoho.client_secret(US, "us")
        self.secrets: list[str] = [self.client_secret]
        self.inventory = tmp / "fleet.toml"

    def box(self, name: str):
        return self.boxes[self.names.index(name)]

    def arrange(self, admin_passwords: Optional[dict[str, str]] = None, users: Optional[int] = None) -> Path:
        """Tokens for every user of every box, password files, users CSVs, fleet.toml."""
        pw = self.tmp / "secrets"
        pw.mkdir(exist_ok=True, mode=0o700)
        store = TokenStore(self.store_path)
        blocks = []
        for name, box in zip(self.names, self.boxes):
            admin_pw = (admin_passwords or {}).get(name, box.password("admin"))
            _private(pw / f"{name}.admin", admin_pw + "\n")
            self.secrets.append(box.password("admin"))
            rows = []
            for ext in exts(users or self.n):
                _private(pw / f"{name}-{ext}.pass", box.password(ext) + "\n")
                rows.append({"extension": ext, "name": f"user{ext}", "password_file": f"secrets/{name}-{ext}.pass"})
                email = f"u{ext}@{name}.example.com"
                self.zoho.add_user("us", email, f"User {ext} of {name}")
                raw = self.zoho.refresh_token(US, email, SCOPES, dc="us")
                store.save(TokenRecord(dc="us", client_id=US, user=email, name=f"{name}/{ext}",
                                       user_name=f"User {ext}", accounts_url=self.zoho.accounts_url("us"),
                                       api_domain=self.zoho.api_url("us"), scopes=SCOPES, created_at=time.time()),
                           SecretStr(raw))
                self.secrets += [raw, box.password(ext)]
            with (self.tmp / f"{name}.csv").open("w", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=["extension", "name", "password_file"])
                w.writeheader()
                w.writerows(rows)
            blocks.append(f'[[boxes]]\nname = "{name}"\nurl = "{box.url}"\nfingerprint = "{box.fingerprint}"\n')
        self.inventory.write_text(
            '[defaults]\nadmin_password_file = "secrets/{box}.admin"\nusers = "{box}.csv"\n'
            'server_address = "zoho.com"\nlookups = ["contacts"]\nadd_unknown = "contacts"\n'
            f'zoho_dc = "us"\nclient_id = "{US}"\n\n' + "\n".join(blocks))
        return self.inventory

    def env(self, **extra: str) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("UCMAUTO_")}
        base.update(XDG_CONFIG_HOME=str(self.home), HOME=str(self.home), PYTHONUNBUFFERED="1",
                    UCMAUTO_ZOHO_CLIENT_SECRET=self.client_secret, UCMAUTO_TIMEOUT_S="15",
                    UCMAUTO_RATE_LIMIT_BACKOFF_S="0.2", UCMAUTO_ARTIFACTS_DIR=str(self.tmp / "artifacts"))
        base.update(extra)
        return base

    def run(self, *args: str, timeout: float = 240, input: Optional[str] = None, **extra: str) -> Result:
        p = subprocess.run([sys.executable, "-m", "ucm_automator", *args], cwd=ROOT, env=self.env(**extra),
                           capture_output=True, text=True, timeout=timeout, input=input,
                           stdin=None if input is not None else subprocess.DEVNULL)
        return Result(p.returncode, p.stdout, p.stderr)

    def assert_no_secret(self, r: Result) -> None:
        for s in self.secrets:
            assert s not in r.out and s not in r.err, "a secret leaked into the output"

    def assert_no_sessions(self) -> None:
        for name, box in zip(self.names, self.boxes):
            if box.proc.poll() is None:
                assert box.state()["sessions"] == 0, f"box {name} has a session left open"


def _private(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o600)
