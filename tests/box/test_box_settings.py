"""Saved vs applied settings, need_apply, validation, add/update rules, Apply Changes refusals, masking."""
from __future__ import annotations

import pytest

ADMIN = "admin"
ZOHO_CRM = {"crm_module": "zohov2", "crm_addr": "zoho.eu", "number_add": "leads",
            "first_search": "leads", "second_search": "contacts", "third_search": ""}
CREDS = {"client_id": "1000.ABC", "client_secret": "s3cret", "refresh_token": "1000.rt.xyz"}


def test_save_apply_saved_vs_applied(box, admin):
    assert admin.cgi("getCRMSettings")["response"]["crm_settings"]["crm_module"] == ""
    reply = admin.cgi("updateCRMSettings", **ZOHO_CRM, ignored_extra="x")
    assert reply == {"response": {"need_apply": "yes"}, "status": 0}
    assert admin.cgi("getCRMSettings")["response"]["crm_settings"] == ZOHO_CRM
    assert admin.cgi("checkInfo", user=ADMIN)["response"]["need_apply"] == "yes"
    st = box.state()
    assert st["need_apply"] is True
    assert st["admin_crm"]["saved"] == ZOHO_CRM
    assert st["admin_crm"]["applied"]["crm_module"] == ""
    assert "ignored_extra" not in st["admin_crm"]["saved"]
    assert st["counters"]["users"][ADMIN]["saves"] == {"updateCRMSettings": 1}

    reply = admin.cgi("applyChanges", method="GET", settings="")
    assert reply["status"] == 0 and reply["response"]["settings"] == "0"
    assert admin.cgi("checkInfo", user=ADMIN)["response"]["need_apply"] == "no"
    st = box.state()
    assert st["need_apply"] is False and st["admin_crm"]["applied"] == ZOHO_CRM
    assert st["counters"]["global"]["applies"] == 1

    # disabled: crm_module "none" is saved as "" with every other key ""
    assert admin.cgi("updateCRMSettings", crm_module="none", crm_addr="zoho.eu", number_add="leads",
                     first_search="leads")["status"] == 0
    assert admin.cgi("getCRMSettings")["response"]["crm_settings"] == {k: "" for k in ZOHO_CRM}
    assert box.state()["admin_crm"]["applied"] == ZOHO_CRM


@pytest.mark.parametrize("change", [
    {"crm_addr": ""},                     # required for Zoho
    {"crm_addr": "accounts.zoho.eu"},     # not one of the profile's servers
    {"crm_addr": "https://zoho.eu"},
    {"first_search": "", "second_search": "", "number_add": ""},  # at least one lookup
    {"second_search": "leads"},           # not distinct
    {"second_search": "deals"},           # not a lookup key
    {"number_add": "accounts"},           # not among the chosen lookups
    {"number_add": ""},
    {"crm_module": "hubspot"},
])
def test_admin_validation(box, admin, change):
    params = dict(ZOHO_CRM, **change)
    assert admin.cgi("updateCRMSettings", **params)["status"] == -15
    assert box.state()["admin_crm"]["saved"]["crm_module"] == ""
    assert box.state()["need_apply"] is False


def test_admin_validation_other_modules(box, admin):
    assert admin.cgi("updateCRMSettings")["status"] == -1
    sugar = dict(ZOHO_CRM, crm_module="sugarcrm", crm_addr="crm.example.com")
    assert admin.cgi("updateCRMSettings", **sugar)["status"] == -15
    sugar["crm_addr"] = "https://crm.example.com"
    assert admin.cgi("updateCRMSettings", **sugar)["status"] == 0
    sf = dict(ZOHO_CRM, crm_module="salesforce", crm_addr="zoho.eu", first_search="contacts",
              second_search="", number_add="contacts")
    assert admin.cgi("updateCRMSettings", **sf)["status"] == 0
    saved = admin.cgi("getCRMSettings")["response"]["crm_settings"]
    assert saved["crm_addr"] == "" and saved["first_search"] == "contacts"


