"""What enrolling one user would change, decided before any click (octoDNS's plan), and the
typed failures of the user side that no page can name by itself.

Pure functions: the box's state (`UserCrm`, read by the portal driver) and the wanted
credentials in, a plan out. Secrets appear in changes only as "(set)"/"(new)", never as values.
"""

from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, Field

from ucm_automator.errors import ExitCode
from ucm_automator.models import Change
from ucm_automator.ucm.errors import UcmError
from ucm_automator.ucm.portal_state import SECRET_FIELDS, UserCrm, UserWant, same_secret
from ucm_automator.zoho import dc as dcs

LOGIN = "login"


class CrmNotLoggedIn(UcmError):
    """The user is (or would end) not logged in to the CRM: the message names the likely causes."""

    exit_code = ExitCode.CRM_LOGGED_OUT


class AdminCrmNotReady(CrmNotLoggedIn):
    """The admin CRM is not the one users are enrolled for: saving would only store dead settings."""

    exit_code = ExitCode.ADMIN_CRM_NOT_READY


class DataCentreMismatch(CrmNotLoggedIn):
    """The box would log in at another Zoho data centre than the one that issued the token."""

    exit_code = ExitCode.DC_MISMATCH


class UserPlan(BaseModel):
    extension: str
    before: dict = Field(default_factory=dict)  # UserCrm.public(): no secrets
    changes: list[Change] = Field(default_factory=list)
    save: bool = False  # fill and press Save
    apply: bool = False  # Apply Changes afterwards (the user's own, or the admin's after the batch)
    notes: list[str] = Field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        return not self.save and not self.apply


def plan_user(have: UserCrm, want: UserWant, *, target_module: str, module_text: str, token_dc: Optional[str],
              force: bool = False) -> UserPlan:
    """Raises AdminCrmNotReady or DataCentreMismatch when saving could not log the user in."""
    ext = have.extension
    if have.crm_module != target_module:
        raise AdminCrmNotReady(
            f"{ext}: the box's CRM System is '{have.crm_module or 'Disabled'}', not {module_text}: run "
            "`ucmauto admin-setup` first; nothing was saved for this user")
    box_dc = dcs.lookup(have.crm_addr) if have.crm_addr else None
    if box_dc and token_dc and box_dc.code != token_dc:
        raise DataCentreMismatch(
            f"{ext}: the admin's CRM Server Address is {have.crm_addr} (Zoho data centre {box_dc.code}) but the "
            f"token is from data centre {token_dc}, so the box would stay Logged Out; get a token in "
            f"{box_dc.code} or fix the server address (`ucmauto admin-setup`); nothing was saved for this user")
    plan = UserPlan(extension=ext, before=have.public())
    if not have.enabled:
        plan.changes.append(Change(field="enable_crm", before=False, after=True))
    if have.client_id != want.client_id:
        plan.changes.append(Change(field="client_id", before=have.client_id, after=want.client_id))
    for key in SECRET_FIELDS:
        if not same_secret(getattr(have, key), getattr(want, key), masked_ok=not force):
            plan.changes.append(Change(field=key, before=have.public()[key], after="(new)"))
    if have.masked() and not force and not plan.changes:
        plan.notes.append("the box shows secrets masked: taken as unchanged (--force re-enters them)")
    if plan.changes:
        plan.save = plan.apply = True
    elif have.login_status != LOGIN and not have.need_apply:
        # nothing waits to be applied, so only a Save + Apply makes the box try to log in again
        plan.changes.append(Change(field="login_status", before=have.login_status or "", after=LOGIN))
        plan.notes.append("same credentials but not logged in: saving them again so the box retries")
        plan.save = plan.apply = True
    elif have.login_status != LOGIN:
        plan.apply = True  # saved already (an interrupted run): applying is what is missing
    elif have.need_apply:
        plan.notes.append("logged in; other changes wait for Apply Changes on the box (left alone)")
    return plan


USERS_SCOPE = "zohocrm.users"  # what a CRM login that asks Zoho who it is (CurrentUser) needs


def lacks_users_scope(scopes: Optional[str]) -> bool:
    """The token's granted scopes are known and none covers ZohoCRM.users (.ALL / .READ / ...)."""
    if not scopes:
        return False
    granted = [s.strip().lower() for s in scopes.replace(" ", ",").split(",") if s.strip()]
    return not any(s == "zohocrm.users" or s.startswith(USERS_SCOPE + ".") or s == "zohocrm.all" for s in granted)


def not_logged_in(have: UserCrm, *, token_dc: Optional[str], waited_s: float, status_text: str,
                  zoho_says: Optional[str], scopes: Optional[str] = None) -> CrmNotLoggedIn:
    """The end of the wait without "Logged In": name what most likely went wrong, first things first."""
    ext = have.extension
    if not have.login_status:
        return CrmNotLoggedIn(
            f"{ext}: Login Status is still empty {waited_s:g} s after Apply Changes: the box has not tried to "
            "log in (the change is not applied: press Apply Changes as an admin, or run again)")
    causes = []
    if lacks_users_scope(scopes):
        causes.append(f"the token has no ZohoCRM.users scope (granted: {scopes}), and a box whose CRM login asks "
                      "Zoho CRM for the current user stays Logged Out with it: get a token with "
                      "ZohoCRM.users.READ added (`ucmauto token exchange`)")
    if zoho_says:
        causes.append(f"Zoho now rejects the token ({zoho_says})")
    box_dc = dcs.lookup(have.crm_addr) if have.crm_addr else None
    if box_dc and token_dc and box_dc.code != token_dc:
        causes.append(f"the admin's CRM Server Address {have.crm_addr} is data centre {box_dc.code}, "
                      f"the token's is {token_dc}")
    if not zoho_says:
        causes.append("the token was revoked or evicted at Zoho after the check (Zoho keeps 20 per user "
                      "and client)")
    causes.append("the box cannot reach Zoho (DNS, firewall, proxy, clock)")
    causes.append("the admin CRM setup was saved but never applied" if have.need_apply
                  else "the admin CRM setup was never applied (`ucmauto admin-setup`)")
    return CrmNotLoggedIn(
        f"{ext}: Login Status still reads '{status_text}' {waited_s:g} s after Apply Changes; likely causes: "
        + "; ".join(causes))
