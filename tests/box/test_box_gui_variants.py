"""The switches for the ways real GUIs differ (issue #12), over real HTTPS: a user's save that logs the
user in (user_save_logs_in), the reply for a user without a record (no_record_shape), a lost login reply
(fault_502_after), and the Logout style the SPA is told (logout_style)."""
from __future__ import annotations

import hashlib

import pytest

from fixtures.procs import start_box

ZOHO_EU = {"crm_module": "zohov2", "crm_addr": "zoho.eu", "number_add": "leads",
           "first_search": "leads", "second_search": "", "third_search": ""}
GOOD = {"client_id": "1000.GOOD", "client_secret": "sec", "refresh_token": "1000.good"}


def status_of(box, ext):
    return box.state()["users"][ext]["login_status"]


def test_user_save_logs_in_without_apply(box, login_as, stub, poll):
    stub.calls.clear()
    box.control(zoho_url=stub.url, crm_login_delay_ms=30, user_save_logs_in=True, user_apply=False,
                set_admin_crm=ZOHO_EU, apply=True)
    u = login_as("1001")
    reply = u.cgi("addCRMUserSettings", extension="1001", enable_crm="yes", **GOOD)
    assert reply == {"response": {"need_apply": "no"}, "status": 0}
    st = box.state()
    assert st["need_apply"] is False
    assert st["users"]["1001"]["crm"]["applied"] == st["users"]["1001"]["crm"]["saved"]
    assert u.cgi("checkInfo", user="1001")["response"]["need_apply"] == "no"
    poll(lambda: status_of(box, "1001") == "login", what="1001 logged in by its own save")
    assert u.cgi("getCRMUserSettings", extension="1001")["response"]["extension"]["login_status"] == "login"
    assert [c["path"] for c in stub.calls] == ["/accounts/eu/oauth/v2/token"]
    assert u.cgi("applyChanges", settings="")["status"] == -47  # user_apply no: no Apply for users

    # a bad token: the save logs in again and ends "logout"
    assert u.cgi("updateCRMUserSettings", extension="1001", enable_crm="yes",
                 refresh_token="1000.bad")["response"]["need_apply"] == "no"
    poll(lambda: status_of(box, "1001") == "logout", what="1001 logged out")
    assert box.state()["counters"]["users"]["1001"]["crm_logins"] == 2
    # disabling takes effect at once too
    assert u.cgi("updateCRMUserSettings", extension="1001", enable_crm="no")["response"]["need_apply"] == "no"
    st = box.state()
    assert st["users"]["1001"]["login_status"] == "" and st["users"]["1001"]["crm"]["applied"]["enable_crm"] == "no"
    assert st["need_apply"] is False

    # switched off (the default): a save waits for Apply Changes and logs nobody in
    box.control(user_save_logs_in=False)
    assert u.cgi("updateCRMUserSettings", extension="1001", enable_crm="yes",
                 **GOOD)["response"]["need_apply"] == "yes"
    st = box.state()
    assert st["need_apply"] is True and st["users"]["1001"]["crm_login_pending"] is False
    assert st["users"]["1001"]["crm"]["applied"]["enable_crm"] == "no"


@pytest.mark.parametrize("shape, response", [
    ("empty_dict", {"extension": {}}),
    ("missing", {}),
    ("empty_list", {"extension": []}),
])
def test_no_record_shape(box, admin, login_as, shape, response):
    box.control(no_record_shape=shape)
    assert login_as("1001").cgi("getCRMUserSettings", extension="1001") == {"response": response, "status": 0}
    assert admin.cgi("getCRMUserSettings", extension="1002") == {"response": response, "status": 0}
    # a record is a record whatever the switch
    box.control(set_user_crm={"1002": {"enable_crm": "no"}}, apply=True)
    assert admin.cgi("getCRMUserSettings", extension="1002")["response"]["extension"]["enable_crm"] == "no"


