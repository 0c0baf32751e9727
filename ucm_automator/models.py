"""Desired and observed state, and the per-target result every command reports.

Values are the box's own keys (`zohov2`, `zoho.eu`, `contacts`), never visible texts: the
firmware profile translates between the two, so results read the same on every firmware.
Shared by admin-setup (#4) and user enrolment (#5).
"""

from __future__ import annotations

from typing import Any, Optional

from pydantic import BaseModel, Field


class AdminCrm(BaseModel):
    """The admin "CRM" page: which CRM the PBX talks to, and how it looks numbers up."""

    crm_module: str = Field("none", description="crm_module key; 'none' when Disabled")
    server_address: str = Field("", description="crm_addr: a Zoho domain such as zoho.eu")
    lookups: list[str] = Field(default_factory=list, description="Contact Lookups, in order")
    add_unknown: str = Field("", description="number_add: where unknown numbers are added")

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump()


class Change(BaseModel):
    field: str
    before: Any = None
    after: Any = None

    def line(self) -> str:
        return f"{self.field}: {_show(self.before)} -> {_show(self.after)}"


class TargetResult(BaseModel):
    """What happened to one target (the admin page, or one user): Ansible's before/changes/after."""

    target: str
    before: Optional[dict[str, Any]] = None
    changes: list[Change] = Field(default_factory=list)
    changed: bool = False
    dry_run: bool = False
    after: Optional[dict[str, Any]] = None
    error: Optional[dict[str, Any]] = None  # {"code": name, "exit_code": n, "message": line}
    artifacts: list[str] = Field(default_factory=list)
    seconds: Optional[float] = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value) or "(none)"
    if value in (None, ""):
        return "(empty)"
    return str(value)
