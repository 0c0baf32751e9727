"""`ucmauto status`: read-only, as a table or JSON."""

from __future__ import annotations

US = "1000.DEMOCLIENTUS"


def _arrange(env):
    """Two users enrolled through the box's control endpoint (fast), one not at all."""
    rec = {"enable_crm": "yes", "client_id": US, "client_secret": env.client_secret}
    env.box.control(set_user_crm={"1001": {**rec, "refresh_token": env.token("1001", store=False)},
                                  "1002": {**rec, "refresh_token": "1000.not-a-live-token"}}, apply=True)
    env.box.wait_for(lambda st: st["users"]["1001"]["login_status"] == "login"
                     and st["users"]["1002"]["login_status"] == "logout", timeout=10)


def test_status_table_and_json_change_nothing(env):
    _arrange(env)
    inv = env.inventory(["1001", "1002", "1003"])
    before = env.state()["counters"]["global"]
    r = env.run("status", "--file", str(inv), UCMAUTO_ADMIN_PASSWORD=env.password("admin"))
    assert r.rc == 0, r.err
    assert "admin CRM (admin page): Zoho CRM (v2 API); server address zoho.com" in r.out
    lines = {ln.split()[0]: ln for ln in r.out.splitlines() if ln[:4].isdigit()}
    assert "Logged In" in lines["1001"] and "Logged Out" in lines["1002"] and " no " in lines["1003"]
    assert env.tokens["1001"] not in r.out and env.client_secret not in r.out

    j = env.run("status", "1001", "1003", "--file", str(inv), "--json", "--no-admin")
    assert j.rc == 0, j.err
    doc = j.json()
    assert doc["admin_crm_source"] == "user portal (saved values)"
    assert doc["admin_crm"] == {"crm_module": "zohov2", "server_address": "zoho.com"}
    users = {u["extension"]: u for u in doc["users"]}
    assert users["1001"]["login_status"] == "login" and users["1001"]["crm"]["refresh_token"] == "(set)"
    assert users["1003"]["crm"]["enable_crm"] is False
    after = env.state()["counters"]["global"]
    assert after["saves"] == before["saves"] and after["applies"] == before["applies"]  # read-only


def test_status_of_a_user_with_a_wrong_password(env):
    r = env.run("status", "1002", "--no-admin", UCMAUTO_USER_PASSWORD="wrong-password")
    assert r.rc == 20, r.err  # the single failure's own code
    assert "wrong password for extension 1002" in r.err
