"""/cgi protocol: challenge/login md5, cookie, roles, session errors, unknown actions, HTTP routing."""
from __future__ import annotations

import hashlib

import requests

ADMIN = "admin"
ZOHO_CRM = {"crm_module": "zohov2", "crm_addr": "zoho.eu", "number_add": "leads",
            "first_search": "leads", "second_search": "contacts", "third_search": ""}


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def test_challenge_login_md5_and_cookie(box):
    c = box.client()
    ch = c.cgi("challenge", user=ADMIN)
    assert ch["status"] == 0
    challenge = ch["response"]["challenge"]
    assert challenge and challenge.isdigit()
    r = c.raw("login", user=ADMIN, token=md5(challenge + box.password(ADMIN)))
    body = r.json()
    assert body["status"] == 0
    user = body["response"]["user"]
    assert user["user_role"] == "privilege_0"
    assert user["is_first_login"] == "no"
    assert user["is_strong_password"] == "yes"
    assert user["html_privilege"]["/value-added-features/crm"] == 1
    assert "/user-value-added-features/userCrmUserSettings" not in user["html_privilege"]
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("session-identify=")
    sid = cookie.split(";")[0].split("=", 1)[1]
    assert len(sid) >= 16 and all(ch in "0123456789abcdef" for ch in sid)
    attrs = [a.strip().lower() for a in cookie.split(";")[1:]]
    assert "path=/" in attrs and "secure" in attrs and "samesite=lax" in attrs
    assert "httponly" not in attrs  # the real GUI reads it from script
    assert c.cgi("ping")["status"] == 0
    info = c.cgi("checkInfo", user=ADMIN)
    assert info["status"] == 0
    assert info["response"]["need_apply"] == "no" and info["response"]["need_reboot"] == "no"
    assert info["response"]["current_time"]


def test_challenge_is_one_time(box):
    c = box.client()
    challenge = c.cgi("challenge", user=ADMIN)["response"]["challenge"]
    token = md5(challenge + box.password(ADMIN))
    assert c.cgi("login", user=ADMIN, token=token)["status"] == 0
    again = box.client().cgi("login", user=ADMIN, token=token)
    assert again["status"] == -37  # a replayed token is a wrong password
    assert box.state()["counters"]["users"][ADMIN]["failed_logins"] == 1


def test_get_query_and_merged_params(box):
    c = box.client()
    r = c.raw("challenge", method="GET", user=ADMIN)
    assert r.json()["status"] == 0
    # query string and form body are merged
    r = c.http.post(f"{box.url}/cgi?action=challenge", data={"user": ADMIN}, timeout=10)
    assert r.json()["status"] == 0 and r.json()["response"]["challenge"]


def test_unknown_user_gets_challenge_then_71(box):
    c = box.client()
    ch = c.cgi("challenge", user="nobody")
    assert ch["status"] == 0 and ch["response"]["challenge"]
    assert c.cgi("login", user="nobody", token=md5(ch["response"]["challenge"] + "x"))["status"] == -71


def test_extension_user_role_and_privileges(box, login_as):
    c = box.client()
    reply = c.login("1001", box.password("1001"))
    assert reply["status"] == 0
    user = reply["response"]["user"]
    assert user["user_role"] == "privilege_3"
    assert user["is_first_login"] == "no"
    assert user["html_privilege"]["/user-value-added-features/userCrmUserSettings"] == 1
    assert user["html_privilege"]["/user-basic-information/userInformation"] == 1
    assert "/value-added-features/crm" not in user["html_privilege"]
    # own extension: allowed; other extension: -47; admin-only save: -47
    assert c.cgi("getCRMUserSettings", extension="1001") == {"response": {"extension": {}}, "status": 0}
    assert c.cgi("getCRMUserSettings", extension="1002")["status"] == -47
    assert c.cgi("addCRMUserSettings", extension="1002", enable_crm="no")["status"] == -47
    assert c.cgi("updateCRMSettings", **ZOHO_CRM)["status"] == -47
    assert c.cgi("getCRMSettings")["status"] == 0  # the user page reads the admin CRM
    weak = box.client().login("1025", box.password("1025"))
    assert weak["response"]["user"]["is_strong_password"] == "no"


