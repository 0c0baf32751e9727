"""Everything secret an enrolment needs, gathered and proven before the UCM is touched.

For each inventory entry: the user password (env var, file, keyring; for a single user also
$UCMAUTO_USER_PASSWORD, --password-file or a prompt), the Zoho client secret (once per client
id), and the refresh token — from the `ucmauto token` store by reference, or from a given
source. `precheck()` then proves each token at Zoho through the token module: the cached access
token when fresh, else one refresh, then CurrentUser.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Optional

from pydantic import SecretStr

from ucm_automator.config import Settings
from ucm_automator.enroll.inventory import Entry, Problems
from ucm_automator.errors import NotFound, SecretMissing, UcmautoError
from ucm_automator.redact import secret
from ucm_automator.secrets import env_secret, keyring_get, read_secret_file, resolve_secret
from ucm_automator.ucm.portal_state import UserWant
from ucm_automator.zoho import dc as dcs
from ucm_automator.zoho.oauth import ZohoOAuth
from ucm_automator.zoho.store import TokenRecord, TokenRef, TokenStore
from ucm_automator.zoho.tokens import check as check_token, who

CLIENT_KEYRING = "ucmauto-zoho-client"  # the service `ucmauto token` uses for client secrets
# Called when no stored token matches a single user's reference: gets one (grant code or
# authorization flow), stores it and returns its record.
Obtain = Callable[[Entry, TokenRef, dcs.DataCentre, SecretStr], TokenRecord]


@dataclass
class Sources:
    settings: Settings
    store: TokenStore
    client_secret_file: Optional[Path] = None
    password_file: Optional[Path] = None  # one user only
    single: bool = False  # enroll-user: $UCMAUTO_USER_PASSWORD and prompts may serve
    ask: Optional[Callable[[str], str]] = None  # a hidden prompt (cli/prompts.py); None: never prompt
    obtain: Optional[Obtain] = None
    _client_secrets: dict[str, SecretStr] = field(default_factory=dict)


@dataclass
class Job:
    """One user, ready: secrets resolved, the token's data centre known, a way to prove it."""

    entry: Entry
    password: SecretStr
    want: UserWant
    token_dc: str
    token_label: str
    check: Callable[[], str]  # proves the token at Zoho; returns its Zoho user ('' if unknown)
    zoho_user: str = ""
    scopes: Optional[str] = None  # what Zoho granted the stored token (None: not known)


def resolve(entries: list[Entry], src: Sources, problems: Problems) -> list[Job]:
    jobs = []
    for entry in entries:
        before = len(problems.items)
        job = _resolve_one(entry, src, problems)
        if job is not None and len(problems.items) == before:
            jobs.append(job)
    return jobs


def _resolve_one(entry: Entry, src: Sources, problems: Problems) -> Optional[Job]:
    where, s = entry.where, src.settings
    password = _guard(problems, where, lambda: user_password(entry, src))
    cid = entry.client_id or s.zoho_client_id
    dc_text = entry.zoho_dc or s.zoho_dc
    if entry.refresh_token_env or entry.refresh_token_file:
        if not cid or not dc_text:
            problems.add(where, "a refresh token given by env/file needs client_id and zoho_dc "
                                "(in the inventory, --client-id/--zoho-dc or UCMAUTO_ZOHO_*)")
            return None
        dc = _guard(problems, where, lambda: dcs.resolve(dc_text, s.zoho_accounts_url))
        token = _guard(problems, where, lambda: _given_token(entry))
        client_secret = _guard(problems, where, lambda: _client_secret(entry, cid, src))
        if not (password and dc and token and client_secret):
            return None
        oauth = _oauth(dc, cid, client_secret, s)
        def check_given() -> str:
            reply = oauth.refresh(token)  # one refresh per run: there is no cache for such tokens
            user = who(oauth, reply.access_token, reply.api_domain)
            return user.email if user else ""
        return Job(entry, password, UserWant(client_id=cid, client_secret=client_secret, refresh_token=token),
                   dc.code, f"{dc.code}/{cid}/(given)", check_given)
    ref = _ref(entry, cid, dc_text, problems)
    if ref is None:
        return None
    rec = _guard(problems, where, lambda: _find(src, ref), keep=(NotFound,))
    if isinstance(rec, NotFound):
        rec = _obtain(entry, ref, src, problems, rec)
    if rec is None:
        return None
    client_secret = _guard(problems, where, lambda: _client_secret(entry, rec.client_id, src))
    token = _guard(problems, where, lambda: src.store.refresh_token_of(rec))
    if not (password and client_secret and token):
        return None
    oauth = _oauth(_dc_of(rec, s), rec.client_id, client_secret, s)
    def check_stored() -> str:
        outcome = check_token(src.store, TokenRef(*rec.key), oauth)
        return outcome.user.email if outcome.user else ""
    return Job(entry, password, UserWant(client_id=rec.client_id, client_secret=client_secret, refresh_token=token),
               rec.dc, rec.label, check_stored, rec.user, rec.scopes)


def _guard(problems: Problems, where: str, fn: Callable, keep: tuple = ()):
    try:
        return fn()
    except keep as e:  # the caller handles these itself
        return e
    except UcmautoError as e:
        problems.add(where, str(e), e.exit_code)
        return None


