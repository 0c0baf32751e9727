"""`ucmauto probe` (issue #13): read-only (no save, no apply, no session left), a draft profile
from what the GUI showed in its own language, and that draft makes admin-setup and enrolment
pass on a box whose texts differ from the bundled profile (the box in Spain)."""

from __future__ import annotations

import json

import pytest

from ucm_automator.ucm.profile import load_profile

US = "1000.DEMOCLIENTUS"


@pytest.fixture(scope="module")
def box_flags() -> dict:
    return {"country": "ES"}


def _arrange(env) -> dict:
    """1001 enrolled and Logged In; the admin CRM saved but not applied (Apply Changes shows)."""
    env.admin_crm("zoho.com")
    rec = {"enable_crm": "yes", "client_id": US, "client_secret": env.client_secret,
           "refresh_token": env.token("1001", store=False)}
    env.box.control(set_user_crm={"1001": rec}, apply=True)
    env.box.wait_for(lambda st: st["users"]["1001"]["login_status"] == "login", timeout=10)
    env.box.control(set_admin_crm={"crm_module": "zohov2", "crm_addr": "zoho.com", "number_add": "leads",
                                   "first_search": "contacts", "second_search": "leads"})
    return rec


def _probe(env, out):
    before = env.state()["counters"]
    r = env.run("-v", "probe", "--user", "1001", "--out", str(out), UCMAUTO_ADMIN_PASSWORD=env.password("admin"),
                UCMAUTO_USER_PASSWORD=env.password("1001"))
    assert r.rc == 0, r.err
    after = env.state()["counters"]
    assert after["global"].get("saves") == before["global"].get("saves")  # read-only: no save ...
    assert after["global"].get("applies") == before["global"].get("applies")  # ... and no apply
    assert all(not c["saves"] and not c["applies"] for c in after["users"].values())
    env.box.assert_no_sessions()
    return r


def test_probe_drafts_a_profile_that_runs_the_spanish_box(env, tmp_path):
    rec = _arrange(env)
    out = tmp_path / "probe"
    r = _probe(env, out)
    if "(the options of its Select)" in r.err:  # known race: a Select's list closed by a form refill
        r = _probe(env, out)  # (read-only: a second look changes nothing; see the issue #13 note)
    # with a user Logged In and a change pending it saw all it needs; only the other Login Status is not shown
    assert [ln for ln in r.err.splitlines() if "not seen" in ln] == [  # (-v: the log says why)
        "warning: not seen, left to the default: user_crm.status.logout (the probe user's Login Status was not 'logout')"]
    draft = load_profile(str(out / "profile.toml"))
    bundled = load_profile(None)
    assert draft.language == "es-ES" and draft.firmware == ["1.0.27.*"]
    assert draft.login.username_placeholder == "Por favor, introduzca el nombre de usuario"
    assert draft.buttons.model_dump() == {"login": "Iniciar sesión", "save": "Guardar", "cancel": "Cancelar",
                                          "apply": "Aplicar cambios", "logout": "Cerrar sesión"}
    assert draft.admin_crm.lookups["leads"] == "Buscar en la tabla de Clientes potenciales"
    assert draft.admin_crm.unknown_number == {"contacts": "Contactos", "leads": "Clientes potenciales",
                                              "accounts": "Cuentas"}
    assert draft.user_crm.status["login"] == "Conectado"
    assert draft.admin_crm.labels != bundled.admin_crm.labels  # the box's texts differ from the bundled

    report = json.loads((out / "report.json").read_text())
    assert {c["action"] for c in report["cgi"]} >= {"getInfo", "login", "getCRMSettings", "getCRMUserSettings"}
    assert report["facts"]["model"] == "UCM6302" and report["antd"] == 5
    assert sorted(p.name for p in out.iterdir()) == ["admin_crm.png", "profile.toml", "report.json", "user_crm.png"]
    assert all(p.stat().st_mode & 0o077 == 0 for p in out.iterdir())
    for f in ("report.json", "profile.toml"):
        text = (out / f).read_text()
        for s in (rec["client_secret"], rec["refresh_token"], env.password("admin"), env.password("1001")):
            assert s not in text, f"a secret in {f}"
    r.assert_no(rec["client_secret"], rec["refresh_token"], env.password("admin"), env.password("1001"))

    # the draft runs the Spanish box: admin-setup and an enrolment, in Spanish
    env.box.control(reset=True)
    env.zoho.reset()
    r = env.run("admin-setup", "--profile", str(out / "profile.toml"), "--server-address", "com", "--lookups",
                "leads,contacts", "--add-unknown", "leads", "--json", UCMAUTO_ADMIN_PASSWORD=env.password("admin"))
    assert r.rc == 0 and r.json()["changed"] is True, r.err
    assert env.state()["admin_crm"]["applied"]["first_search"] == "leads"
    exts = ["1002", "1003", "1004"]
    for ext in exts:
        env.token(ext)
    r = env.run("enroll", "--file", str(env.inventory(exts)), "--profile", str(out / "profile.toml"), "--json")
    assert r.rc == 0 and r.json()["summary"]["changed"] == 3, r.err
    assert all(env.state()["users"][e]["login_status"] == "login" for e in exts)


def test_probe_of_an_english_box_matches_the_bundled_profile(env, tmp_path):
    env.box.control(country="US")
    try:
        _arrange(env)
        out = tmp_path / "probe"
        _probe(env, out)
        draft, bundled = load_profile(str(out / "profile.toml")), load_profile(None)
        assert draft.language == "en-US"
        assert draft.login == bundled.login and draft.buttons == bundled.buttons
        assert draft.admin_crm.labels == bundled.admin_crm.labels
        assert draft.admin_crm.modules == bundled.admin_crm.modules
        assert draft.admin_crm.lookups == bundled.admin_crm.lookups
        assert draft.user_crm.labels == bundled.user_crm.labels
    finally:
        env.box.control(country="ES")