def test_admin_roles(box, admin):
    assert admin.cgi("getCRMUserSettings", extension="1002")["status"] == 0
    assert admin.cgi("getCRMUserSettings", extension="9999")["status"] == -16
    assert admin.cgi("getCRMUserSettings")["status"] == -1
    mgr = box.client()
    reply = mgr.login("manager", box.password("manager"))
    assert reply["response"]["user"]["user_role"] == "privilege_1"
    assert mgr.cgi("updateCRMSettings", **ZOHO_CRM)["status"] == -47  # super admin only
    assert mgr.cgi("getCRMUserSettings", extension="1003")["status"] == 0


def test_session_errors(box, admin):
    anon = box.client()
    assert anon.cgi("ping")["status"] == -6
    assert anon.cgi("getCRMSettings")["status"] == -6
    anon.http.cookies.set("session-identify", "deadbeef" * 4)
    assert anon.cgi("ping")["status"] == -6
    assert admin.cgi("noSuchAction")["status"] == -19
    assert admin.cgi("checkInfo")["status"] == -1  # user missing
    r = admin.http.post(f"{box.url}/cgi", data={}, timeout=10)
    assert r.json()["status"] == -1  # no action
    assert admin.cgi("logout", user=ADMIN)["status"] == 0
    assert admin.cgi("ping")["status"] == -6
    assert box.state()["sessions"] == 0


def test_missing_login_params(box):
    c = box.client()
    assert c.cgi("challenge")["status"] == -1
    assert c.cgi("login", user=ADMIN)["status"] == -1


def test_box_api_needs_key(box):
    s = requests.Session()
    s.verify = str(box.cert_path)
    s.trust_env = False
    assert s.get(f"{box.url}/__box/state", timeout=10).status_code == 403
    assert s.get(f"{box.url}/__box/state", headers={"X-Box-Key": "wrong"}, timeout=10).status_code == 403
    assert s.post(f"{box.url}/__box/control", json={"reset": True}, timeout=10).status_code == 403
    assert s.get(f"{box.url}/__box/health", timeout=10).status_code == 200
    r = box.http.post(f"{box.url}/__box/control", json={"no_such_switch": 1}, timeout=10)
    assert r.status_code == 400
    r = box.http.post(f"{box.url}/__box/control", json={"latency_ms": -1}, timeout=10)
    assert r.status_code == 400


def test_static_locale_and_spa_routes(box):
    s = requests.Session()
    s.verify = str(box.cert_path)
    s.trust_env = False
    for path in ("/", "/login", "/value-added-features/crm", "/user-value-added-features/userCrmUserSettings"):
        r = s.get(box.url + path, timeout=10)
        assert r.status_code == 200 and "text/html" in r.headers["Content-Type"], path
        assert "<html" in r.text.lower()
    assert s.get(box.url + "/assets/does-not-exist.js", timeout=10).status_code == 404
    loc = s.get(box.url + "/locale/en-US.json", timeout=10)
    assert loc.status_code == 200
    prof = loc.json()
    assert prof["routes"]["admin_crm"] == "/value-added-features/crm"
    assert prof["captcha"] is False and prof["user_apply"] is True
    assert {"value": "zohov2", "label": "Zoho CRM (v2 API)"} in prof["crm_modules"]
    box.control(captcha=True, user_apply=False)
    prof = s.get(box.url + "/locale/en-US.json", timeout=10).json()
    assert prof["captcha"] is True and prof["user_apply"] is False
    assert s.get(box.url + "/locale/fr-FR.json", timeout=10).status_code == 404