def test_default_and_bad_switch_values(box):
    sw = box.state()["switches"]
    assert (sw["logout_style"], sw["user_save_logs_in"], sw["no_record_shape"], sw["page_reads"]) == \
        ("dropdown", False, "empty_dict", "parallel")
    for bad in ({"logout_style": "button"}, {"no_record_shape": "null"}, {"user_save_logs_in": "maybe"},
                {"page_reads": "random"}):
        with pytest.raises(ValueError, match="HTTP 400"):
            box.control(**bad)
    # the SPA reads the Logout style with its texts
    assert box.http.get(f"{box.url}/locale/en-US.json", timeout=10).json()["logout_style"] == "dropdown"
    box.control(logout_style="link")
    assert box.http.get(f"{box.url}/locale/en-US.json", timeout=10).json()["logout_style"] == "link"
    # and the order of the user CRM page's reads
    assert box.http.get(f"{box.url}/locale/en-US.json", timeout=10).json()["page_reads"] == "parallel"
    box.control(page_reads="sequential")
    assert box.http.get(f"{box.url}/locale/es-ES.json", timeout=10).json()["page_reads"] == "sequential"


def test_switch_flags(tmp_path):
    with start_box(state_dir=tmp_path / "b", logout_style="link", user_save_logs_in="yes",
                   no_record_shape="missing", page_reads="sequential") as b:
        sw = b.state()["switches"]
        assert (sw["logout_style"], sw["user_save_logs_in"], sw["no_record_shape"], sw["page_reads"]) == \
            ("link", True, "missing", "sequential")
        b.control(logout_style="dropdown")
        assert b.state()["switches"]["fault_502_actions"] is None
        b.control(reset=True)  # back to the command line's values
        assert b.state()["switches"]["logout_style"] == "link"


def _token(client, user, password):
    challenge = client.cgi("challenge", user=user)["response"]["challenge"]
    return hashlib.md5((challenge + password).encode()).hexdigest()


def test_lost_login_reply_is_counted(box):
    """fault_502_after covers login: processed (a wrong password counted, a right one a session), reply lost."""
    box.control(fault_502_after=1.0, login_max_num=5)
    c = box.client()
    r = c.raw("login", user="1001", token=_token(c, "1001", "wrong-password"))
    assert r.status_code == 502 and "Bad Gateway" in r.text
    st = box.state()
    assert st["counters"]["users"]["1001"]["failed_logins"] == 1 and st["failed_logins"] == {"1001": 1}
    assert st["counters"]["faults"]["http_502_after_by_action"] == {"login": 1}
    assert st["sessions"] == 0

    r = c.raw("login", user="1001", token=_token(c, "1001", box.password("1001")))
    assert r.status_code == 502
    assert c.session_id is None  # the cookie went with the lost reply
    st = box.state()
    assert st["sessions_by_user"] == {"1001": 1}  # ... but the box made the session
    assert st["failed_logins"] == {} and st["counters"]["users"]["1001"]["logins"] == 1
    assert st["counters"]["faults"]["http_502_after"] == 2
    with pytest.raises(AssertionError, match="1001"):
        box.assert_no_sessions()
    box.control(expire_sessions=True)
    box.assert_no_sessions()


def test_logout_ends_the_session(box, admin, login_as):
    u = login_as("1001")
    assert box.sessions_left() == {"admin": 1, "1001": 1}
    assert u.cgi("logout", method="GET", user="1001")["status"] == 0
    assert admin.cgi("logout", user="admin")["status"] == 0
    assert box.sessions_left() == {}
    box.assert_no_sessions()


def test_fault_502_can_target_actions(box, login_as):
    """fault_502_actions: only the named reads are refused (e.g. one page read, never a login or save)."""
    box.control(set_admin_crm=ZOHO_EU, apply=True, fault_502=1.0, fault_502_actions=["getCRMSettings"])
    u = login_as("1001")  # challenge and login are not hit
    assert u.cgi("getCRMUserSettings", extension="1001")["status"] == 0
    assert u.raw("getCRMSettings").status_code == 502
    faults = box.state()["counters"]["faults"]
    assert faults["http_502_by_action"] == {"getCRMSettings": 1} and faults["http_502"] == 1
    box.control(fault_502_actions=None)  # every action again
    assert u.raw("ping").status_code == 502
    with pytest.raises(ValueError, match="HTTP 400"):
        box.control(fault_502_actions=[1, 2])
