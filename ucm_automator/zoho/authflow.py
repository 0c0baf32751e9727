"""The authorization path: send the user's browser to Zoho's consent page and catch the
redirect that carries the grant code — on a one-shot loopback listener when the redirect URI
is http://127.0.0.1:PORT/… or localhost, else from the URL the user pastes.

The redirect is trusted only when its `state` is ours, and the code is exchanged only at an
`accounts-server` that is a known Zoho accounts host (a forged redirect must not make us send
the client secret elsewhere).
"""

from __future__ import annotations

import secrets as pysecrets
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Optional
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import SecretStr

from ucm_automator.errors import BadInput
from ucm_automator.redact import secret
from ucm_automator.zoho import errors as E
from ucm_automator.zoho.dc import DataCentre, by_code, trusted_accounts_server

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def new_state() -> str:
    return pysecrets.token_urlsafe(24)


def is_loopback(redirect_uri: str) -> bool:
    parts = urlsplit(redirect_uri)
    return parts.scheme == "http" and (parts.hostname or "") in LOOPBACK_HOSTS


def auth_url(dc: DataCentre, client_id: str, scopes: str, redirect_uri: str, state: str) -> str:
    query = urlencode(
        {
            "scope": scopes,
            "client_id": client_id,
            "response_type": "code",
            "access_type": "offline",
            "prompt": "consent",  # else Zoho sends a refresh token only on the first consent
            "redirect_uri": redirect_uri,
            "state": state,
        }
    )
    return f"{dc.accounts_url}/oauth/v2/auth?{query}"


_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>ucmauto</title></head>"
    "<body><h1>{title}</h1><p>You can close this tab and go back to the terminal.</p></body></html>"
)


class LoopbackListener:
    """A one-shot HTTP server on the redirect URI; port 0 binds a free port."""

    def __init__(self, redirect_uri: str) -> None:
        parts = urlsplit(redirect_uri)
        self._parts = parts
        self.path = parts.path or "/"
        self._got: Optional[dict[str, str]] = None
        self._event = threading.Event()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                url = urlsplit(self.path)
                params = dict(parse_qsl(url.query))
                if url.path != listener.path or not ({"code", "error"} & params.keys()):
                    self.send_error(404)
                    return
                title = "Zoho said: " + params["error"] if "error" in params else "ucmauto got the code"
                body = _PAGE.format(title=title.replace("<", "")).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                if not listener._event.is_set():
                    listener._got = params
                    listener._event.set()

            def log_message(self, *args: object) -> None:  # the query holds the code: never log it
                pass

        host = "127.0.0.1" if parts.hostname == "localhost" else (parts.hostname or "127.0.0.1")
        server_cls = HTTPServer
        if ":" in host:
            import socket

            class V6Server(HTTPServer):
                address_family = socket.AF_INET6

            server_cls = V6Server
        try:
            self._server = server_cls((host, parts.port or 0), Handler)
        except OSError as e:
            raise BadInput(
                f"cannot listen on {host}:{parts.port or 0} for the redirect ({e.strerror}); "
                "pick another port in --redirect-uri (port 0 = any free one)"
            ) from None
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.1,), daemon=True)

    @property
    def redirect_uri(self) -> str:
        """The redirect URI with the real port (what the auth URL and the exchange must send)."""
        p = self._parts
        host = f"[{p.hostname}]" if ":" in (p.hostname or "") else p.hostname
        return urlunsplit((p.scheme, f"{host}:{self.port}", p.path or "/", "", ""))

    def __enter__(self) -> "LoopbackListener":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait(self, timeout_s: float) -> dict[str, str]:
        if not self._event.wait(timeout_s):
            raise E.ZohoTimeout(
                f"no redirect from the browser within {timeout_s:g} s; run again, open the URL "
                "and click Accept in time (or raise --listen-timeout)"
            )
        assert self._got is not None
        return self._got


def params_from_redirect(text: str) -> dict[str, str]:
    """The query of the redirect URL the user copied from the browser's address bar."""
    query = urlsplit(text).query if "://" in text else text.lstrip("?")
    params = dict(parse_qsl(query))
    if "code" in params:
        secret(params["code"])
    return params


def code_from_redirect(
    params: dict[str, str], state: str, dc: DataCentre, override: Optional[str]
) -> tuple[SecretStr, DataCentre]:
    """The grant code and the data centre to exchange it at, after every check."""
    got_state = params.get("state")
    if "error" in params and got_state in (None, state):
        if params["error"] == "access_denied":
            raise E.AccessDenied(
                "Zoho says access_denied: the consent was rejected, or Zoho limits grant codes "
                "(10 per 10 minutes per client); run again and click Accept, or wait 10 minutes"
            )
        raise E.ZohoError(f"Zoho redirected with error '{params['error']}' instead of a code")
    if not pysecrets.compare_digest(got_state or "", state):
        raise E.StateMismatch(
            "the redirect's state does not match the one this run sent (a stale or forged "
            "redirect); nothing was exchanged — run again and use the new URL"
        )
    if not params.get("code"):
        raise E.BadReply("the redirect has no code; copy the whole URL the browser was sent to")
    code = secret(params["code"])
    location = params.get("location")
    target = by_code(location) if location else None
    server = params.get("accounts-server")
    if server:
        trusted = trusted_accounts_server(server, override)
        if trusted is None:
            raise E.UntrustedServer(
                f"the redirect names accounts-server {server.split('?')[0]}, which is not a known "
                "Zoho accounts host; refusing to send the client secret there"
            )
        base = target or dc
        dc = replace(base, accounts_url=trusted, overridden=trusted != base.accounts_url)
    elif target and not dc.overridden:
        dc = target
    return code, dc
