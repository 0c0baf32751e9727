"""Login refusals: a wrong password is tried exactly once, a banned user not at all, a full box is
waited for; the other users carry on."""

from __future__ import annotations

from pathlib import Path


def test_wrong_password_is_tried_once_and_others_continue(env):
    for ext in ("1001", "1002", "1003"):
        env.token(ext)
    inv = env.inventory(["1001", "1002", "1003"], passwords={"1002": "not-bobs-password"})
    r = env.run("enroll", "--file", str(inv), "--json")
    assert r.rc == 5, r.err
    users = {u["extension"]: u for u in r.json()["users"]}
    assert users["1002"]["error"]["code"] == "LOGIN_WRONG_PASSWORD"
    assert "not retrying" in users["1002"]["error"]["message"]
    assert env.counters("1002")["failed_logins"] == 1 and env.counters("1002")["logins"] == 0
    for ext in ("1001", "1003"):
        assert users[ext]["status"] == "ok" and env.user(ext)["login_status"] == "login"
    r.assert_no("not-bobs-password")
    shots = [Path(p) for p in users["1002"]["artifacts"]]  # a screenshot (password masked) and a note
    assert {p.suffix for p in shots} == {".png", ".txt"}
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in shots)
    assert "not-bobs-password" not in next(p for p in shots if p.suffix == ".txt").read_text()


def test_banned_user_is_not_tried_and_others_continue(env):
    env.token("1001")
    env.token("1003")
    c = env.box.client()
    for _ in range(5):  # the box's login_max_num: now banned
        c.login("1003", "wrong-password")
    assert "1003" in env.state()["bans"]
    r = env.run("enroll", "--file", str(env.inventory(["1001", "1003"])), "--json")
    assert r.rc == 5, r.err
    users = {u["extension"]: u for u in r.json()["users"]}
    assert users["1003"]["error"]["code"] == "LOGIN_BANNED" and "banned" in users["1003"]["error"]["message"]
    assert env.counters("1003")["failed_logins"] == 5  # the right password was not even counted
    assert users["1001"]["status"] == "ok"

    one = env.run("enroll-user", "1003", UCMAUTO_USER_PASSWORD=env.password("1003"))
    assert one.rc == 21, one.err


def test_full_box_is_waited_for(env):
    exts = ["1001", "1002", "1003", "1004"]
    for ext in exts:
        env.token(ext)
    env.box.control(max_sessions=1)  # -41 for every second login at once
    r = env.run("enroll", "--file", str(env.inventory(exts)), "--json", "-j", "3")
    assert r.rc == 0, r.err
    assert all(env.user(e)["login_status"] == "login" for e in exts)
    assert all(env.saves(e) == 1 for e in exts)
