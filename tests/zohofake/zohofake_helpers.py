"""Constants and helpers shared by the fake Zoho tests (a unique module name, imported by the tests)."""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

US_ID = "1000.DEMOCLIENTUS"
US_SECRET = "democlientus0secret0000000000000000000000"
EU_ID = "1000.DEMOCLIENTEU"
EU_SECRET = "democlienteu0secret0000000000000000000000"
MULTI_ID = "1000.DEMOMULTIDC"
MULTI_SECRET = "demomultidc0secret00000000000000000000000"
ALL_SCOPES = "ZohoCRM.modules.ALL,ZohoCRM.settings.ALL,ZohoCRM.users.ALL"
TOKEN_CT = "application/json;charset=UTF-8"


class Api:
    """Small helpers around requests for the tests."""

    def __init__(self, zoho):
        self.zoho = zoho
        self.s = requests.Session()

    def token(self, dc="us", _query=None, **form):
        return self.s.post(self.zoho.token_url(dc), data=form, params=_query, timeout=10)

    def exchange(self, code, dc="us", client_id=US_ID, secret=US_SECRET, **extra):
        return self.token(dc, grant_type="authorization_code", client_id=client_id,
                          client_secret=secret, code=code, **extra)

    def refresh(self, rt, dc="us", client_id=US_ID, secret=US_SECRET):
        return self.token(dc, grant_type="refresh_token", client_id=client_id,
                          client_secret=secret, refresh_token=rt)

    def revoke(self, token, dc="us", in_query=False):
        if in_query:
            return self.s.post(self.zoho.revoke_url(dc), params={"token": token}, timeout=10)
        return self.s.post(self.zoho.revoke_url(dc), data={"token": token}, timeout=10)

    def crm(self, path, token=None, dc="us", header=None, **params):
        headers = {}
        if header is not None:
            headers["Authorization"] = header
        elif token is not None:
            headers["Authorization"] = f"Zoho-oauthtoken {token}"
        return self.s.get(self.zoho.api_url(dc) + path, headers=headers, params=params, timeout=10)

    def current_user(self, token, dc="us", version="v2"):
        return self.crm(f"/crm/{version}/users", token, dc=dc, type="CurrentUser")

    def new_tokens(self, email="alice@example.com", scopes=ALL_SCOPES, dc="us", client_id=US_ID, secret=US_SECRET):
        code = self.zoho.grant(client_id, email, scopes, dc=dc)
        r = self.exchange(code, dc=dc, client_id=client_id, secret=secret)
        body = r.json()
        assert "access_token" in body, body
        return body


class Listener:
    """A tiny local HTTP server that plays the redirect target and records each request."""

    def __init__(self):
        self.hits: list[str] = []
        self.event = threading.Event()
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.hits.append(self.path)
                body = b"<html><body>callback received</body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                outer.event.set()

            def log_message(self, *a):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def callback(self) -> str:
        return f"http://127.0.0.1:{self.port}/callback"

    def wait(self, timeout=10) -> str:
        assert self.event.wait(timeout), "the redirect never reached the listener"
        return self.hits[-1]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
