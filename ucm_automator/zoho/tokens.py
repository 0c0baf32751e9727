"""What the token commands do, as library calls: exchange a grant code, verify who the token
belongs to, save it; check a stored token. The CLI only gathers inputs and prints outcomes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional

from pydantic import SecretStr

from ucm_automator.zoho import errors as E
from ucm_automator.zoho.oauth import CurrentUser, TokenReply, ZohoOAuth
from ucm_automator.zoho.store import UNKNOWN_USER, AccessToken, TokenRecord, TokenRef, TokenStore


@dataclass
class Outcome:
    record: TokenRecord
    user: Optional[CurrentUser]  # None: the scopes do not allow CurrentUser
    refresh_token: SecretStr
    replaced: Optional[TokenRecord] = None  # exchange: the entry with the same key it replaced
    same_user_count: int = 0  # exchange: tokens now stored for this Zoho user and client
    refreshed: bool = True  # check: False when a cached access token was reused
    access_expires_at: float = 0.0

    @property
    def scope_mismatch(self) -> bool:
        return self.user is None


def who(oauth: ZohoOAuth, access: SecretStr, api_domain: str) -> Optional[CurrentUser]:
    """The token's Zoho user, or None when its scopes do not allow asking (a UCM that only refreshes it can still use it)."""
    try:
        return oauth.current_user(access, api_domain)
    except E.ScopeMismatch:
        return None


def exchange_and_save(
    oauth: ZohoOAuth,
    code: SecretStr,
    store: TokenStore,
    *,
    redirect_uri: Optional[str] = None,
    name: str = "",
    use_keyring: bool = False,
    how_to_retry: str = "",
) -> Outcome:
    store.check_writable()
    reply = oauth.exchange_code(code, redirect_uri, how_to_retry=how_to_retry)
    assert reply.refresh_token is not None  # exchange_code refuses replies without one
    user = who(oauth, reply.access_token, reply.api_domain)
    rec = _record(oauth, reply, user, name)
    replaced = store.save(rec, reply.refresh_token, use_keyring=use_keyring)
    same = [
        r for r in store.records() if r.client_id == rec.client_id and r.dc == rec.dc and r.user == rec.user
    ]
    return Outcome(
        record=rec,
        user=user,
        refresh_token=reply.refresh_token,
        replaced=replaced,
        same_user_count=len(same),
        access_expires_at=reply.expires_at,
    )


def _record(oauth: ZohoOAuth, reply: TokenReply, user: Optional[CurrentUser], name: str) -> TokenRecord:
    return TokenRecord(
        dc=oauth.dc.code,
        client_id=oauth.client_id,
        user=user.email if user and user.email else UNKNOWN_USER,
        name=name,
        user_name=user.full_name if user else "",
        accounts_url=oauth.dc.accounts_url,
        api_domain=reply.api_domain,
        scopes=reply.scope,
        created_at=time.time(),
        access_token=reply.access_token.get_secret_value(),
        access_expires_at=reply.expires_at,
    )


def check(store: TokenStore, ref: TokenRef, oauth: ZohoOAuth) -> Outcome:
    """Prove a stored token alive: an access token (cached, or one refresh), then CurrentUser.

    A cached token CRM rejects (INVALID_TOKEN) is refreshed once and the call retried once.
    """
    access: AccessToken = store.ensure_access_token(ref, oauth)
    try:
        user = who(oauth, access.token, access.api_domain)
    except E.AccessTokenRejected:
        if access.refreshed:
            raise
        access = store.ensure_access_token(ref, oauth, rejected=access.token)
        user = who(oauth, access.token, access.api_domain)
    rec = store.find(ref)
    token = store.refresh_token_of(rec)
    return Outcome(
        record=rec,
        user=user,
        refresh_token=token,
        refreshed=access.refreshed,
        access_expires_at=access.expires_at,
    )
