"""A Zoho refresh token on the spot, for one user who has none stored (issue #5: "get a Zoho
refresh token and then drive the UCM web GUI"): a grant code at a hidden prompt or on stdin,
or the authorization flow; exchanged, verified and stored through the token module.
"""

from __future__ import annotations

from typing import Callable, Optional

from pydantic import SecretStr

from ucm_automator.config import Settings
from ucm_automator.enroll.credentials import Obtain
from ucm_automator.enroll.inventory import Entry
from ucm_automator.errors import BadInput
from ucm_automator.output import Terminal
from ucm_automator.zoho import authflow
from ucm_automator.zoho.dc import DataCentre
from ucm_automator.zoho.oauth import ZohoOAuth
from ucm_automator.zoho.store import TokenRecord, TokenRef, TokenStore
from ucm_automator.zoho.tokens import Outcome, exchange_and_save


def obtainer(settings: Settings, store: TokenStore, term: Terminal, *, flow: str,
             read_code: Callable[[], SecretStr], read_redirect: Callable[[], str],
             redirect_uri: Optional[str], listen_timeout: float = 300.0) -> Obtain:
    """`read_code` / `read_redirect` ask the person (cli/prompts.py): no prompt is written here."""
    def obtain(entry: Entry, ref: TokenRef, dc: DataCentre, client_secret: SecretStr) -> TokenRecord:
        assert ref.client_id
        t = settings.timeout_s
        oauth = ZohoOAuth(dc, ref.client_id, client_secret, timeout=(min(5.0, t), min(20.0, t)))
        name = entry.token_name or entry.extension
        term.info(f"no stored Zoho token for extension {entry.extension} ({ref.describe()}); getting one now")
        if flow == "authorize":
            outcome = _authorize(oauth, store, settings, term, name, read_redirect, redirect_uri, listen_timeout)
        else:
            term.info(f"make a grant code in the Zoho API console of data centre {dc.code} → Self Client → "
                      f"Generate Code (scopes: {settings.zoho_scopes}); it is exchanged at once")
            outcome = exchange_and_save(oauth, read_code(), store, name=name)
        rec = outcome.record
        if ref.user and rec.user.lower() != ref.user.lower():
            raise BadInput(f"the new token belongs to Zoho user {rec.user}, not {ref.user} as the inventory says; "
                           f"it is stored as {rec.label}: fix the inventory or make the code as {ref.user}")
        term.info(f"stored Zoho token {rec.label} (Zoho user {rec.user})")
        return store.find(TokenRef(*rec.key))  # as stored (the outcome's copy has no token in it)

    return obtain


def _authorize(oauth: ZohoOAuth, store: TokenStore, s: Settings, term: Terminal, name: str,
               read_redirect: Callable[[], str],
               redirect_uri: Optional[str], listen_timeout: float) -> Outcome:
    uri = redirect_uri or s.zoho_redirect_uri
    if not uri:
        raise BadInput("the authorization flow needs the client's redirect URI: --redirect-uri, e.g. "
                       "http://127.0.0.1:0/callback")
    state = authflow.new_state()
    if authflow.is_loopback(uri):
        with authflow.LoopbackListener(uri) as listener:
            used = listener.redirect_uri
            term.info("open this URL in a browser, sign in to Zoho and click Accept:")
            term.info(authflow.auth_url(oauth.dc, oauth.client_id, s.zoho_scopes, used, state))
            params = listener.wait(listen_timeout)
    else:
        used = uri
        term.info("open this URL in a browser, sign in to Zoho and click Accept:")
        term.info(authflow.auth_url(oauth.dc, oauth.client_id, s.zoho_scopes, used, state))
        params = authflow.params_from_redirect(read_redirect())
    code, where = authflow.code_from_redirect(params, state, oauth.dc, s.zoho_accounts_url)
    exchanger = ZohoOAuth(where, oauth.client_id, oauth.client_secret, timeout=oauth.timeout)
    return exchange_and_save(exchanger, code, store, redirect_uri=used, name=name,
                             how_to_retry="run again and finish the consent within 2 minutes")
