"""The refresh-token store, shared by every ucmauto process on the machine.

One JSON file (mode 0600 from its creation, rewritten atomically under a file lock), keyed by
(data centre, client id, Zoho user email or "unknown", optional name such as the UCM user).
The refresh token lives in the file, or in the OS keyring when asked and one is usable. The
file also caches each token's current access token, so processes share it until it is near
expiry instead of refreshing per call (Zoho allows 10 refreshes per token per 10 minutes).
"""

from __future__ import annotations

import json
import logging
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Literal, Optional

from filelock import FileLock, Timeout
from pydantic import BaseModel, SecretStr, ValidationError

from ucm_automator.config import app_dir
from ucm_automator.errors import BadInput, NotFound
from ucm_automator.files import private_dir, write_atomic
from ucm_automator.redact import secret
from ucm_automator.zoho import keyring_slot
from ucm_automator.zoho.oauth import TokenReply, ZohoOAuth

log = logging.getLogger(__name__)
VERSION = 1
LOCK_TIMEOUT_S = 60.0  # longer than one refresh can take (connect 5 s + read 20 s)
REFRESH_MARGIN_S = 300.0  # refresh when less than 5 minutes are left
UNKNOWN_USER = "unknown"  # the token's scopes do not allow CurrentUser


def default_path() -> Path:
    return app_dir() / "tokens.json"


class TokenRecord(BaseModel):
    dc: str
    client_id: str
    user: str
    name: str = ""
    user_name: str = ""
    accounts_url: str
    api_domain: str
    scopes: Optional[str] = None
    created_at: float
    storage: Literal["file", "keyring"] = "file"
    refresh_token: Optional[str] = None  # only when storage == "file"
    access_token: Optional[str] = None
    access_expires_at: Optional[float] = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.dc, self.client_id, self.user, self.name)

    @property
    def label(self) -> str:
        return "/".join(self.key) if self.name else "/".join(self.key[:3])

    def public(self) -> dict[str, Any]:
        """Everything but secrets, for `token list` and --json."""
        out = self.model_dump(exclude={"refresh_token", "access_token"})
        out["access_cached"] = bool(self.access_token and (self.access_expires_at or 0) > time.time())
        return out


@dataclass(frozen=True)
class TokenRef:
    """Which stored token: every given field must match."""

    dc: Optional[str] = None
    client_id: Optional[str] = None
    user: Optional[str] = None
    name: Optional[str] = None

    def matches(self, rec: TokenRecord) -> bool:
        return (
            (self.dc is None or rec.dc == self.dc)
            and (self.client_id is None or rec.client_id == self.client_id)
            and (self.user is None or rec.user.lower() == self.user.lower())
            and (self.name is None or rec.name == self.name)
        )

    def describe(self) -> str:
        parts = [f"{k} {v}" for k, v in vars(self).items() if v is not None]
        return ", ".join(parts) or "any"


@dataclass(frozen=True)
class AccessToken:
    token: SecretStr
    api_domain: str
    expires_at: float
    refreshed: bool  # False: reused from the cache


