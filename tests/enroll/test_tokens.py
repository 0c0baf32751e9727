"""Bad refresh tokens: caught at Zoho before the UCM is touched, or — when the box logs out after
the check — a Logged Out failure naming the likely causes. Other users are never affected."""

from __future__ import annotations

import threading
import time

from enroll_helpers import EU


def test_revoked_token_fails_before_the_ucm_is_touched(env):
    bad = env.token("1001")
    env.token("1002")
    env.revoke(bad)
    r = env.run("enroll", "--file", str(env.inventory(["1001", "1002"])), "--json")
    assert r.rc == 5, r.err  # PARTIAL
    users = {u["extension"]: u for u in r.json()["users"]}
    err = users["1001"]["error"]
    assert err["code"] == "ZOHO_REFRESH_INVALID" and "UCM untouched" in err["message"]
    assert env.counters("1001")["logins"] == 0 and env.saves("1001") == 0  # never logged in
    assert users["1002"]["status"] == "ok" and env.user("1002")["login_status"] == "login"

    one = env.run("enroll-user", "1001", UCMAUTO_USER_PASSWORD=env.password("1001"))
    assert one.rc == 45 and "revoked" in one.err  # the single user's own exit code
    one.assert_no(bad)


def test_token_revoked_after_the_check_ends_logged_out_naming_causes(env):
    bad = env.token("1001")
    env.token("1002")
    env.box.control(crm_login_delay_ms=3000)  # time to revoke between Save and the box's own login
    inv = env.inventory(["1001", "1002"])

    def revoke_once_saved():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if env.user("1001")["crm"]["saved"]:
                env.revoke(bad)
                return
            time.sleep(0.05)

    t = threading.Thread(target=revoke_once_saved, daemon=True)
    t.start()
    r = env.run("enroll", "--file", str(inv), "--json", "--login-wait", "10")
    t.join(5)
    assert r.rc == 5, r.err
    users = {u["extension"]: u for u in r.json()["users"]}
    err = users["1001"]["error"]
    assert err["code"] == "CRM_LOGGED_OUT"
    assert "Logged Out" in err["message"] and "Zoho now rejects the token" in err["message"]
    assert "cannot reach Zoho" in err["message"]
    assert env.user("1001")["login_status"] == "logout"
    assert users["1002"]["status"] == "ok" and env.user("1002")["login_status"] == "login"
    r.assert_no(bad)


def test_token_of_another_data_centre_is_refused_before_saving(env):
    env.admin_crm("zoho.eu")
    env.token("1001", dc="us")  # the wrong data centre for this box
    env.token("1002", dc="eu", client=EU)
    rows = [{"extension": "1002", "name": "bob", "password_file": env.password_file("1002"),
             "client_secret_env": "EU_SECRET", "zoho_dc": "eu", "client_id": EU}]
    inv = env.inventory(["1001"], rows=rows)
    r = env.run("enroll", "--file", str(inv), "--json", EU_SECRET=env.zoho.client_secret(EU, "eu"))
    assert r.rc == 5, r.err
    users = {u["extension"]: u for u in r.json()["users"]}
    err = users["1001"]["error"]
    assert err["code"] == "DC_MISMATCH" and err["exit_code"] == 39 and "data centre eu" in err["message"] and "data centre us" in err["message"]
    assert env.saves("1001") == 0  # nothing saved for a token the box could not use
    assert users["1002"]["status"] == "ok" and env.user("1002")["login_status"] == "login"


def test_refresh_token_from_a_file_instead_of_the_store(env):
    raw = env.token("1004", store=False)
    tok = env.tmp / "1004.token"
    tok.write_text(raw + "\n")
    rows = [{"extension": "1004", "name": "dave", "password_file": env.password_file("1004"),
             "refresh_token_file": str(tok), "zoho_dc": "us", "client_id": "1000.DEMOCLIENTUS"}]
    r = env.run("enroll", "--file", str(env.inventory([], rows=rows)), "--json",
                UCMAUTO_ZOHO_ACCOUNTS_URL=env.zoho.accounts_url("us"))
    assert r.rc == 0, r.err
    assert r.json()["users"][0]["zoho_user"] == "user1004@example.com"
    assert env.user("1004")["crm"]["applied"]["refresh_token"] == raw
    r.assert_no(raw)


def test_admin_crm_not_zoho_v2_is_refused_before_saving(env):
    env.box.control(set_admin_crm={"crm_module": "salesforce", "crm_addr": "", "number_add": "contacts",
                                   "first_search": "contacts", "second_search": "", "third_search": ""}, apply=True)
    env.token("1001")
    r = env.run("enroll-user", "1001", "--json", UCMAUTO_USER_PASSWORD=env.password("1001"))
    assert r.rc == 38, r.err
    err = r.json()["users"][0]["error"]
    assert err["code"] == "ADMIN_CRM_NOT_READY" and "admin-setup" in err["message"]
    assert env.saves("1001") == 0


def test_a_token_without_the_users_scope_on_a_box_that_asks_who_it_is(env):
    # Grandstream's guide grants no ZohoCRM.users scope; a box whose login calls CurrentUser refuses it
    env.token("1001", scopes="ZohoCRM.modules.ALL,ZohoCRM.settings.ALL")
    env.box.control(crm_login_checks_user=True)
    r = env.run("enroll-user", "1001", "--json", "--login-wait", "3", UCMAUTO_USER_PASSWORD=env.password("1001"))
    assert r.rc == 36, r.err  # CRM_LOGGED_OUT
    message = r.json()["users"][0]["error"]["message"]
    causes = message.split("likely causes: ", 1)[1]
    assert causes.startswith("the token has no ZohoCRM.users scope"), message  # said first
    assert "CurrentUser" in env.user("1001")["last_login_error"]
