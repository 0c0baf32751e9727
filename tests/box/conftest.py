"""Fixtures for the UCM test box tests: real HTTPS against a started box, no mocks.

``shared_box``: one box per session (fast background login); ``box``: that box reset before each test.
Tests that need other command-line flags start their own with ``start_box``.
"""
from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fixtures.procs import BoxProcess, CgiClient, start_box  # noqa: E402

ADMIN = "admin"


def poll(fn, timeout: float = 10.0, interval: float = 0.05, what: str = "condition"):
    """Call ``fn`` until it returns something truthy; bounded by ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} not reached within {timeout} s")
        time.sleep(interval)


@pytest.fixture(scope="session")
def shared_box():
    with start_box(crm_login_delay_ms=30, fault_seed=7) as b:
        yield b


@pytest.fixture
def box(shared_box: BoxProcess) -> BoxProcess:
    shared_box.control(reset=True)
    return shared_box


@pytest.fixture
def admin(box: BoxProcess) -> CgiClient:
    c = box.client()
    assert c.login(ADMIN, box.password(ADMIN))["status"] == 0
    return c


def user_client(box: BoxProcess, ext: str) -> CgiClient:
    c = box.client()
    reply = c.login(ext, box.password(ext))
    assert reply["status"] == 0, reply
    return c


@pytest.fixture(name="poll")
def poll_fixture():
    return poll


@pytest.fixture
def login_as(box: BoxProcess):
    """``login_as("1001")`` -> a logged-in client of the shared box."""
    return lambda name: user_client(box, name)


class TokenStub:
    """Answers POST /accounts/{dc}/oauth/v2/token: an access token for refresh_token 1000.good*,
    Zoho's HTTP-200 error body otherwise, and non-JSON for refresh_token 'html'."""

    def __init__(self):
        self.calls: list[dict] = []
        stub = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(n).decode()).items()}
                stub.calls.append({"path": self.path, "form": form,
                                   "ctype": self.headers.get("Content-Type", "")})
                if not self.path.endswith("/oauth/v2/token"):
                    body, ctype, code = b"not found", "text/plain", 404
                elif form.get("refresh_token") == "html":
                    body, ctype, code = b"<html>oops</html>", "text/html", 500
                elif form.get("grant_type") == "refresh_token" and form.get("refresh_token", "").startswith("1000.good"):
                    body, ctype, code = json.dumps({"access_token": "1000.at", "api_domain": "https://www.zohoapis.eu",
                                                    "token_type": "Bearer", "expires_in": 3600}).encode(), \
                        "application/json", 200
                else:
                    body, ctype, code = json.dumps({"error": "invalid_code"}).encode(), "application/json", 200
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def stub():
    s = TokenStub()
    yield s
    s.close()