def _ref(entry: Entry, cid: Optional[str], dc_text: Optional[str], problems: Problems) -> Optional[TokenRef]:
    code = None
    if dc_text:
        found = dcs.lookup(dc_text)
        if found is None:
            problems.add(entry.where, f"unknown Zoho data centre '{dc_text}'; use one of {', '.join(dcs.CODES)}")
            return None
        code = found.code
    name = entry.token_name or (None if entry.zoho_user else entry.extension)
    return TokenRef(dc=code, client_id=cid, user=entry.zoho_user, name=name)


def _find(src: Sources, ref: TokenRef) -> TokenRecord:
    return src.store.find(ref)


def _obtain(entry: Entry, ref: TokenRef, src: Sources, problems: Problems, missing: NotFound):
    """No stored token: a single user may get one right here; a batch reports it."""
    if src.obtain is None or not (ref.dc and ref.client_id):
        hint = "" if src.obtain is None else " (give --zoho-dc and --client-id to get one here)"
        problems.add(entry.where, f"{missing}{hint}", missing.exit_code)
        return None
    dc = _guard(problems, entry.where, lambda: dcs.resolve(ref.dc, src.settings.zoho_accounts_url))
    client_secret = _guard(problems, entry.where, lambda: _client_secret(entry, ref.client_id, src))
    if not (dc and client_secret):
        return None
    return _guard(problems, entry.where, lambda: src.obtain(entry, ref, dc, client_secret))


def user_password(entry: Entry, src: Sources) -> SecretStr:
    what = f"user password of extension {entry.extension}"
    if entry.password_file:
        return read_secret_file(entry.password_file, what)
    if entry.password_env:
        value = env_secret(entry.password_env)
        if not value:
            raise SecretMissing(f"the {what} is to come from ${entry.password_env}, which is not set")
        return secret(value)
    if entry.password_keyring:
        value = keyring_get(entry.password_keyring, entry.extension)
        if not value:
            raise SecretMissing(f"the OS keyring has no {what} (service {entry.password_keyring})")
        return secret(value)
    if not src.single:
        raise SecretMissing(f"no source for the {what}: give password_env, password_file or password_keyring")
    return resolve_secret(what, file=src.password_file, env="UCMAUTO_USER_PASSWORD",
                          prompt=f"User password of extension {entry.extension} (hidden)",
                          ask=src.ask, hint="--password-file").value


def _client_secret(entry: Entry, client_id: str, src: Sources) -> SecretStr:
    what = f"Zoho client secret of {client_id}"
    if entry.client_secret_file:
        return read_secret_file(entry.client_secret_file, what)
    if entry.client_secret_env:
        value = env_secret(entry.client_secret_env)
        if not value:
            raise SecretMissing(f"the {what} is to come from ${entry.client_secret_env}, which is not set")
        return secret(value)
    if client_id not in src._client_secrets:  # one prompt per client id, not per user
        src._client_secrets[client_id] = resolve_secret(
            what, file=src.client_secret_file, env="UCMAUTO_ZOHO_CLIENT_SECRET", keyring_service=CLIENT_KEYRING,
            keyring_user=client_id, prompt=f"Zoho client secret of {client_id} (hidden)",
            ask=src.ask, hint="--client-secret-file").value
    return src._client_secrets[client_id]


def _given_token(entry: Entry) -> SecretStr:
    if entry.refresh_token_file:
        return read_secret_file(entry.refresh_token_file, "refresh token")
    value = env_secret(entry.refresh_token_env) if entry.refresh_token_env else None
    if not value:
        raise SecretMissing(f"the refresh token is to come from ${entry.refresh_token_env}, which is not set")
    return secret(value)


def _oauth(dc: dcs.DataCentre, client_id: str, client_secret: SecretStr, s: Settings) -> ZohoOAuth:
    t = s.timeout_s
    return ZohoOAuth(dc, client_id, client_secret, timeout=(min(5.0, t), min(20.0, t)))


def _dc_of(rec: TokenRecord, s: Settings) -> dcs.DataCentre:
    """The stored token's data centre, at the server it was exchanged at unless overridden."""
    known = dcs.by_code(rec.dc) or dcs.DataCentre(rec.dc, rec.accounts_url, "", "")
    url = (s.zoho_accounts_url or rec.accounts_url).rstrip("/")
    return replace(known, accounts_url=url, overridden=url != known.accounts_url)


def precheck(jobs: list[Job], workers: int = 4) -> dict[str, UcmautoError]:
    """Prove every distinct token at Zoho (in parallel); the failures, by extension."""
    by_token: dict[str, list[Job]] = {}
    for job in jobs:
        digest = hashlib.sha256(job.want.refresh_token.get_secret_value().encode()).hexdigest()
        by_token.setdefault(digest, []).append(job)  # a token shared by users is proven once

    def one(group: list[Job]) -> Optional[UcmautoError]:
        try:
            user = group[0].check()
        except UcmautoError as e:
            return e
        for job in group:
            job.zoho_user = user or job.zoho_user
        return None

    failed: dict[str, UcmautoError] = {}
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(by_token)))) as pool:
        for group, err in zip(by_token.values(), pool.map(one, by_token.values())):
            if err is not None:
                for job in group:
                    failed[job.entry.extension] = err
    return failed