class TokenStore:
    def __init__(self, path: Optional[Path] = None) -> None:
        self.path = Path(path) if path else default_path()
        self._lock = FileLock(str(self.path) + ".lock", timeout=LOCK_TIMEOUT_S, mode=0o600)

    # --- reading ---------------------------------------------------------------------------
    def records(self) -> list[TokenRecord]:
        if not self.path.exists():
            return []
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            recs = [TokenRecord(**r) for r in data.get("tokens", [])]
        except (ValueError, TypeError, AttributeError, ValidationError):
            raise BadInput(
                f"the token store {self.path} is damaged (not the expected JSON); "
                "move it aside and exchange the tokens again"
            ) from None
        except OSError as e:
            raise BadInput(f"cannot read the token store {self.path} ({e.strerror})") from None
        for r in recs:  # everything secret read from disk is masked in every output
            for value in (r.refresh_token, r.access_token):
                if value:
                    secret(value)
        return recs

    def find(self, ref: TokenRef) -> TokenRecord:
        found = [r for r in self.records() if ref.matches(r)]
        if not found:
            raise NotFound(
                f"no stored Zoho token matches ({ref.describe()}) in {self.path}; "
                "see `ucmauto token list`, or get one with `ucmauto token exchange`"
            )
        if len(found) > 1:
            labels = "; ".join(r.label for r in found)
            raise BadInput(
                f"{len(found)} stored tokens match ({ref.describe()}): {labels}; "
                "narrow it with --user, --name, --zoho-dc or --client-id"
            )
        return found[0]

    def refresh_token_of(self, rec: TokenRecord) -> SecretStr:
        if rec.storage == "keyring":
            value = keyring_slot.get(rec.label)
            if not value:
                raise NotFound(
                    f"the OS keyring has no refresh token for {rec.label}; "
                    "exchange a new one with `ucmauto token exchange`"
                )
            return secret(value)
        if not rec.refresh_token:
            raise BadInput(f"the token store entry {rec.label} has no refresh token; exchange again")
        return secret(rec.refresh_token)

    # --- writing ---------------------------------------------------------------------------
    def save(
        self, rec: TokenRecord, refresh_token: SecretStr, *, use_keyring: bool = False
    ) -> Optional[TokenRecord]:
        """Store `rec` with its refresh token; returns the record it replaced, if any."""
        rec = rec.model_copy()
        if use_keyring:
            keyring_slot.put(rec.label, refresh_token)
            rec.storage, rec.refresh_token = "keyring", None
        else:
            rec.storage, rec.refresh_token = "file", refresh_token.get_secret_value()
        with self.locked():
            recs = self.records()
            old = next((r for r in recs if r.key == rec.key), None)
            self._write([r for r in recs if r.key != rec.key] + [rec])
        if old and old.storage == "keyring" and not use_keyring:
            keyring_slot.delete(old.label)
        return old

    def remove(self, rec: TokenRecord) -> None:
        with self.locked():
            self._write([r for r in self.records() if r.key != rec.key])
        if rec.storage == "keyring":
            keyring_slot.delete(rec.label)

    def check_writable(self) -> None:
        """Before spending a grant code: a token made but not saved is lost yet uses a slot."""
        try:
            with self.locked():
                if not os.access(self.path.parent, os.W_OK):
                    raise PermissionError(13, "Permission denied")
        except OSError as e:
            raise BadInput(f"cannot write the token store {self.path} ({e.strerror}); fix it or use --store") from None

    @contextmanager
    def locked(self) -> Iterator[None]:
        try:
            private_dir(self.path.parent)
            self._lock.acquire()
        except Timeout:
            raise BadInput(
                f"could not lock the token store {self.path} within {LOCK_TIMEOUT_S:g} s: another ucmauto holds "
                f"it, or {self.path.parent} is not writable; if no ucmauto runs, fix the folder or delete "
                f"{self._lock.lock_file}"
            ) from None
        except OSError as e:
            raise BadInput(f"cannot write the token store {self.path} ({e.strerror}); fix it or use --store") from None
        try:
            yield
        finally:
            self._lock.release()

    def _write(self, recs: list[TokenRecord]) -> None:
        """Atomic: a crash leaves either the old file or the new one, never half of one."""
        text = json.dumps({"version": VERSION, "tokens": [r.model_dump() for r in recs]}, indent=2)
        # the temp file is 0600 from its creation, so the secret is never readable by others
        write_atomic(self.path, text + "\n")

    # --- access tokens ---------------------------------------------------------------------
    def ensure_access_token(
        self,
        ref: TokenRef,
        oauth: ZohoOAuth,
        *,
        margin_s: float = REFRESH_MARGIN_S,
        rejected: Optional[SecretStr] = None,
    ) -> AccessToken:
        """An access token valid for `margin_s` more seconds, from the cache or one refresh.

        Double-checked under the lock, so processes racing on one token cause one refresh.
        `rejected`: a cached token CRM refused; refreshed unless another process already did.
        """
        rec = self.find(ref)
        cached = _cached(rec, margin_s, rejected)
        if cached:
            return cached
        log.info("access token for %s: none usable cached, taking the store lock", rec.label)
        with self.locked():
            rec = self.find(ref)
            cached = _cached(rec, margin_s, rejected)
            if cached:
                log.info("access token for %s: another process refreshed it meanwhile", rec.label)
                return cached
            log.info("access token for %s: refreshing", rec.label)
            reply = oauth.refresh(self.refresh_token_of(rec))
            self._cache_access(rec, reply)
        return AccessToken(reply.access_token, reply.api_domain, reply.expires_at, refreshed=True)

    def _cache_access(self, rec: TokenRecord, reply: TokenReply) -> None:
        """Called with the lock held."""
        recs = self.records()
        for r in recs:
            if r.key == rec.key:
                r.access_token = reply.access_token.get_secret_value()
                r.access_expires_at = reply.expires_at
                r.api_domain = reply.api_domain
        self._write(recs)


def _cached(rec: TokenRecord, margin_s: float, rejected: Optional[SecretStr]) -> Optional[AccessToken]:
    if not rec.access_token or (rec.access_expires_at or 0) - time.time() < margin_s:
        return None
    if rejected is not None and rec.access_token == rejected.get_secret_value():
        return None
    return AccessToken(secret(rec.access_token), rec.api_domain, rec.access_expires_at or 0, False)
