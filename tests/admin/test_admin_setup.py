"""admin-setup's good paths: change + apply, idempotence, dry run, order, switching CRMs."""

from __future__ import annotations

import pytest

from admin_helpers import WANT, crm, counters

ZOHO_EU = {
    "crm_module": "zohov2", "crm_addr": "zoho.eu", "number_add": "leads",
    "first_search": "leads", "second_search": "accounts", "third_search": "contacts",
}


def test_first_run_saves_and_applies_then_second_run_is_unchanged(admin, box):
    first = admin(*WANT, "--json")
    assert first.code == 0, first.err
    result = first.json
    assert result["changed"] is True and result["error"] is None
    assert {c["field"] for c in result["changes"]} == {"crm_module", "server_address", "lookups", "add_unknown"}
    assert result["before"]["crm_module"] == "none"
    assert result["after"] == {"crm_module": "zohov2", "server_address": "zoho.eu",
                               "lookups": ["leads", "accounts", "contacts"], "add_unknown": "leads"}
    state = box.state()
    assert crm(state, "saved") == ZOHO_EU and crm(state, "applied") == ZOHO_EU
    assert state["need_apply"] is False
    assert counters(state)["global"]["saves"] == {"updateCRMSettings": 1}
    assert counters(state)["global"]["applies"] == 1
    assert state["sessions"] == 0  # logged out

    second = admin(*WANT)
    assert second.code == 0, second.err
    assert "unchanged" in second.out
    again = box.state()
    assert counters(again)["global"]["saves"] == {"updateCRMSettings": 1}  # no Save clicked
    assert counters(again)["global"]["applies"] == 1
    assert "updateCRMSettings" in counters(again)["actions"] and counters(again)["actions"]["updateCRMSettings"] == 1


def test_dry_run_changes_nothing(admin, box):
    run = admin(*WANT, "--dry-run")
    assert run.code == 0, run.err
    assert "would change" in run.out and "crm_module: none -> zohov2" in run.out
    state = box.state()
    assert crm(state)["crm_module"] == "" and crm(state, "applied")["crm_module"] == ""
    assert counters(state)["global"]["saves"] == {} and counters(state)["global"]["applies"] == 0


@pytest.mark.parametrize("order", ["leads,accounts,contacts", "accounts", "contacts,accounts", "accounts,leads"])
def test_lookups_order_is_kept(admin, box, order):
    box.control(set_admin_crm={"crm_module": "zohov2", "crm_addr": "zoho.eu", "number_add": "contacts",
                               "first_search": "contacts", "second_search": "leads", "third_search": "accounts"},
                apply=True)
    wanted = order.split(",")
    run = admin("--lookups", order, "--add-unknown", wanted[0], "--json")
    assert run.code == 0, run.err
    saved = crm(box.state(), "applied")
    got = [saved["first_search"], saved["second_search"], saved["third_search"]]
    assert got == wanted + [""] * (3 - len(wanted))
    assert saved["crm_addr"] == "zoho.eu"  # not asked: kept
    assert run.json["after"]["lookups"] == wanted


@pytest.mark.parametrize("start", [
    {"crm_module": "salesforce", "crm_addr": "", "number_add": "leads", "first_search": "leads"},
    {"crm_module": "zoho", "crm_addr": "https://crm.zoho.com", "number_add": "contacts",
     "first_search": "contacts", "second_search": "accounts"},
    {"crm_module": "sugarcrm", "crm_addr": "https://crm.example.com", "number_add": "accounts",
     "first_search": "accounts"},
], ids=["salesforce", "legacy-zoho", "sugarcrm"])
def test_switches_other_crm_to_zoho_v2(admin, box, start):
    box.control(set_admin_crm=start, apply=True)
    run = admin(*WANT, "--json")
    assert run.code == 0, run.err
    assert run.json["before"]["crm_module"] == start["crm_module"]
    state = box.state()
    assert crm(state, "applied") == ZOHO_EU


def test_already_saved_but_not_applied_is_applied(admin, box):
    box.control(set_admin_crm=ZOHO_EU)  # saved, Apply Changes pending
    run = admin(*WANT, "--json")
    assert run.code == 0, run.err
    assert [c["field"] for c in run.json["changes"]] == ["apply_changes"]
    state = box.state()
    assert crm(state, "applied") == ZOHO_EU and state["need_apply"] is False
    assert counters(state)["global"]["saves"] == {}  # nothing to save, only Apply


def test_config_file_and_env_with_flag_precedence(admin, box, tmp_path, monkeypatch):
    cfg = tmp_path / "ucmauto.toml"
    cfg.write_text('[admin]\nserver_address = "zoho.in"\nlookups = ["accounts", "contacts"]\n'
                   'add_unknown = "accounts"\n')
    monkeypatch.setenv("UCMAUTO_SERVER_ADDRESS", "jp")
    run = admin("--config", str(cfg), "--dry-run", "--json")
    assert run.code == 0, run.err
    changes = {c["field"]: c["after"] for c in run.json["changes"]}
    assert changes["server_address"] == "zoho.jp"  # env beats the file
    assert changes["lookups"] == ["accounts", "contacts"]  # the file fills what env/flags don't
    run = admin("--config", str(cfg), "--server-address", "zoho.com.au", "--dry-run", "--json")
    assert {c["field"]: c["after"] for c in run.json["changes"]}["server_address"] == "zoho.com.au"


def test_insecure_works_and_warns(admin, box):
    run = admin(*WANT, "--insecure", trust=False)
    assert run.code == 0, run.err
    assert "warning: --insecure" in run.err
    assert not admin.known_hosts.exists()


def test_first_contact_with_fingerprint_is_remembered(admin, box):
    run = admin(*WANT, "--dry-run", "--fingerprint", box.fingerprint.lower(), trust=False)
    assert run.code == 0, run.err
    host = box.url.split("://", 1)[1]
    assert admin.known_hosts.read_text().split() == [host, box.fingerprint]
    assert admin(*WANT, "--dry-run", trust=False).code == 0  # remembered: no flag needed now


def test_trace_only_on_request_and_private(admin, box):
    run = admin(*WANT, "--dry-run", "--trace")
    assert run.code == 0, run.err
    assert "holds typed passwords" in run.err
    traces = [p for p in admin.artifacts.iterdir() if p.name.endswith("-trace.zip")]
    assert len(traces) == 1 and (traces[0].stat().st_mode & 0o777) == 0o600
    assert f"artifact: {traces[0]}" in run.err


def test_the_installed_command_as_a_process(admin, box, tmp_path):
    import os
    import subprocess
    import sys

    admin.trust()
    env = {k: v for k, v in os.environ.items() if not k.startswith("UCMAUTO_")}
    env.update(UCMAUTO_UCM=box.url, UCMAUTO_KNOWN_HOSTS=str(admin.known_hosts), XDG_CONFIG_HOME=str(tmp_path),
               UCMAUTO_ARTIFACTS_DIR=str(admin.artifacts))
    pw = tmp_path / "admin.pass"
    pw.write_text("wrong-password\n")
    run = subprocess.run([sys.executable, "-m", "ucm_automator", "admin-setup", "--admin-password-file", str(pw),
                          *WANT, "--timeout", "10"], env=env, capture_output=True, text=True, timeout=60,
                         stdin=subprocess.DEVNULL)
    assert run.returncode == 20, run.stderr
    assert run.stderr.strip().splitlines()[-1].startswith("ucmauto: wrong password for 'admin'")
    assert "wrong-password" not in run.stderr + run.stdout
