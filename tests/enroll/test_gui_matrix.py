"""The core scenarios on every GUI behaviour the spec allows (issue #12's matrix).

Each variant is a box of its own that allows only 6 sessions (a session left open would be
felt): admin-setup from scratch, 12 users enrolled, status, a re-run that changes nothing, and
one wrong password. Each asserts the box's state: every user Logged In with its own token,
one save per user, at most one failed login per account, and no session left open.
"""

from __future__ import annotations

import pytest

from enroll_helpers import Env
from fixtures.procs import start_box

EXTS = [str(1001 + i) for i in range(12)]
ADMIN = ["--server-address", "com", "--lookups", "contacts,leads", "--add-unknown", "contacts"]

VARIANTS = {
    # the real GUI: Logout in the user-name menu; the rest as the box always did
    "default": {},
    # the old friendly box: a plain Logout link, users have Apply Changes
    "link_and_user_apply": {"logout_style": "link", "user_apply": "yes", "no_record_shape": "missing"},
    # a user's own Save logs in; no Apply for users, none needed (no admin password given)
    "save_logs_in": {"user_apply": "no", "user_save_logs_in": "yes", "no_record_shape": "empty_list"},
    # no Apply for users and the Save alone does nothing: one admin Apply after the batch
    "needs_admin_apply": {"user_apply": "no", "user_save_logs_in": "no"},
    # Cancel only puts back the values the page last read (stale Login Status)
    "cancel_only_resets": {"cancel_rereads": "no"},
}


@pytest.fixture(scope="module", params=list(VARIANTS), ids=list(VARIANTS))
def variant_box(request, zoho_server):
    with start_box(zoho_url=zoho_server.url, crm_login_delay_ms=300, max_sessions=6, login_max_num=5,
                   **VARIANTS[request.param]) as b:
        yield request.param, b


@pytest.fixture
def venv(variant_box, zoho_server, tmp_path):
    name, box = variant_box
    box.control(reset=True)
    zoho_server.reset()
    yield name, Env(box, zoho_server, tmp_path)
    box.assert_no_sessions()


def _admin_password(name: str, env: Env) -> dict[str, str]:
    # where users' saves log in by themselves, enrolment must not need the admin at all
    return {} if name == "save_logs_in" else {"UCMAUTO_ADMIN_PASSWORD": env.password("admin")}


def test_core_scenarios(venv):
    name, env = venv
    admin = {"UCMAUTO_ADMIN_PASSWORD": env.password("admin")}

    # admin-setup, seven times in a row on a box of six sessions: each run ends its session
    first = env.run("admin-setup", *ADMIN, "--json", **admin)
    assert first.rc == 0, first.err
    assert first.json()["changed"] is True
    for _ in range(6 if name == "default" else 1):
        again = env.run("admin-setup", *ADMIN, "--json", **admin)
        assert again.rc == 0, again.err
        assert again.json()["changed"] is False
    env.box.assert_no_sessions()

    # 12 users on a box that allows 6 sessions
    for ext in EXTS:
        env.token(ext)
    inv = str(env.inventory(EXTS))
    admin_applies = env.counters("admin")["applies"]  # admin-setup's own
    r = env.run("enroll", "--file", inv, "--json", "--no-input", **_admin_password(name, env))
    assert r.rc == 0, r.err
    st = env.state()
    for ext in EXTS:
        u, c = st["users"][ext], st["counters"]["users"][ext]
        assert u["login_status"] == "login", (name, ext, u["last_login_error"])
        assert u["crm"]["applied"]["refresh_token"] == env.tokens[ext]  # its own token
        assert sum(c["saves"].values()) == 1 and c["failed_logins"] == 0, (name, ext, c)
        # Login Status is read in the session that saved; only the admin's Apply needs a second look
        assert c["logins"] == (2 if name == "needs_admin_apply" else 1), (name, ext, c)
    assert env.counters("admin")["applies"] - admin_applies == (1 if name == "needs_admin_apply" else 0), name
    env.box.assert_no_sessions()

    # status: read-only, all Logged In
    s = env.run("status", "--file", inv, "--json", "--no-input", **admin)
    assert s.rc == 0, s.err
    assert [u["crm"]["login_status"] for u in s.json()["users"]] == ["login"] * len(EXTS)

    # a re-run changes nothing (admin and users)
    saves_before = env.state()["counters"]["global"]["saves"]
    assert env.run("admin-setup", *ADMIN, "--json", **admin).json()["changed"] is False
    again = env.run("enroll", "--file", inv, "--json", "--no-input", "--restart", **_admin_password(name, env))
    assert again.rc == 0, again.err
    assert all(u["changed"] is False and u["status"] == "ok" for u in again.json()["users"])
    assert env.state()["counters"]["global"]["saves"] == saves_before

    # one wrong password: that user fails once, with its code, and is tried exactly once
    bad = env.run("enroll-user", "1001", "--json", UCMAUTO_USER_PASSWORD="not-the-password")
    assert bad.rc == 20, bad.err  # LOGIN_WRONG_PASSWORD
    assert env.state()["counters"]["users"]["1001"]["failed_logins"] == 1
    r.assert_no(env.client_secret, *env.tokens.values(), *(env.password(e) for e in EXTS))
