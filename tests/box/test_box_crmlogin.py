"""The background CRM login after Apply Changes: against a local token stub (exact requests, odd
answers) and against the fake Zoho (fixtures/zohofake)."""
from __future__ import annotations

import pytest

ADMIN = "admin"
ZOHO_EU = {"crm_module": "zohov2", "crm_addr": "zoho.eu", "number_add": "leads",
           "first_search": "leads", "second_search": "", "third_search": ""}
GOOD = {"client_id": "1000.GOOD", "client_secret": "sec", "refresh_token": "1000.good"}


def status_of(box, ext):
    return box.state()["users"][ext]["login_status"]


def test_background_login_against_stub(box, admin, login_as, stub, poll):
    stub.calls.clear()
    box.control(zoho_url=stub.url, crm_login_delay_ms=300)
    assert admin.cgi("updateCRMSettings", **ZOHO_EU)["status"] == 0
    u = login_as("1001")
    assert u.cgi("addCRMUserSettings", extension="1001", enable_crm="yes", **GOOD)["status"] == 0
    assert u.cgi("getCRMUserSettings", extension="1001")["response"]["extension"]["login_status"] == ""
    assert not stub.calls  # saving alone logs nobody in
    assert u.cgi("applyChanges", settings="")["status"] == 0
    # until the background login ends the status keeps its old value
    st = box.state()["users"]["1001"]
    assert st["login_status"] == "" and st["crm_login_pending"] is True
    poll(lambda: status_of(box, "1001") == "login", what="1001 logged in")
    assert u.cgi("getCRMUserSettings", extension="1001")["response"]["extension"]["login_status"] == "login"
    assert len(stub.calls) == 1
    call = stub.calls[0]
    assert call["path"] == "/accounts/eu/oauth/v2/token"
    assert "application/x-www-form-urlencoded" in call["ctype"]
    assert call["form"] == {"grant_type": "refresh_token", "client_id": "1000.GOOD", "client_secret": "sec",
                            "refresh_token": "1000.good"}
    st = box.state()
    assert st["users"]["1001"]["last_login_error"] is None
    assert st["counters"]["users"]["1001"]["crm_logins"] == 1 and st["counters"]["global"]["crm_logins"] == 1

    # an apply that changes nothing for a logged-in user does not log in again
    assert admin.cgi("applyChanges", settings="")["status"] == 0
    assert box.state()["users"]["1001"]["crm_login_pending"] is False

    # a bad token: "login" stays until the background attempt ends, then "logout"
    assert u.cgi("updateCRMUserSettings", extension="1001", enable_crm="yes", refresh_token="1000.bad")["status"] == 0
    assert u.cgi("applyChanges", settings="")["status"] == 0
    assert status_of(box, "1001") == "login"
    poll(lambda: status_of(box, "1001") == "logout", what="1001 logged out")
    assert "invalid_code" in box.state()["users"]["1001"]["last_login_error"]
    # status != login: every apply tries again
    box.control(crm_login_delay_ms=0)
    assert admin.cgi("applyChanges", settings="")["status"] == 0
    poll(lambda: len(stub.calls) == 3 and not box.state()["users"]["1001"]["crm_login_pending"],
         what="third attempt")
    assert box.state()["counters"]["users"]["1001"]["crm_logins"] == 3

    # disabling clears the status at apply
    assert u.cgi("updateCRMUserSettings", extension="1001", enable_crm="no")["status"] == 0
    assert u.cgi("applyChanges", settings="")["status"] == 0
    assert status_of(box, "1001") == ""
    assert u.cgi("getCRMUserSettings", extension="1001")["response"]["extension"]["login_status"] == ""


def test_background_login_failures(box, admin, stub, poll):
    box.control(zoho_url=stub.url, crm_login_delay_ms=0)
    box.control(set_admin_crm=ZOHO_EU, set_user_crm={"1002": dict(enable_crm="yes", **GOOD),
                                                      "1003": dict(enable_crm="yes", client_id="x",
                                                                   client_secret="y", refresh_token="html")},
                apply=True)
    poll(lambda: status_of(box, "1002") == "login" and status_of(box, "1003") == "logout", what="first logins")
    assert "not JSON" in box.state()["users"]["1003"]["last_login_error"]
    # the admin switches the CRM away from Zoho v2: applied change -> everyone logs in again -> logout
    box.control(set_admin_crm=dict(ZOHO_EU, crm_module="salesforce", crm_addr=""), apply=True)
    poll(lambda: status_of(box, "1002") == "logout", what="not zohov2")
    assert "not 'zohov2'" in box.state()["users"]["1002"]["last_login_error"]
    # the fake is unreachable
    box.control(set_admin_crm=ZOHO_EU, zoho_url="http://127.0.0.1:9", apply=True)
    poll(lambda: "network" in (box.state()["users"]["1002"]["last_login_error"] or ""), what="network error")
    assert status_of(box, "1002") == "logout"
    # no zoho_url at all
    box.control(zoho_url=None, set_login_status={"1002": "login"}, set_user_crm={"1002": dict(GOOD, enable_crm="yes",
                                                                                              client_id="changed")},
                apply=True)
    poll(lambda: status_of(box, "1002") == "logout", what="no zoho_url")
    assert "no zoho_url" in box.state()["users"]["1002"]["last_login_error"]


def test_background_login_against_zohofake(tmp_path, poll):
    zohoproc = pytest.importorskip("fixtures.zohoproc")
    from fixtures.procs import start_box
    with zohoproc.start_zoho() as zoho:
        st = zoho.state()
        eu = next(c for c in st["clients"] if c["dc"] == "eu" and not c.get("multi_dc"))
        rt = zoho.refresh_token(eu["client_id"], "alice@example.com", "ZohoCRM.modules.ALL,ZohoCRM.settings.ALL", dc="eu")
        with start_box(state_dir=tmp_path / "b", zoho_url=zoho.url, crm_login_delay_ms=50) as box:
            a = box.client()
            assert a.login(ADMIN, box.password(ADMIN))["status"] == 0
            assert a.cgi("updateCRMSettings", **ZOHO_EU)["status"] == 0
            u = box.client()
            assert u.login("1001", box.password("1001"))["status"] == 0
            assert u.cgi("addCRMUserSettings", extension="1001", enable_crm="yes", client_id=eu["client_id"],
                         client_secret=eu["client_secret"], refresh_token=rt)["status"] == 0
            assert a.cgi("applyChanges", settings="")["status"] == 0
            poll(lambda: status_of(box, "1001") == "login", what="login at the fake Zoho")
            # wrong data centre: the EU client is unknown at the US accounts server
            assert a.cgi("updateCRMSettings", **dict(ZOHO_EU, crm_addr="zoho.com"))["status"] == 0
            assert a.cgi("applyChanges", settings="")["status"] == 0
            poll(lambda: status_of(box, "1001") == "logout", what="logout at the wrong DC")
            assert "invalid_client" in box.state()["users"]["1001"]["last_login_error"]
