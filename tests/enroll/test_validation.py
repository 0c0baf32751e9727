"""Bad input is reported all at once, with line numbers, before anyone logs in."""

from __future__ import annotations


def test_every_problem_reported_with_its_line_before_any_login(env):
    env.token("1001")
    rows = [
        {"extension": "10a1", "name": "broken", "password_file": env.password_file("1001")},
        {"extension": "1001", "name": "again", "password_file": env.password_file("1001")},
        {"extension": "1003", "name": "carol", "password_env": "UCMAUTO_TEST_UNSET"},
        {"extension": "1004", "name": "dave", "password_file": env.password_file("1004"), "token_name": "nope"},
    ]
    inv = env.inventory(["1001"], rows=rows)  # lines 2..5 above, then line 6: 1001 alice
    text = inv.read_text().splitlines()
    assert text[1].startswith("10a1") and text[5].startswith("1001,alice")
    r = env.run("enroll", "--file", str(inv))
    assert r.rc == 3, r.err
    assert "users.csv:2: extension '10a1' is not 2 to 18 digits" in r.err
    assert "users.csv:6: extension '1001' again (first at users.csv:3)" in r.err
    assert "users.csv:4:" in r.err and "UCMAUTO_TEST_UNSET" in r.err
    assert "users.csv:5:" in r.err and "no stored Zoho token" in r.err
    st = env.state()
    assert st["counters"]["global"]["logins"] == 0 and st["counters"]["global"]["failed_logins"] == 0
    assert not env.journal_events()


def test_both_or_neither_of_all_and_file_is_a_usage_error(env):
    r = env.run("enroll")
    assert r.rc == 2 and "exactly one of --all" in r.err  # usage, as docs/exit-codes.md says
    r = env.run("enroll-user", "1x")
    assert r.rc != 0
