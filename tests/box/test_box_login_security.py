"""Lockout, max sessions, session expiry, CAPTCHA and first-login switches."""
from __future__ import annotations

import hashlib

ADMIN = "admin"


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def bad_login(box, user: str) -> dict:
    c = box.client()
    ch = c.cgi("challenge", user=user)["response"]["challenge"]
    return c.cgi("login", user=user, token=md5(ch + "wrong-password"))


def good_login(box, user: str) -> dict:
    return box.client().login(user, box.password(user))


def test_lockout_counts_down_then_temporary_ban(box, poll):
    box.control(login_max_num=3, login_ban_seconds=120)
    r1 = bad_login(box, "1001")
    assert r1["status"] == -37 and r1["response"]["remain_num"] == 2
    r2 = bad_login(box, "1001")
    assert r2["status"] == -37 and r2["response"]["remain_num"] == 1
    r3 = bad_login(box, "1001")
    assert r3["status"] == -68 and 0 < r3["response"]["remain_time"] <= 120
    # while banned even the right password is refused
    r4 = good_login(box, "1001")
    assert r4["status"] == -68 and 0 < r4["response"]["remain_time"] <= 120
    st = box.state()
    assert st["bans"]["1001"]["permanent"] is False
    assert st["counters"]["users"]["1001"]["failed_logins"] == 3
    assert st["counters"]["global"]["failed_logins"] == 3
    # other users are not affected
    assert good_login(box, "1002")["status"] == 0
    box.control(unban="1001")
    assert good_login(box, "1001")["status"] == 0


def test_ban_ends(box, poll):
    box.control(login_max_num=1, login_ban_seconds=1)
    r = bad_login(box, "1003")
    assert r["status"] == -68 and r["response"]["remain_time"] == 1
    poll(lambda: good_login(box, "1003")["status"] == 0, timeout=5, interval=0.2, what="ban end")
    # the count starts again after the ban
    assert bad_login(box, "1003")["status"] == -68


def test_permanent_ban(box):
    box.control(login_max_num=2, login_ban_seconds=0)
    assert bad_login(box, "1004")["status"] == -37
    r = bad_login(box, "1004")
    assert r["status"] == -70
    assert good_login(box, "1004")["status"] == -70
    st = box.state()
    assert st["bans"]["1004"]["permanent"] is True and st["bans"]["1004"]["remain_time"] is None


def test_good_login_resets_count(box):
    box.control(login_max_num=3)
    assert bad_login(box, "1005")["response"]["remain_num"] == 2
    assert bad_login(box, "1005")["response"]["remain_num"] == 1
    assert good_login(box, "1005")["status"] == 0
    assert bad_login(box, "1005")["response"]["remain_num"] == 2


def test_unlimited_attempts(box):
    box.control(login_max_num=0)
    for _ in range(7):
        r = bad_login(box, "1006")
        assert r["status"] == -37 and "remain_num" not in r["response"]
    assert good_login(box, "1006")["status"] == 0


def test_max_sessions(box):
    box.control(max_sessions=3)
    clients = [box.client() for _ in range(3)]
    for c in clients:
        assert c.login(ADMIN, box.password(ADMIN))["status"] == 0
    assert box.state()["sessions"] == 3
    assert good_login(box, "1001")["status"] == -41
    assert box.state()["counters"]["users"].get("1001", {}).get("failed_logins", 0) == 0
    # a wrong password still counts as a wrong password
    assert bad_login(box, "1001")["status"] == -37
    assert clients[0].cgi("logout", user=ADMIN)["status"] == 0
    assert good_login(box, "1001")["status"] == 0
    # a re-login from a browser that has a live session replaces it
    assert clients[1].login(ADMIN, box.password(ADMIN))["status"] == 0
    assert box.state()["sessions"] == 3


def test_session_idle_timeout(box, admin, poll):
    other = box.client()
    assert other.login("1001", box.password("1001"))["status"] == 0
    box.control(session_timeout_seconds=0.5)

    def idle_one_gone():
        assert admin.cgi("ping")["status"] == 0  # a session that keeps pinging stays alive
        return "1001" not in box.state()["sessions_by_user"]

    poll(idle_one_gone, timeout=5, interval=0.1, what="idle session expiry")
    assert other.cgi("ping")["status"] == -5
    assert admin.cgi("checkInfo", user=ADMIN)["status"] == 0


def test_session_idle_timeout_strict(box, admin, poll):
    box.control(session_timeout_seconds=0.3)
    poll(lambda: box.state()["sessions"] == 0, timeout=5, what="session count drops")
    assert admin.cgi("ping")["status"] == -5
    assert admin.cgi("getCRMSettings")["status"] == -5
    # a new login works again
    assert admin.login(ADMIN, box.password(ADMIN))["status"] == 0
    assert admin.cgi("ping")["status"] == 0


def test_expire_sessions(box, admin):
    box.control(expire_sessions=True)
    assert admin.cgi("checkInfo", user=ADMIN)["status"] == -5
    assert box.state()["sessions"] == 0


def test_captcha(box):
    box.control(captcha=True)
    c = box.client()
    ch = c.cgi("challenge", user=ADMIN)["response"]["challenge"]
    assert c.cgi("login", user=ADMIN, token=md5(ch + box.password(ADMIN)))["status"] == -1
    assert bad_login(box, ADMIN)["status"] == -1
    assert box.state()["counters"]["users"].get(ADMIN, {}).get("failed_logins", 0) == 0
    assert c.login(ADMIN, box.password(ADMIN), captcha="ok")["status"] == 0


def test_first_login_flag(box):
    box.control(first_login=True)
    reply = good_login(box, ADMIN)
    assert reply["response"]["user"]["is_first_login"] == "yes"
    assert reply["response"]["user"]["html_privilege"]["/setup-wizard"] == 1
    assert good_login(box, "1001")["response"]["user"]["is_first_login"] == "no"
    assert good_login(box, "manager")["response"]["user"]["is_first_login"] == "no"
    box.control(first_login=False)
    assert good_login(box, ADMIN)["response"]["user"]["is_first_login"] == "no"
