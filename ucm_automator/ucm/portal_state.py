"""One extension's CRM User Settings as data: what the box holds (read from the replies the page
receives) and what the user wants there. Secrets stay SecretStr; `public()` is what may be shown.
"""

from __future__ import annotations

from typing import Any, Optional

from pydantic import BaseModel, SecretStr

from ucm_automator.redact import secret
from ucm_automator.ucm.cgi import CgiReply
from ucm_automator.ucm.pages.user_crm import Loaded
from ucm_automator.ucm.profile import FirmwareProfile

SECRET_FIELDS = ("client_secret", "refresh_token")


class UserWant(BaseModel):
    client_id: str
    client_secret: SecretStr
    refresh_token: SecretStr


class UserCrm(BaseModel):
    """One extension's CRM User Settings as the box holds them (box keys, secrets as SecretStr)."""

    extension: str
    crm_module: str = ""  # the admin's saved CRM: decides which rows the page shows
    crm_addr: str = ""
    exists: bool = False
    enabled: bool = False
    client_id: str = ""
    client_secret: Optional[SecretStr] = None
    refresh_token: Optional[SecretStr] = None
    login_status: str = ""  # login / logout / '' (box values; the profile maps them to texts)
    need_apply: Optional[bool] = None  # None: the page did not say

    def masked(self) -> bool:
        """The box reads secrets back as asterisks: they cannot be compared."""
        return any(_is_mask(getattr(self, k)) for k in SECRET_FIELDS)

    def holds(self, want: UserWant, masked_ok: bool = False) -> bool:
        return (self.enabled and self.client_id == want.client_id
                and all(same_secret(getattr(self, k), getattr(want, k), masked_ok) for k in SECRET_FIELDS))

    def public(self) -> dict[str, Any]:
        """No secrets: whether each one is set, never its value."""
        def shown(v: Optional[SecretStr]) -> str:
            return "(masked)" if _is_mask(v) else "(set)" if v and v.get_secret_value() else "(empty)"
        return {"enable_crm": self.enabled, "client_id": self.client_id,
                "client_secret": shown(self.client_secret), "refresh_token": shown(self.refresh_token),
                "login_status": self.login_status, "crm_module": self.crm_module, "crm_addr": self.crm_addr}


def _is_mask(v: Optional[SecretStr]) -> bool:
    raw = v.get_secret_value() if v else ""
    return bool(raw) and set(raw) == {"*"}


def _secret(raw: str) -> Optional[SecretStr]:
    if not raw:
        return None
    return SecretStr(raw) if set(raw) == {"*"} else secret(raw)  # a mask is no secret to redact


def same_secret(have: Optional[SecretStr], want: SecretStr, masked_ok: bool) -> bool:
    if _is_mask(have):
        return masked_ok
    return have is not None and have.get_secret_value() == want.get_secret_value()


def state_from_replies(
    profile: FirmwareProfile, extension: str, loaded: Loaded, info: Optional[CgiReply]
) -> UserCrm:
    """What the box holds, from the replies the page loaded (getCRMSettings, getCRMUserSettings,
    checkInfo); keys come from the profile's cgi.user_crm_keys."""
    k = profile.cgi.user_crm_keys
    admin = loaded.admin.response.get(profile.cgi.admin_crm_keys["reply"]) or {}
    rec = loaded.user.response.get(k.get("reply", "extension"))
    rec = rec if isinstance(rec, dict) else {}
    fields = k.get("fields", {})
    def val(name: str) -> str:
        return str(rec.get(fields.get(name, name)) or "")
    need = info.response.get(k.get("need_apply", "need_apply")) if info is not None else None
    return UserCrm(
        extension=extension,
        crm_module=str(admin.get(profile.cgi.admin_crm_keys["crm_module"]) or ""),
        crm_addr=str(admin.get(profile.cgi.admin_crm_keys["server_address"]) or ""),
        exists=bool(rec), enabled=rec.get(k.get("enable", "enable_crm")) == k.get("enabled", "yes"),
        client_id=val("client_id"),
        client_secret=_secret(val("client_secret")),
        refresh_token=_secret(val("refresh_token")),
        login_status=str(rec.get(k.get("login_status", "login_status")) or ""),
        need_apply=None if need is None else str(need).lower() == "yes",
    )
