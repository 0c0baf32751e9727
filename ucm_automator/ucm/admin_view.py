"""What a logged-in admin can read of every extension's CRM User Settings, without the users'
passwords: the GUI's own `/cgi` read actions (getCRMSettings, getCRMUserSettings with any
extension, which an admin may ask for), sent from the admin's page so they carry its session.
Read-only: nothing here saves or applies.
"""

from __future__ import annotations

import json

from playwright.async_api import Page

from ucm_automator.ucm.cgi import CgiReply, error_for
from ucm_automator.ucm.pages.user_crm import Loaded
from ucm_automator.ucm.portal_state import UserCrm, state_from_replies
from ucm_automator.ucm.profile import FirmwareProfile

# the GUI's own request shape: a form-encoded POST to /cgi from the page (same origin, its cookie)
_FETCH = """async ([path, params]) => {
  const r = await fetch(path, {method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"},
    body: new URLSearchParams(params).toString()});
  return [r.status, await r.text()];
}"""


async def ask(page: Page, profile: FirmwareProfile, action: str, **params: str) -> CgiReply:
    status, text = await page.evaluate(_FETCH, [profile.cgi.path, {"action": action, **params}])
    if status != 200:
        return CgiReply(action, None, {}, status)
    try:
        data = json.loads(text)
        code = int(data.get("status"))
    except (ValueError, TypeError, AttributeError):
        return CgiReply(action, None, {}, status)
    body = data.get("response")
    return CgiReply(action, code, body if isinstance(body, dict) else {}, status)


async def read_user(page: Page, profile: FirmwareProfile, extension: str, admin_reply: CgiReply) -> UserCrm:
    """One extension's record as the admin sees it; a refusal raises its typed error."""
    keys = profile.cgi.user_crm_keys
    reply = await ask(page, profile, profile.action("get_user_crm"), **{keys.get("param", "extension"): extension})
    if not reply.ok:
        raise error_for(profile, reply, f"reading the CRM User Settings of extension {extension} as the admin")
    return state_from_replies(profile, extension, Loaded(admin=admin_reply, user=reply), None)


async def read_admin(page: Page, profile: FirmwareProfile) -> CgiReply:
    reply = await ask(page, profile, profile.action("get_admin_crm"))
    if not reply.ok:
        raise error_for(profile, reply, "reading the admin CRM settings")
    return reply
