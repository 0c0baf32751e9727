"""Helpers for the safety tests: canary secrets, the CLI as a real process, leak scanning of
everything a run leaves behind (output, files, process argv), and box/journal readers.

Every secret these tests choose contains MARK, so even a fragment of one is found; the secrets
the fake Zoho makes (grant codes, refresh and access tokens) are random and are looked for
whole and by their long dot-separated parts.
"""

from __future__ import annotations

import csv
import json
import os
import secrets as _rnd
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

ROOT = Path(__file__).resolve().parents[2]
MARK = "CNRY"  # in every secret the tests choose
CLIENT = "1000.SAFETYCANARYCLIENT00000000000"  # the fake's client for these tests (DC us)
SCOPES = "ZohoCRM.modules.ALL,ZohoCRM.settings.ALL,ZohoCRM.users.ALL"
N_USERS = 50  # the canary seed's extensions: 1001 … 1050


def canary(kind: str) -> str:
    """A distinctive, strong (the box's rules) secret: CNRY + kind + random."""
    return f"{MARK}{kind}Z{_rnd.token_hex(8)}"


def exts(n: int, first: int = 1001) -> list[str]:
    return [str(first + i) for i in range(n)]


def write_seed(path: Path) -> dict[str, str]:
    """A box seed whose every password is a canary; returns {user: password}."""
    pw = {"admin": canary("admin"), "manager": canary("manager")}
    users = []
    for i, ext in enumerate(exts(N_USERS), start=1):
        pw[ext] = canary(f"user{ext}")
        users.append({"extension": ext, "name": f"u{ext}", "full_name": f"User {ext}", "password": pw[ext],
                      "user_id": i})
    seed = {"admins": [{"user": "admin", "password": pw["admin"], "role": "privilege_0", "user_id": 0},
                       {"user": "manager", "password": pw["manager"], "role": "privilege_1", "user_id": 100}],
            "users": users,
            "admin_crm": {k: "" for k in ("crm_module", "crm_addr", "number_add", "first_search",
                                           "second_search", "third_search")},
            "user_crm": {}}
    path.write_text(json.dumps(seed))
    return pw


@dataclass
class Result:
    argv: list[str]
    rc: int
    out: str
    err: str
    seconds: float = 0.0

    def json(self) -> Any:
        return json.loads(self.out)


