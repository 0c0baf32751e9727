"""Helpers for the `ucmauto token` tests: run the CLI as a real process, read what it prints
while it runs, seed the token store, and tiny HTTP stubs (broken Zoho, slow proxy)."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[2]
US = "1000.DEMOCLIENTUS"
EU = "1000.DEMOCLIENTEU"
FULL = "ZohoCRM.modules.ALL,ZohoCRM.settings.ALL,ZohoCRM.users.ALL"
GRANDSTREAM = "ZohoCRM.modules.leads.ALL,ZohoCRM.modules.deals.ALL,ZohoCRM.settings.ALL"


@dataclass
class Result:
    rc: int
    out: str
    err: str

    @property
    def last_err(self) -> str:
        lines = self.err.strip().splitlines()
        return lines[-1] if lines else ""

    def assert_no(self, *secrets: Optional[str]) -> None:
        for s in secrets:
            if s:
                assert s not in self.out and s not in self.err, "a secret leaked into the output"


class Running:
    """A CLI process whose stderr/stdout are read line by line while it runs."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc
        self.err_lines: "queue.Queue[str]" = queue.Queue()
        self._err: list[str] = []
        self._out: list[str] = []
        self._threads = [
            threading.Thread(target=self._pump, args=(proc.stderr, self._err, True), daemon=True),
            threading.Thread(target=self._pump, args=(proc.stdout, self._out, False), daemon=True),
        ]
        for t in self._threads:
            t.start()

    def _pump(self, stream, sink: list[str], to_queue: bool) -> None:
        for line in stream:
            sink.append(line)
            if to_queue:
                self.err_lines.put(line)

    def wait_for_line(self, needle: str, timeout: float = 15) -> str:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.err_lines.get(timeout=left)
            except queue.Empty:
                break
            if needle in line:
                return line.strip()
        raise AssertionError(f"no line with {needle!r} on stderr: {''.join(self._err)}")

    def send(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text)
        self.proc.stdin.close()

    def finish(self, timeout: float = 30) -> Result:
        rc = self.proc.wait(timeout=timeout)
        for t in self._threads:
            t.join(timeout=5)
        return Result(rc, "".join(self._out), "".join(self._err))


class Cli:
    def __init__(self, home: Path, zoho) -> None:
        self.home = home
        self.zoho = zoho
        self.store = home / "ucmauto" / "tokens.json"

    def env(self, secret: Optional[str], extra: Optional[dict] = None) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("UCMAUTO_", "PYTHON_KEYRING"))}
        env.update(XDG_CONFIG_HOME=str(self.home), PYTHONUNBUFFERED="1", NO_PROXY="*")
        env.pop("DISPLAY", None)
        env.pop("WAYLAND_DISPLAY", None)
        if secret:
            env["UCMAUTO_ZOHO_CLIENT_SECRET"] = secret
        env.update(extra or {})
        return env

    def secret(self, client_id: str = US, dc: str = "us") -> str:
        return self.zoho.client_secret(client_id, dc)

    def dc_args(self, dc: str = "us", client_id: str = US, at: Optional[str] = None) -> list[str]:
        return ["--zoho-dc", dc, "--zoho-accounts-url", self.zoho.accounts_url(at or dc), "--client-id", client_id]

    def run(self, *args: str, input: str = "", secret: Optional[str] = None,
            env: Optional[dict] = None, timeout: float = 40) -> Result:
        cmd = [sys.executable, "-m", "ucm_automator", "-v", "token", *args]
        r = subprocess.run(cmd, input=input, capture_output=True, text=True, cwd=ROOT,
                           env=self.env(secret, env), timeout=timeout)
        return Result(r.returncode, r.stdout, r.stderr)

    def start(self, *args: str, secret: Optional[str] = None, env: Optional[dict] = None) -> Running:
        cmd = [sys.executable, "-m", "ucm_automator", "-v", "token", *args]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, cwd=ROOT, env=self.env(secret, env))
        return Running(proc)

    def exchange(self, email: str = "alice@example.com", scopes: str = FULL, *extra: str,
                 dc: str = "us", client_id: str = US) -> tuple[Result, str]:
        code = self.zoho.grant(client_id, email, scopes, dc=dc)
        r = self.run("exchange", *self.dc_args(dc, client_id), *extra, input=code + "\n",
                     secret=self.secret(client_id, dc))
        return r, code

    def stored(self) -> list[dict]:
        return json.loads(self.store.read_text())["tokens"]


def seed(cli: Cli, email: str = "alice@example.com", name: str = "", dc: str = "us",
         client_id: str = US, scopes: str = FULL, store: Optional[Path] = None) -> str:
    """Store a refresh token minted by the fake, without a cached access token."""
    from ucm_automator.zoho.store import TokenRecord, TokenStore
    from pydantic import SecretStr

    rt = cli.zoho.refresh_token(client_id, email, scopes, dc=dc)
    rec = TokenRecord(dc=dc, client_id=client_id, user=email, name=name,
                      accounts_url=cli.zoho.accounts_url(dc), api_domain=cli.zoho.api_url(dc),
                      scopes=scopes, created_at=time.time())
    TokenStore(store or cli.store).save(rec, SecretStr(rt))
    return rt


def rt_state(zoho, rt: str) -> dict:
    info = zoho.token_info(rt)
    assert info is not None
    return info


class Stub:
    """A local HTTP server standing in for a broken Zoho, or a slow proxy in front of the fake.

    mode: "html" (200 text/html), "500", "hang" (never answers until closed), or "proxy"
    (forwards to `target`; token requests are held until `release` is set, at most 20 s).
    """

    def __init__(self, mode: str, target: str = "") -> None:
        self.release = threading.Event()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if mode == "html":
                    return self._reply(200, b"<html>Service Unavailable</html>", "text/html")
                if mode == "500":
                    return self._reply(500, b'{"error":"internal"}', "application/json")
                if mode == "hang":
                    stub.release.wait(20)  # bounded; the client gives up long before
                    return
                if self.path.endswith("/oauth/v2/token"):
                    stub.release.wait(20)  # a slow Zoho, until the test releases it
                req = urllib.request.Request(target + self.path, data=body or None, method=self.command,
                                             headers={k: v for k, v in self.headers.items()
                                                      if k.lower() in ("content-type", "authorization")})
                try:
                    with urllib.request.urlopen(req, timeout=10) as r:
                        return self._reply(r.status, r.read(), r.headers.get("Content-Type", ""))
                except urllib.error.HTTPError as e:
                    return self._reply(e.code, e.read(), e.headers.get("Content-Type", ""))

            def _reply(self, status: int, body: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _any

            def log_message(self, *a) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.1,), daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
