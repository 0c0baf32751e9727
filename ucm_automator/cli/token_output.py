"""How `ucmauto token …` shows its results: human text (data on stdout, notes on stderr) or
one JSON object. Secrets never pass here except the refresh token behind --show-secret, which
is written raw on purpose (the redactor would mask it)."""

from __future__ import annotations

import json as jsonlib
import os
import sys
import time
from typing import TYPE_CHECKING, Any

from ucm_automator.output import Terminal, mark_json_printed
from ucm_automator.redact import REDACTOR

if TYPE_CHECKING:  # annotations only: the store pulls filelock and requests, which --help must not pay for
    from ucm_automator.zoho.dc import DataCentre
    from ucm_automator.zoho.store import TokenRecord, TokenStore
    from ucm_automator.zoho.tokens import Outcome


def when(epoch: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch)) if epoch else "-"


def self_client_hint(dc: DataCentre, scopes: str) -> str:
    console = f"https://api-console.{dc.domain}" if dc.domain else "the API console"
    return (
        f"Make a grant code in {console} → Self Client → Generate Code (scopes: {scopes}); "
        "paste it below. It is exchanged at once."
    )


def show_auth_url(term: Terminal, url: str, no_browser: bool) -> None:
    term.info("Open this URL in a browser, sign in to Zoho and click Accept:")
    term.info(url)
    # only where a graphical browser can open; a console browser would take over this terminal
    gui = sys.platform in ("darwin", "win32") or os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    if not no_browser and gui:
        import webbrowser  # imported here: only this path opens a browser

        from ucm_automator.secrets import without_secret_env

        try:
            with without_secret_env():  # the user's browser need not inherit the client secret
                webbrowser.open(url)
        except webbrowser.Error:
            pass


def _summary(action: str, o: Outcome, store: TokenStore) -> dict[str, Any]:
    r = o.record
    return {
        "action": action,
        "token": r.label,
        "dc": r.dc,
        "accounts_url": r.accounts_url,
        "api_domain": r.api_domain,
        "client_id": r.client_id,
        "user": None if o.scope_mismatch else r.user,
        "user_name": o.user.full_name if o.user else None,
        "user_verified": not o.scope_mismatch,
        "scope_mismatch": o.scope_mismatch,
        "scopes": r.scopes,
        "name": r.name or None,
        "store": str(store.path),
        "storage": r.storage,
        "replaced": o.replaced is not None,
        "refreshed": o.refreshed,
        "access_expires_at": round(o.access_expires_at, 3),
    }


def report(term: Terminal, action: str, o: Outcome, store: TokenStore, show_secret: bool) -> None:
    r = o.record
    if o.scope_mismatch:
        term.warn(
            "the token's scopes do not allow asking Zoho CRM who it belongs to "
            "(OAUTH_SCOPE_MISMATCH). A UCM whose CRM login only refreshes the token can use it; one that also "
            "asks Zoho CRM for the current user stays Logged Out with it (add ZohoCRM.users.READ). Granted scopes: "
            f"{r.scopes or 'not said by Zoho'}"
        )
    if action != "check":
        if o.replaced is not None:
            term.warn(
                f"replaced the stored token {r.label}; the old one stays valid at Zoho until "
                "revoked or evicted"
            )
        who = r.user if not o.scope_mismatch else "this Zoho user"
        term.warn(
            f"Zoho keeps at most 20 refresh tokens per user: this exchange may have evicted "
            f"{who}'s oldest one, possibly the one already on a UCM ({o.same_user_count} "
            "stored here for this user and client)"
        )
    if show_secret:
        term.warn("printing the refresh token on stdout (--show-secret): it grants CRM access; "
                  "keep it out of logs, tickets and shell history")
    summary = _summary(action, o, store)
    if term.json_mode:
        # redact everything but the one secret asked for, then add it raw
        doc = REDACTOR.redact_obj(summary)
        if show_secret:
            doc["refresh_token"] = o.refresh_token.get_secret_value()
        mark_json_printed()
        _raw(jsonlib.dumps(doc, indent=2))
        return
    user = f"{o.user.full_name} <{o.user.email}>" if o.user else "unknown (scopes do not allow CurrentUser)"
    lines = [
        f"token:        {r.label}",
        f"zoho user:    {user}",
        f"data centre:  {r.dc} (accounts {r.accounts_url}, api {r.api_domain})",
        f"scopes:       {r.scopes or '-'}",
        f"stored in:    {store.path}" + (" (refresh token in the OS keyring)" if r.storage == "keyring" else ""),
        f"access token: {'new' if o.refreshed else 'reused from the cache'}, valid until {when(o.access_expires_at)}",
    ]
    for line in lines:  # with --show-secret stdout carries only the token, for `> file`
        (term.info if show_secret else term.data)(line)
    if show_secret:
        _raw(o.refresh_token.get_secret_value())


def report_revoke(term: Terminal, rec: TokenRecord, known: bool, store: TokenStore) -> None:
    if not known:
        term.warn(f"Zoho did not know {rec.label} (already revoked or evicted)")
    if term.json_mode:
        term.json({"action": "revoke", "token": rec.label, "revoked": known, "removed": True,
                   "store": str(store.path)})
    else:
        term.data(f"{'revoked' if known else 'already invalid'}: {rec.label}; removed from {store.path}")


def report_list(term: Terminal, recs: list[TokenRecord], store: TokenStore) -> None:
    if term.json_mode:
        term.json({"store": str(store.path), "tokens": [r.public() for r in recs]})
        return
    if not recs:
        term.info(f"no tokens stored in {store.path}")
        return
    rows = [
        (r.dc, r.client_id, r.user, r.name or "-", r.storage, when(r.created_at),
         when(r.access_expires_at) if r.public()["access_cached"] else "-")
        for r in recs
    ]
    term.table(("DC", "CLIENT ID", "USER", "NAME", "STORED IN", "CREATED", "ACCESS UNTIL"), rows)


def _raw(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()