class ArgvSampler:
    """Samples /proc/*/cmdline of a process and all its descendants, and the environment of the
    descendants (Playwright's driver, the browser), in a background thread."""

    def __init__(self, root_pid: int, interval: float = 0.05) -> None:
        self.root, self.interval = root_pid, interval
        self.seen: dict[int, str] = {}  # pid -> cmdline (NULs as spaces)
        self.environ: dict[int, str] = {}  # pid -> environment of a child (NULs as newlines)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="argv-sampler", daemon=True)
        self._thread.start()

    def _tree(self) -> set[int]:
        parent: dict[int, int] = {}
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    stat = Path(f"/proc/{d}/stat").read_text()
                    parent[int(d)] = int(stat.rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    pass
        tree, grew = {self.root}, True
        while grew:
            more = {p for p, pp in parent.items() if pp in tree and p not in tree}
            tree |= more
            grew = bool(more)
        return tree

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in self._tree():
                try:
                    raw = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                if raw:
                    self.seen[pid] = raw.replace(b"\0", b" ").decode("utf-8", "replace")
                if pid != self.root and pid not in self.environ:  # ucmauto's own holds what it was given
                    try:
                        env = Path(f"/proc/{pid}/environ").read_bytes().replace(b"\0", b"\n").decode(
                            "utf-8", "replace")
                        self.environ[pid] = f"{self.seen.get(pid, '?')[:100]}\n{env}"
                    except OSError:
                        pass
            self._stop.wait(self.interval)

    def stop(self) -> dict[int, str]:
        self._stop.set()
        self._thread.join(timeout=10)
        return self.seen


class Env:
    """One operator's machine: a home (app dir, journals, store), inputs kept apart, the box and
    the fake Zoho. Remembers every secret it hands out or sees, and every run's output."""

    def __init__(self, box, zoho, tmp: Path, passwords: dict[str, str]) -> None:
        self.box, self.zoho, self.tmp = box, zoho, tmp
        self.home = tmp / "home"
        self.app = self.home / "ucmauto"
        self.store_path = self.app / "tokens.json"
        self.journal_dir = self.app / "journal"
        self.artifacts = tmp / "artifacts"
        self.inputs = tmp / "inputs"  # password and secret files the operator wrote: not scanned
        self.inputs.mkdir(parents=True, exist_ok=True)
        self.inputs.chmod(0o700)
        self.passwords = passwords
        self.results: list[Result] = []
        self.argv_seen: list[str] = []
        self.child_env_seen: list[str] = []
        self.secrets: dict[str, str] = {}  # what -> value; never to be seen outside the store
        self.tokens: dict[str, str] = {}  # refresh and access tokens: allowed in the token store only
        self.client_secret = canary("zohosecret")
        self.zoho.add_client(dc="us", client_id=CLIENT, client_secret=self.client_secret, name="safety")
        self.secrets["zoho client secret"] = self.client_secret
        self.secrets["admin password"] = passwords["admin"]

    # ---- arranging -------------------------------------------------------------------------

    def admin_crm(self, server: str = "zoho.com") -> None:
        self.box.control(set_admin_crm={"crm_module": "zohov2", "crm_addr": server, "number_add": "contacts",
                                        "first_search": "contacts"}, apply=True)

    def email(self, ext: str) -> str:
        return f"u{ext}@example.com"

    def zoho_users(self, extensions: Iterable[str]) -> None:
        for ext in extensions:
            self.zoho.add_user("us", self.email(ext), f"User {ext}")

    def grant(self, ext: str) -> str:
        code = self.zoho.grant(CLIENT, self.email(ext), SCOPES, dc="us")
        self.secrets[f"grant code {ext}"] = code
        return code

    def token(self, ext: str) -> str:
        """A refresh token minted at the fake and stored under the name `ext` (library API)."""
        from pydantic import SecretStr

        from ucm_automator.zoho.store import TokenRecord, TokenStore

        raw = self.zoho.refresh_token(CLIENT, self.email(ext), SCOPES, dc="us")
        TokenStore(self.store_path).save(TokenRecord(
            dc="us", client_id=CLIENT, user=self.email(ext), name=ext, user_name=f"User {ext}",
            accounts_url=self.zoho.accounts_url("us"), api_domain=self.zoho.api_url("us"), scopes=SCOPES,
            created_at=time.time()), SecretStr(raw))
        self.tokens[f"refresh token {ext}"] = raw
        return raw

    def password(self, ext: str) -> str:
        value = self.passwords[ext]
        self.secrets[f"password {ext}"] = value
        return value

    def secret_file(self, name: str, value: str) -> Path:
        f = self.inputs / name
        f.write_text(value + "\n")
        f.chmod(0o600)
        return f

    def inventory(self, extensions: list[str], *, wrong: Optional[dict[str, str]] = None,
                  name: str = "users.csv") -> Path:
        """CSV inventory, each password in its own 0600 file (a wrong one where `wrong` says)."""
        rows = []
        for ext in extensions:
            if wrong and ext in wrong:
                pw = self.secrets[f"wrong password {ext}"] = wrong[ext]
            else:
                pw = self.password(ext)
            rows.append({"extension": ext, "name": f"u{ext}",
                         "password_file": str(self.secret_file(f"{ext}.pass", pw))})
        path = self.inputs / name
        with path.open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=["extension", "name", "password_file"])
            w.writeheader()
            w.writerows(rows)
        return path

    # ---- running ---------------------------------------------------------------------------

    def env(self, **extra: str) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("UCMAUTO_", "PYTHON_KEYRING"))}
        for k in ("DISPLAY", "WAYLAND_DISPLAY"):
            base.pop(k, None)
        base.update(
            XDG_CONFIG_HOME=str(self.home), HOME=str(self.home), PYTHONUNBUFFERED="1", NO_PROXY="*",
            UCMAUTO_DEBUG="1",  # tracebacks (if any) must be redacted too
            UCMAUTO_UCM=self.box.url, UCMAUTO_FINGERPRINT=self.box.fingerprint,
            UCMAUTO_ZOHO_CLIENT_SECRET=self.client_secret, UCMAUTO_TIMEOUT_S="30",
            UCMAUTO_RATE_LIMIT_BACKOFF_S="0.2", UCMAUTO_ARTIFACTS_DIR=str(self.artifacts),
        )
        base.update(extra)
        return {k: v for k, v in base.items() if v is not None}

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "ucm_automator", *args]

    def run(self, *args: str, stdin: str = "", timeout: float = 180, sample_argv: bool = False,
            **extra: str) -> Result:
        argv = self.argv(*args)
        started = time.monotonic()
        proc = subprocess.Popen(argv, cwd=ROOT, env=self.env(**extra), stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        sampler = ArgvSampler(proc.pid) if sample_argv else None
        try:
            out, err = proc.communicate(stdin, timeout=timeout)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
            seen = sampler.stop() if sampler else {}
        self.argv_seen += list(seen.values())
        self.child_env_seen += list(sampler.environ.values()) if sampler else []
        r = Result(argv, proc.returncode, out, err, round(time.monotonic() - started, 2))
        self.results.append(r)
        self.harvest_access_tokens()
        return r

    def start(self, *args: str, **extra: str) -> subprocess.Popen:
        return subprocess.Popen(self.argv(*args), cwd=ROOT, env=self.env(**extra), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def harvest_access_tokens(self) -> None:
        """The access tokens the fake issued to ucmauto are cached in the store: remember them."""
        try:
            data = json.loads(self.store_path.read_text())
        except (OSError, ValueError):
            return
        for rec in data.get("tokens", []):
            for key in ("access_token", "refresh_token"):
                if rec.get(key):
                    self.tokens.setdefault(f"{key} {rec.get('name') or rec.get('user')} {rec[key][:9]}", rec[key])

    # ---- leak scanning ---------------------------------------------------------------------

    def needles(self, *, tokens: bool = True) -> dict[str, str]:
        """What must not appear: every secret, and each long part of the random ones."""
        out = dict(self.secrets)
        if tokens:
            out.update(self.tokens)
        for what, value in list(out.items()):
            if MARK in value:
                continue
            for i, part in enumerate(value.split(".")):
                if len(part) >= 16 and part != value:
                    out[f"{what} (part {i})"] = part
        out["marker"] = MARK  # a fragment of any secret the tests chose
        return out

    def hits(self, text: str, where: str, *, tokens: bool = True) -> list[str]:
        return [f"{what} in {where}" for what, value in self.needles(tokens=tokens).items() if value in text]

    def scan_outputs(self) -> list[str]:
        found = []
        for r in self.results:
            cmd = " ".join(a for a in r.argv[3:] if not a.startswith("/"))
            found += self.hits(r.out, f"stdout of `{cmd}`") + self.hits(r.err, f"stderr of `{cmd}`")
        return found

    def scan_files(self) -> tuple[list[str], list[Path]]:
        """Every file this run could have written (home, artifacts, anything else in tmp but the
        operator's inputs). The token store may hold refresh/access tokens, nothing else."""
        found, scanned = [], []
        for path in sorted(self.tmp.rglob("*")):
            if not path.is_file() or self.inputs in path.parents:
                continue
            scanned.append(path)
            if path.suffix == ".png":
                continue  # pixels: the masks are proven in test_leaks (no OCR here)
            text = path.read_bytes().decode("utf-8", "replace")
            is_store = path == self.store_path or path.name.startswith(f".{self.store_path.name}.")
            found += self.hits(text, str(path.relative_to(self.tmp)), tokens=not is_store)
        return found, scanned

    def scan_argv(self) -> list[str]:
        found = []
        for cmdline in self.argv_seen:
            found += self.hits(cmdline, f"argv `{cmdline[:80]}`")
        return found

    def scan_child_env(self) -> list[str]:
        found = []
        for env in self.child_env_seen:
            found += self.hits(env, f"the environment of a child process `{env.splitlines()[0]}`")
        return found

    # ---- reading the box and the journal ---------------------------------------------------

    def state(self) -> dict[str, Any]:
        return self.box.state()

    def journal_events(self) -> list[dict[str, Any]]:
        out = []
        for f in sorted(self.journal_dir.glob("*.jsonl")):
            for ln in f.read_text().splitlines():
                try:
                    out.append(json.loads(ln))
                except ValueError:
                    pass  # a line cut by a kill mid-write
        return out


def counters(state: dict[str, Any], user: str) -> dict[str, Any]:
    return state["counters"]["users"].get(user) or {"logins": 0, "failed_logins": 0, "saves": {},
                                                    "applies": 0, "crm_logins": 0}


def saves(state: dict[str, Any], user: str) -> int:
    return sum(counters(state, user)["saves"].values())


def poll(predicate, timeout: float, what: str, interval: float = 0.05):
    """Bounded poll: the predicate's truthy value, or AssertionError naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(interval)


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@dataclass
class Snapshot:
    """Per-user box counters at one moment."""

    logins: dict[str, int] = field(default_factory=dict)
    saves: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, state: dict[str, Any], users: Iterable[str]) -> "Snapshot":
        s = cls()
        for u in users:
            s.logins[u] = counters(state, u)["logins"]
            s.saves[u] = saves(state, u)
        return s
