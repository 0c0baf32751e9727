"""What the user asked for, checked before any contact with the box, and the plan against it.

Pure functions (no browser): validate the request, fill what was not asked from what the box
holds ("merged" semantics: untouched fields stay), and list the changes. Keys, not GUI texts.
"""

from __future__ import annotations

import re
from typing import Optional

from pydantic import BaseModel, Field

from ucm_automator.errors import BadInput
from ucm_automator.models import AdminCrm, Change
from ucm_automator.ucm.profile import FirmwareProfile

_DOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
FIELDS = ("crm_module", "server_address", "lookups", "add_unknown")


class AdminWant(BaseModel):
    """admin-setup's request; None = keep what the box holds (or a safe default when empty)."""

    server_address: Optional[str] = None
    lookups: Optional[list[str]] = None
    add_unknown: Optional[str] = None


class AdminPlan(BaseModel):
    before: AdminCrm
    want: AdminCrm
    changes: list[Change] = Field(default_factory=list)
    apply_pending: bool = False  # saved earlier but never applied (e.g. Apply was refused)

    @property
    def needs_save(self) -> bool:
        return bool(self.changes)

    @property
    def empty(self) -> bool:
        return not self.changes and not self.apply_pending


def server_domain(value: str, profile: FirmwareProfile) -> str:
    """`eu`, `zoho.eu`, `accounts.zoho.eu` or `https://accounts.zoho.eu/` -> `zoho.eu`."""
    raw = value.strip().lower()
    raw = re.sub(r"^https?://", "", raw).split("/", 1)[0]
    aliases = profile.admin_crm.server_aliases
    if raw in aliases:
        return aliases[raw]
    for prefix in ("accounts.", "www.", "crm."):
        if raw.startswith(prefix) and raw[len(prefix) :] in profile.admin_crm.servers:
            return raw[len(prefix) :]
    if raw in profile.admin_crm.servers:
        return raw
    servers = ", ".join(profile.admin_crm.servers)
    if _DOMAIN.match(raw):  # the box offers only its list: a dry run must refuse what the real run would
        raise BadInput(f"--server-address '{value}' is not a CRM Server Address this firmware offers ({servers}); "
                       "pick one of them, or add it under [admin_crm.servers] in a firmware profile (--profile)")
    known = ", ".join([*aliases, *profile.admin_crm.servers])
    raise BadInput(f"--server-address '{value}' is neither a Zoho domain nor a data-centre code ({known})")


def parse_lookups(value: str | list[str], profile: FirmwareProfile) -> list[str]:
    items = value if isinstance(value, list) else value.split(",")
    keys = [str(v).strip().lower() for v in items if str(v).strip()]
    allowed = list(profile.admin_crm.lookups)
    bad = [k for k in keys if k not in allowed]
    if bad:
        raise BadInput(f"--lookups: unknown table(s) {', '.join(bad)}; use some of {', '.join(allowed)}")
    if len(set(keys)) != len(keys):
        raise BadInput("--lookups names a table twice; list each once, in the order wanted")
    if not keys:
        raise BadInput(f"--lookups needs at least one of {', '.join(allowed)}")
    return keys


def check_add_unknown(value: str, profile: FirmwareProfile) -> str:
    key = value.strip().lower()
    allowed = list(profile.admin_crm.unknown_number)
    if key not in allowed:
        raise BadInput(f"--add-unknown '{value}' is not one of {', '.join(allowed)}")
    return key


def resolve_admin(want: AdminWant, before: AdminCrm, profile: FirmwareProfile) -> AdminCrm:
    """The full target state: Zoho v2, plus what was asked, plus what the box keeps."""
    target = profile.admin_crm.target_module
    server = want.server_address
    if server is None:
        if before.crm_module == target and before.server_address:
            server = before.server_address
        else:
            raise BadInput("--server-address is required (the box has no Zoho v2 server yet), e.g. zoho.eu")
    lookups = want.lookups or before.lookups or ["contacts"]
    add_unknown = want.add_unknown or (before.add_unknown if before.add_unknown in lookups else lookups[0])
    if add_unknown not in lookups:
        raise BadInput(
            f"--add-unknown {add_unknown} must be one of the contact lookups ({', '.join(lookups)}), "
            "as the box requires"
        )
    return AdminCrm(crm_module=target, server_address=server, lookups=lookups, add_unknown=add_unknown)


def diff_admin(before: AdminCrm, want: AdminCrm) -> list[Change]:
    return [
        Change(field=f, before=getattr(before, f), after=getattr(want, f))
        for f in FIELDS
        if getattr(before, f) != getattr(want, f)
    ]
