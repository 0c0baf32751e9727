"""Zoho Accounts OAuth over HTTP: exchange a grant code, refresh, revoke, and ask CRM who the
token belongs to.

Zoho answers most errors with HTTP 200 and an `error` key, and the throttle with 200 or 400, so
every reply is parsed as JSON whatever its status. Nothing here retries: a retry loop is what
prolongs Zoho's throttle. Codes and tokens travel only in form bodies and headers, never in URLs
or messages.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional, Union

import requests
from pydantic import SecretStr

from ucm_automator.redact import secret
from ucm_automator.zoho import errors as E
from ucm_automator.zoho.dc import DataCentre

log = logging.getLogger(__name__)
TIMEOUT = (5.0, 20.0)  # (connect, read) seconds
THROTTLE_HINT = (
    "wait about 10 minutes without retrying (each retry can extend the block), then run once"
)


@dataclass(frozen=True)
class TokenReply:
    access_token: SecretStr
    refresh_token: Optional[SecretStr]
    api_domain: str
    expires_at: float  # epoch seconds
    scope: Optional[str]  # as Zoho granted it, comma-separated; None when not said


@dataclass(frozen=True)
class CurrentUser:
    email: str
    full_name: str
    user_id: str


def expiry_seconds(body: dict[str, Any]) -> float:
    """Lifetime in seconds; the legacy shape carries `expires_in_sec` and `expires_in` in ms."""
    if "expires_in_sec" in body:
        return float(body["expires_in_sec"])
    value = float(body.get("expires_in", 3600))
    return value / 1000 if value > 86400 else value


class ZohoOAuth:
    def __init__(
        self,
        dc: DataCentre,
        client_id: str,
        client_secret: Union[SecretStr, Callable[[], SecretStr], None] = None,
        *,
        session: Optional[requests.Session] = None,
        timeout: tuple[float, float] = TIMEOUT,
    ) -> None:
        self.dc = dc
        self.client_id = client_id
        self._secret = client_secret  # a callable is asked on first need (a prompt, a keyring)
        self.session = session or requests.Session()
        self.timeout = timeout

    @property
    def client_secret(self) -> Optional[SecretStr]:
        if callable(self._secret):
            self._secret = self._secret()
        return self._secret

    @property
    def where(self) -> str:
        return f"data centre '{self.dc.code}' ({self.dc.accounts_url})"

    # --- token endpoint -------------------------------------------------------------------
    def exchange_code(
        self, code: SecretStr, redirect_uri: Optional[str] = None, *, how_to_retry: str = ""
    ) -> TokenReply:
        form = self._client_form("authorization_code")
        form["code"] = code.get_secret_value()
        if redirect_uri:
            form["redirect_uri"] = redirect_uri
        body = self._post_token(form, redirect_uri=redirect_uri, refreshing=False, retry=how_to_retry)
        if not body.get("refresh_token"):
            raise E.BadReply(
                f"Zoho exchanged the code but sent no refresh token ({self.where}); "
                "the code must be made for offline access (Self Client codes are)"
            )
        return self._reply(body)

    def refresh(self, refresh_token: SecretStr) -> TokenReply:
        form = self._client_form("refresh_token")
        form["refresh_token"] = refresh_token.get_secret_value()
        return self._reply(self._post_token(form, redirect_uri=None, refreshing=True))

    def revoke(self, token: SecretStr) -> bool:
        """True when Zoho revoked it, False when Zoho did not know it (HTTP 400)."""
        url = f"{self.dc.accounts_url}/oauth/v2/token/revoke"
        resp = self._send("POST", url, data={"token": token.get_secret_value()})
        if resp.status_code == 400:
            return False
        body = self._json(resp, url)
        if body.get("status") == "success":
            return True
        raise self._error_for(body, refreshing=True, redirect_uri=None, retry="")

    # --- CRM -------------------------------------------------------------------------------
    def current_user(self, access_token: SecretStr, api_domain: str) -> CurrentUser:
        url = f"{api_domain.rstrip('/')}/crm/v2/users"
        headers = {"Authorization": f"Zoho-oauthtoken {access_token.get_secret_value()}"}
        resp = self._send("GET", url, params={"type": "CurrentUser"}, headers=headers)
        if resp.status_code == 204:
            raise E.BadReply(f"Zoho CRM at {api_domain} answered no current user (HTTP 204)")
        body = self._json(resp, url)
        if resp.status_code == 401 or body.get("status") == "error":
            code = str(body.get("code", ""))
            if code == "OAUTH_SCOPE_MISMATCH":
                raise E.ScopeMismatch("the token's scopes do not allow ZohoCRM users (CurrentUser)")
            if code == "INVALID_TOKEN":
                raise E.AccessTokenRejected(
                    f"Zoho CRM at {api_domain} rejected the access token (INVALID_TOKEN)"
                )
            raise E.ZohoError(
                f"Zoho CRM at {api_domain} refused the CurrentUser call ({code or resp.status_code})"
            )
        users = body.get("users") if isinstance(body, dict) else None
        if not users or not isinstance(users[0], dict):
            raise E.BadReply(f"Zoho CRM at {api_domain} answered CurrentUser without a user")
        u = users[0]
        return CurrentUser(str(u.get("email", "")), str(u.get("full_name", "")), str(u.get("id", "")))

    # --- plumbing --------------------------------------------------------------------------
    def _client_form(self, grant_type: str) -> dict[str, str]:
        if self.client_secret is None:
            raise E.ZohoError("internal: a client secret is needed for this call")
        return {
            "grant_type": grant_type,
            "client_id": self.client_id,
            "client_secret": self.client_secret.get_secret_value(),
        }

    def _post_token(
        self, form: dict[str, str], *, redirect_uri: Optional[str], refreshing: bool, retry: str = ""
    ) -> dict[str, Any]:
        url = f"{self.dc.accounts_url}/oauth/v2/token"
        log.info("POST %s grant_type=%s", url, form["grant_type"])
        body = self._json(self._send("POST", url, data=form), url)
        if body.get("access_token"):
            return body
        raise self._error_for(body, refreshing=refreshing, redirect_uri=redirect_uri, retry=retry)

    def _reply(self, body: dict[str, Any]) -> TokenReply:
        refresh = body.get("refresh_token")
        scope = body.get("scope")
        return TokenReply(
            access_token=secret(str(body["access_token"])),
            refresh_token=secret(str(refresh)) if refresh else None,
            api_domain=str(body.get("api_domain") or self.dc.api_domain).rstrip("/"),
            expires_at=time.time() + expiry_seconds(body),
            scope=",".join(str(scope).replace(",", " ").split()) if scope else None,
        )

    def _send(self, method: str, url: str, **kw: Any) -> requests.Response:
        try:
            return self.session.request(method, url, timeout=self.timeout, allow_redirects=False, **kw)
        except requests.Timeout:
            raise E.ZohoTimeout(
                f"Zoho at {_site(url)} did not answer within {self.timeout[1]:g} s; "
                "check the network or proxy and run again"
            ) from None
        except requests.ConnectionError as e:
            text = str(e)
            if any(s in text for s in ("NameResolution", "Name or service", "getaddrinfo", "nodename")):
                why = "its name does not resolve (DNS)"
            else:
                why = "the connection failed"
            raise E.Unreachable(
                f"cannot reach Zoho at {_site(url)}: {why}; check --zoho-dc / "
                "--zoho-accounts-url, the network and any proxy"
            ) from None

    def _json(self, resp: requests.Response, url: str) -> dict[str, Any]:
        if resp.status_code >= 500:
            raise E.ServerError(
                f"Zoho at {_site(url)} answered HTTP {resp.status_code} (a server error); "
                "try again later"
            )
        try:
            body = resp.json()
        except ValueError:
            kind = resp.headers.get("Content-Type", "no content type").split(";")[0]
            raise E.BadReply(
                f"Zoho at {_site(url)} answered HTTP {resp.status_code} with {kind}, not JSON; "
                "check --zoho-dc / --zoho-accounts-url and any proxy in between"
            ) from None
        if not isinstance(body, dict):
            raise E.BadReply(f"Zoho at {_site(url)} answered JSON that is not an object")
        return body

    def _error_for(
        self, body: dict[str, Any], *, refreshing: bool, redirect_uri: Optional[str], retry: str
    ) -> E.ZohoError:
        err = str(body.get("error", ""))
        if err == "Access Denied" or (body.get("status") == "failure" and body.get("error_description")):
            return E.Throttled(f"Zoho is throttling requests for this client at {self.where}: {THROTTLE_HINT}")
        if err == "invalid_client":
            return E.InvalidClient(
                f"Zoho says the client id {self.client_id} is unknown in {self.where}: check "
                "--zoho-dc matches where the client was created, and the client id"
            )
        if err == "invalid_client_secret":
            return E.InvalidClientSecret(
                f"Zoho says the client secret is wrong for client {self.client_id} in {self.where}: "
                "copy it again from the API console (Client Secret tab) of that data centre"
            )
        if err == "invalid_redirect_uri":
            return E.RedirectUriMismatch(
                f"Zoho says the redirect URI '{redirect_uri or '(none sent)'}' does not match the "
                "one registered for the client: it must match exactly (scheme, host, port, path, "
                "trailing slash); fix --redirect-uri or the client in the API console"
            )
        if err == "invalid_code" and refreshing:
            return E.RefreshTokenInvalid(
                f"Zoho says the refresh token is no longer valid in {self.where} (revoked, or "
                "evicted because its Zoho user made more than 20): get a new one with "
                "`ucmauto token exchange` and put it on the UCM"
            )
        if err == "invalid_code":
            return E.GrantCodeInvalid(
                f"Zoho says the grant code is expired, already used or not from {self.where}: "
                + (retry or "make a new one in the API console (Self Client → Generate Code) "
                   "and run again within its lifetime")
            )
        if err:
            return E.ZohoError(f"Zoho answered error '{err}' at {self.where}")
        return E.BadReply(f"Zoho answered without a token or an error at {self.where}")


def _site(url: str) -> str:
    """The URL without query, for messages."""
    return url.split("?")[0]
