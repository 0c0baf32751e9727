"""States of the box mid-run: session expiry, Apply refused, rate limits."""

from __future__ import annotations

import asyncio

from admin_helpers import ADMIN, WANT, counters, crm
from ucm_automator.config import load_settings
from ucm_automator.errors import ExitCode
from ucm_automator.output import Terminal
from ucm_automator.redact import secret
from ucm_automator.runner import admin_setup

ZOHO_EU = {
    "crm_module": "zohov2", "crm_addr": "zoho.eu", "number_add": "leads",
    "first_search": "leads", "second_search": "accounts", "third_search": "contacts",
}
EMPTY = dict.fromkeys(ZOHO_EU, "")
SEED = 4  # with this seed the box answers -45 to at least one Save or Apply, then accepts


def run_with_hook(admin, box, hook):
    admin.trust()
    settings = load_settings(None, ucm=box.url, timeout_s=10, server_address="eu",
                             lookups="leads,accounts,contacts", add_unknown="leads")
    return asyncio.run(admin_setup(settings, secret(box.password(ADMIN)), term=Terminal(), hook=hook))


def test_session_expiring_before_save_logs_in_once_more(admin, box):
    expired = []

    async def hook(step: str) -> None:
        if step == "before_save" and not expired:
            expired.append(step)
            await asyncio.to_thread(box.control, expire_sessions=True)

    result, error = run_with_hook(admin, box, hook)
    assert error is None, error
    assert result.changed and result.after["crm_module"] == "zohov2"
    state = box.state()
    assert crm(state, "applied") == ZOHO_EU
    assert counters(state)["global"]["logins"] == 2


def test_session_expiring_every_time_fails_after_one_more_login(admin, box):
    async def hook(step: str) -> None:
        if step == "before_save":
            await asyncio.to_thread(box.control, expire_sessions=True)

    result, error = run_with_hook(admin, box, hook)
    assert error is not None and error.exit_code == ExitCode.SESSION_EXPIRED
    assert "expired again after logging in once more" in str(error)
    assert result.error["code"] == "SESSION_EXPIRED"
    state = box.state()
    assert crm(state, "saved") == EMPTY and counters(state)["global"]["logins"] == 2


def test_session_expiring_before_apply_resumes_with_apply_only(admin, box):
    async def hook(step: str) -> None:
        if step == "before_apply" and counters(await asyncio.to_thread(box.state))["global"]["logins"] == 1:
            await asyncio.to_thread(box.control, expire_sessions=True)

    result, error = run_with_hook(admin, box, hook)
    assert error is None, error
    state = box.state()
    assert crm(state, "applied") == ZOHO_EU
    assert counters(state)["global"]["saves"] == {"updateCRMSettings": 1}  # not saved twice


def test_apply_refused_during_a_conference_then_a_rerun_applies(admin, box):
    box.control(conference_in_progress=True)
    run = admin(*WANT)
    assert run.code == ExitCode.APPLY_REFUSED
    assert "conference" in run.err and "saved but not running" in run.err
    state = box.state()
    assert crm(state, "saved") == ZOHO_EU and crm(state, "applied") == EMPTY and state["need_apply"]

    box.control(conference_in_progress=False)
    again = admin(*WANT, "--json")
    assert again.code == 0, again.err
    assert [c["field"] for c in again.json["changes"]] == ["apply_changes"]
    assert crm(box.state(), "applied") == ZOHO_EU


def test_rate_limit_replies_are_retried_with_backoff(admin, box):
    box.control(fault_rate_limit=0.5, fault_seed=SEED)
    run = admin(*WANT)
    assert run.code == 0, run.err
    state = box.state()
    assert crm(state, "applied") == ZOHO_EU
    assert counters(state)["faults"]["rate_limit"] >= 1


def test_rate_limit_that_never_ends_gives_up(admin, box):
    box.control(fault_rate_limit=1.0)
    run = admin(*WANT)
    assert run.code == ExitCode.RATE_LIMITED
    assert "gave up after 4 tries" in run.err and "nothing was saved" in run.err
    state = box.state()
    assert crm(state, "saved") == EMPTY and counters(state)["faults"]["rate_limit"] == 4



def test_replies_lost_after_the_box_saved_are_read_back_not_saved_again(admin, box):
    # seed 1 at 0.5 (the login draws too): the login's reply comes through, the Save's is lost after
    # the box saved, then the first Apply's, then one comes through
    box.control(fault_502_after=0.5, fault_seed=1)
    run = admin(*WANT)
    assert run.code == 0, run.err
    state = box.state()
    assert crm(state, "applied") == ZOHO_EU
    c = counters(state)
    assert c["faults"]["http_502_after"] == 2
    assert c["global"]["saves"] == {"updateCRMSettings": 1}  # read back after the lost reply: no second Save
    assert c["global"]["applies"] == 2  # Apply is idempotent: the lost one is pressed again
