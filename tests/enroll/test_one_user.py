"""One user end to end: stored state, idempotence, dry run, no secret in any output."""

from __future__ import annotations


def test_enroll_one_user_then_unchanged(env):
    token = env.token("1001")
    r = env.run("enroll-user", "1001", "--json", UCMAUTO_USER_PASSWORD=env.password("1001"))
    assert r.rc == 0, r.err
    doc = r.json()
    user = doc["users"][0]
    assert user["status"] == "ok" and user["changed"] is True
    assert {c["field"] for c in user["changes"]} == {"enable_crm", "client_id", "client_secret", "refresh_token"}
    assert user["after"]["login_status"] == "login"
    u = env.user("1001")
    assert u["crm"]["saved"] == u["crm"]["applied"]
    assert u["crm"]["applied"]["enable_crm"] == "yes" and u["crm"]["applied"]["refresh_token"] == token
    assert u["login_status"] == "login"
    assert env.saves("1001") == 1 and env.counters("1001")["logins"] == 1
    r.assert_no(token, env.client_secret, env.password("1001"))

    again = env.run("enroll-user", "1001", UCMAUTO_USER_PASSWORD=env.password("1001"))
    assert again.rc == 0, again.err
    assert "unchanged" in again.out
    assert env.saves("1001") == 1  # no second Save
    again.assert_no(token, env.client_secret, env.password("1001"))




def test_name_from_toml_inventory_dry_run_changes_nothing(env):
    env.token("1001")
    pw = env.tmp / "pw"
    pw.mkdir()
    (pw / "1001.pass").write_text(env.password("1001"))
    inv = env.tmp / "users.toml"
    inv.write_text('[defaults]\npassword_file = "pw/{extension}.pass"\n\n'
                   '[[users]]\nname = "alice"\nextension = "1001"\n')
    r = env.run("enroll-user", "alice", "--file", str(inv), "--dry-run", "--json")
    assert r.rc == 0, r.err
    user = r.json()["users"][0]
    assert user["name"] == "alice" and user["result"] == "would change" and user["dry_run"] is True
    assert "client_id" in {c["field"] for c in user["changes"]}
    assert env.saves("1001") == 0 and env.user("1001")["crm"]["saved"] is None
    assert not env.journal_events()  # a dry run leaves nothing to resume

    missing = env.run("enroll-user", "mallory", "--file", str(inv))
    assert missing.rc == 6 and "no user named 'mallory'" in missing.err


def test_no_stored_token_gets_one_from_a_grant_code_on_stdin(env):
    env.zoho.add_user("us", "erin@example.com", "Erin")
    code = env.zoho.grant("1000.DEMOCLIENTUS", "erin@example.com", "ZohoCRM.users.ALL,ZohoCRM.settings.ALL", dc="us")
    r = env.run("enroll-user", "1005", "--zoho-dc", "us", "--client-id", "1000.DEMOCLIENTUS",
                "--zoho-accounts-url", env.zoho.accounts_url("us"), stdin=code + "\n",
                UCMAUTO_USER_PASSWORD=env.password("1005"))
    assert r.rc == 0, r.err
    assert "stored Zoho token us/1000.DEMOCLIENTUS/erin@example.com/1005" in r.err
    assert env.user("1005")["login_status"] == "login"
    r.assert_no(code, env.client_secret, env.password("1005"))
    listed = env.run("token", "list", "--json")
    assert [t["name"] for t in listed.json()["tokens"]] == ["1005"]


def test_page_found_through_the_menu_when_the_route_moved(env):
    env.token("1001")
    prof = env.tmp / "moved.toml"
    prof.write_text('[routes]\nuser_crm = ["/user-value-added-features/movedAway"]\n')
    r = env.run("enroll-user", "1001", "--profile", str(prof), UCMAUTO_USER_PASSWORD=env.password("1001"))
    assert r.rc == 0, r.err
    assert env.user("1001")["login_status"] == "login"


def test_no_stored_token_gets_one_through_the_authorization_flow(env):
    import requests

    env.zoho.settings(consent="accept")  # the fake's consent page accepts at once (as alice@example.com)
    proc = env.start("enroll-user", "1006", "--get-token", "authorize", "--redirect-uri",
                     "http://127.0.0.1:0/callback", "--zoho-dc", "us", "--client-id", "1000.DEMOCLIENTUS",
                     "--zoho-accounts-url", env.zoho.accounts_url("us"), UCMAUTO_USER_PASSWORD=env.password("1006"))
    url = None
    for line in proc.stderr:  # the consent URL is shown on stderr; a person opens it in a browser
        if "/oauth/v2/auth?" in line:
            url = line.strip()
            break
    assert url, "no consent URL shown"
    requests.get(url, timeout=10)  # follows the redirect to ucmauto's loopback listener
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert env.user("1006")["login_status"] == "login"
    assert "us/1000.DEMOCLIENTUS/alice@example.com/1006" in err