def test_user_add_update_rules(box, admin, login_as):
    admin.cgi("updateCRMSettings", **ZOHO_CRM)
    u = login_as("1001")
    assert u.cgi("updateCRMUserSettings", extension="1001", enable_crm="no")["status"] == -16
    # enabled needs every Zoho field
    assert u.cgi("addCRMUserSettings", extension="1001", enable_crm="yes", client_id="x",
                 client_secret="y")["status"] == -15
    assert u.cgi("addCRMUserSettings", extension="1001", enable_crm="yes", client_id="x",
                 client_secret="y", refresh_token="  ")["status"] == -15
    assert u.cgi("addCRMUserSettings", extension="1001", enable_crm="maybe")["status"] == -15
    assert u.cgi("addCRMUserSettings", extension="1001")["status"] == -1
    assert u.cgi("addCRMUserSettings", extension="1001", enable_crm="yes",
                 client_id="x" * 129, client_secret="y", refresh_token="z")["status"] == -15
    reply = u.cgi("addCRMUserSettings", extension="1001", enable_crm="yes", **CREDS, bogus="1")
    assert reply == {"response": {"need_apply": "yes"}, "status": 0}
    assert u.cgi("addCRMUserSettings", extension="1001", enable_crm="yes", **CREDS)["status"] == -44
    got = u.cgi("getCRMUserSettings", extension="1001")["response"]["extension"]
    assert got["enable_crm"] == "yes" and got["client_id"] == "1000.ABC" and got["refresh_token"] == "1000.rt.xyz"
    assert got["login_status"] == ""
    assert "bogus" not in box.state()["users"]["1001"]["crm"]["saved"]
    # disabling sends only enable_crm=no; the stored fields stay
    assert u.cgi("updateCRMUserSettings", extension="1001", enable_crm="no")["status"] == 0
    saved = box.state()["users"]["1001"]["crm"]["saved"]
    assert saved["enable_crm"] == "no" and saved["client_id"] == "1000.ABC"
    assert box.state()["users"]["1001"]["crm"]["applied"] is None
    # the admin may edit any user's record
    assert admin.cgi("updateCRMUserSettings", extension="1001", enable_crm="yes", client_id="new")["status"] == 0
    assert box.state()["users"]["1001"]["crm"]["saved"]["client_id"] == "new"
    assert admin.cgi("addCRMUserSettings", extension="4444", enable_crm="no")["status"] == -16
    counters = box.state()["counters"]
    assert counters["users"]["1001"]["saves"] == {"addCRMUserSettings": 1, "updateCRMUserSettings": 1}
    assert counters["global"]["saves"]["updateCRMUserSettings"] == 2


def test_apply_refusals(box, admin, login_as):
    admin.cgi("updateCRMSettings", **ZOHO_CRM)
    assert admin.cgi("applyChanges")["status"] == -1  # the GUI always sends settings=
    box.control(conference_in_progress=True)
    assert admin.cgi("applyChanges", settings="")["status"] == -69
    assert box.state()["need_apply"] is True
    box.control(conference_in_progress=False, apply_fail=True)
    reply = admin.cgi("applyChanges", settings="")
    assert reply["status"] == -9 and reply["response"]["settings"] == "-1"
    box.control(apply_fail=False, user_apply=False)
    u = login_as("1002")
    assert u.cgi("applyChanges", settings="")["status"] == -47
    assert box.state()["need_apply"] is True
    box.control(user_apply=True)
    assert u.cgi("applyChanges", settings="")["status"] == 0
    st = box.state()
    assert st["need_apply"] is False and st["admin_crm"]["applied"] == ZOHO_CRM
    assert st["counters"]["users"]["1002"]["applies"] == 1


def test_user_apply_flag(tmp_path):
    from fixtures.procs import start_box
    with start_box(user_apply="no", state_dir=tmp_path / "s") as b:
        u = b.client()
        assert u.login("1001", b.password("1001"))["status"] == 0
        assert u.cgi("applyChanges", settings="")["status"] == -47
        assert b.state()["switches"]["user_apply"] is False


def test_mask_secrets(box, admin, login_as):
    admin.cgi("updateCRMSettings", **ZOHO_CRM)
    u = login_as("1003")
    assert u.cgi("addCRMUserSettings", extension="1003", enable_crm="yes", **CREDS)["status"] == 0
    box.control(mask_secrets=True)
    got = u.cgi("getCRMUserSettings", extension="1003")["response"]["extension"]
    assert got["client_id"] == "1000.ABC"
    assert got["client_secret"] == "******" and got["refresh_token"] == "******"
    assert got["crm_password"] == ""  # empty secrets are not masked
    # a form saved back with the placeholders keeps the stored secrets
    assert u.cgi("updateCRMUserSettings", extension="1003", enable_crm="yes", client_id="1000.NEW",
                 client_secret="******", refresh_token="******")["status"] == 0
    saved = box.state()["users"]["1003"]["crm"]["saved"]
    assert saved == dict(saved, client_id="1000.NEW", client_secret="s3cret", refresh_token="1000.rt.xyz")
    assert u.cgi("updateCRMUserSettings", extension="1003", enable_crm="yes",
                 refresh_token="1000.rt.new")["status"] == 0
    assert box.state()["users"]["1003"]["crm"]["saved"]["refresh_token"] == "1000.rt.new"


def test_control_arranges_state(box, admin):
    st = box.control(set_admin_crm=ZOHO_CRM, set_user_crm={"1001": dict(enable_crm="yes", **CREDS)})
    assert st["need_apply"] is True and st["admin_crm"]["saved"] == ZOHO_CRM
    assert st["users"]["1001"]["crm"]["applied"] is None
    st = box.control(apply=True, set_login_status={"1002": "logout"})
    assert st["need_apply"] is False and st["users"]["1001"]["crm"]["applied"]["client_id"] == "1000.ABC"
    assert st["counters"]["global"]["applies"] == 0  # control applies are not GUI applies
    assert admin.cgi("getCRMUserSettings", extension="1001")["response"]["extension"]["client_secret"] == "s3cret"
    st = box.control(reset=True)
    assert st["admin_crm"]["saved"]["crm_module"] == "" and st["users"]["1001"]["crm"]["saved"] is None
    assert st["sessions"] == 0 and st["counters"]["global"]["logins"] == 0
    assert admin.cgi("ping")["status"] == -6
