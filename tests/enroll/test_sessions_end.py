"""Sessions and logins as the real GUI does them (issue #12): a Save that logs in needs no admin,
a lost login reply is never a second failed attempt, and an interrupted run ends its sessions."""

from __future__ import annotations

import signal
import time

import pytest


def test_enroll_user_without_admin_password_where_the_save_logs_in(env):
    env.token("1001")
    env.box.control(user_apply=False, user_save_logs_in=True)
    r = env.run("enroll-user", "1001", "--json", "--no-input", UCMAUTO_USER_PASSWORD=env.password("1001"))
    assert r.rc == 0, r.err
    (user,) = r.json()["users"]
    assert user["status"] == "ok" and user["after"]["login_status"] == "login"
    c = env.counters("1001")
    assert c["logins"] == 1 and sum(c["saves"].values()) == 1 and c["applies"] == 0


def test_a_lost_login_reply_is_not_a_second_failed_attempt(env):
    env.token("1001")
    env.box.control(fault_502_after=1.0, fault_seed=1)  # every login processed, its reply lost
    r = env.run("enroll-user", "1001", "--json", UCMAUTO_USER_PASSWORD="a-wrong-password")
    assert r.rc == 15, r.err  # UCM_HTTP_ERROR: said once, not retried
    assert "may have counted it as a failed attempt" in r.json()["users"][0]["error"]["message"]
    assert env.counters("1001")["failed_logins"] == 1

    # the right password whose reply is lost: the box made a session the browser never got;
    # not sent again either (it could have been wrong), so the box holds that one session
    r = env.run("enroll-user", "1001", "--json", UCMAUTO_USER_PASSWORD=env.password("1001"))
    assert r.rc == 15, r.err
    st = env.state()
    assert st["counters"]["users"]["1001"]["logins"] == 1 and st["sessions_by_user"] == {"1001": 1}
    env.box.control(expire_sessions=True)  # what the box's User Login Timeout would do


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_batch_ends_its_sessions(env, sig, code):
    exts = [str(1001 + i) for i in range(8)]
    for ext in exts:
        env.token(ext)
    env.box.control(latency_ms=150)  # slow enough to be caught in the middle
    p = env.start("enroll", "--file", str(env.inventory(exts)), "-j", "2")
    deadline = time.monotonic() + 60
    while env.state()["sessions"] == 0 and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # poll interval: until a user is logged in
    assert env.state()["sessions"] > 0, "no user logged in within 60 s"
    p.send_signal(sig)
    out, err = p.communicate(timeout=60)
    assert p.returncode == code, err
    assert "interrupted" in err.lower(), err
    env.box.assert_no_sessions()
