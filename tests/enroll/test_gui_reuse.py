"""One worker keeps the GUI loaded from user to user: it logs the next user in on the form the GUI
shows after Logout, re-reads Login Status through the page's Cancel, and starts a fresh context
every 20 users. The box counts every load of the GUI (`_gui_load`)."""

from __future__ import annotations

from ucm_automator.ucm.portal import PortalOptions

EXTS = [str(1001 + i) for i in range(PortalOptions.renew_after + 1)]


def gui_loads(st: dict) -> int:
    return st["counters"]["actions"].get("_gui_load", 0)


def test_one_worker_loads_the_gui_once_per_20_users(env):
    for ext in EXTS:
        env.token(ext)
    r = env.run("enroll", "--file", str(env.inventory(EXTS)), "--json", "-j", "1")
    assert r.rc == 0, r.err
    st = env.state()
    # users 1-20 on the first load (Login Status re-read through Cancel), user 21 on a fresh context
    assert gui_loads(st) == 2
    assert st["counters"]["actions"]["logout"] == len(EXTS) and st["sessions"] == 0
    for ext in EXTS:
        u, c = st["users"][ext], st["counters"]["users"][ext]
        assert u["login_status"] == "login", (ext, u["last_login_error"])
        assert u["crm"]["applied"]["refresh_token"] == env.tokens[ext]  # nothing of one user reached the next
        assert c["logins"] == 1 and sum(c["saves"].values()) == 1
    assert all(u["after"]["login_status"] == "login" for u in r.json()["users"])


def test_a_cancel_that_only_resets_the_form_rereads_without_loading_the_gui(env):
    exts = EXTS[:2]
    for ext in exts:
        env.token(ext)
    env.box.control(cancel_rereads=False)  # Cancel puts back the stale Login Status it last read
    r = env.run("enroll", "--file", str(env.inventory(exts)), "--json", "-j", "1", "--login-wait", "20")
    assert r.rc == 0, r.err
    st = env.state()
    assert all(st["users"][ext]["login_status"] == "login" for ext in exts)
    # Login Status is read again by stepping back and forth in the GUI's history, not a full load
    assert gui_loads(st) == 1
    assert all(st["counters"]["users"][ext]["logins"] == 1 for ext in exts)
    assert all(u["after"]["login_status"] == "login" for u in r.json()["users"])
