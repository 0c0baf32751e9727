"""`ucmauto status` with only the admin password (no user's), and `status --check` as a
Nagios/Icinga plugin: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, one status line."""

from __future__ import annotations

import pytest

US = "1000.DEMOCLIENTUS"
ZOHO_V2 = {"crm_module": "zohov2", "crm_addr": "zoho.com", "number_add": "contacts", "first_search": "contacts"}
ENABLED = {"enable_crm": "yes", "client_id": US, "client_secret": "cs-value", "refresh_token": "1000.rt-value"}


def arrange(box, admin=ZOHO_V2, users=None, statuses=None) -> None:
    """Saved records and Login Statuses, set directly (no apply, so no background login moves them)."""
    box.control(set_admin_crm=admin, apply=True)
    box.control(set_user_crm=users or {})
    box.control(set_login_status=statuses or {})


def status(cli, box, *args: str, password: str = ""):
    return cli.run("status", "1001", "1002", *args, UCMAUTO_ADMIN_PASSWORD=password or box.password("admin"))


def test_admin_only_status_reads_every_user_without_their_passwords(cli, box):
    arrange(box, users={"1001": ENABLED, "1002": {"enable_crm": "no"}}, statuses={"1001": "login"})
    r = status(cli, box, "--json")
    assert r.rc == 0, r.err
    doc = r.json()
    assert doc["admin_crm_source"] == "admin page" and doc["admin_crm"]["server_address"] == "zoho.com"
    users = {u["extension"]: u for u in doc["users"]}
    assert users["1001"]["crm"]["enable_crm"] is True and users["1001"]["login_status"] == "login"
    assert users["1001"]["crm"]["refresh_token"] == "(set)" and "1000.rt-value" not in r.out + r.err
    assert users["1002"]["crm"]["enable_crm"] is False
    counters = box.state()["counters"]
    assert set(counters["users"]) == {"admin"}  # no user logged in: the admin read it all
    assert counters["global"]["saves"] == {} and counters["global"]["applies"] == 0


@pytest.mark.parametrize("users, statuses, admin, code, words", [
    ({"1001": ENABLED, "1002": ENABLED}, {"1001": "login", "1002": "login"}, ZOHO_V2, 0,
     "UCMAUTO OK - Zoho CRM on (zoho.com); 2/2 user(s) Logged In"),
    ({"1001": ENABLED}, {"1001": "login"}, ZOHO_V2, 1, "UCMAUTO WARNING - CRM not enabled: 1002"),
    ({"1001": ENABLED, "1002": ENABLED}, {"1001": "login", "1002": ""}, ZOHO_V2, 1,
     "UCMAUTO WARNING - no Login Status yet: 1002"),
    ({"1001": ENABLED, "1002": ENABLED}, {"1001": "login", "1002": "logout"}, ZOHO_V2, 2,
     "UCMAUTO CRITICAL - Logged Out: 1002"),
    ({}, {}, {"crm_module": ""}, 2, "UCMAUTO CRITICAL - the admin CRM is"),
], ids=["ok", "warning-not-enabled", "warning-no-status", "critical-logged-out", "critical-admin-crm"])
def test_check_exit_codes(cli, box, users, statuses, admin, code, words):
    arrange(box, admin=admin, users=users, statuses=statuses)
    r = status(cli, box, "--check")
    assert r.rc == code, r.err
    assert r.out.startswith(words) and " | logged_in=" in r.out and len(r.out.splitlines()) == 1, r.out


def test_check_unknown_when_the_box_cannot_be_read(cli, box):
    r = status(cli, box, "--check", password="not-the-password")
    assert r.rc == 3, r.err
    assert r.out.startswith("UCMAUTO UNKNOWN - could not read everything: wrong password for 'admin'"), r.out


def test_check_unknown_on_bad_input_and_json(cli, box):
    r = cli.run("status", "--check", "--json", "--timeout", "0")
    assert r.rc == 3, r.err
    doc = r.json()
    assert doc["check"]["state"] == "UNKNOWN" and doc["check"]["exit_code"] == 3
    assert doc["error"]["code"] == "BAD_INPUT" and "--timeout" in doc["error"]["message"]
    assert r.err.startswith("ucmauto: bad --timeout")
