"""The tool on a box in Spain and one in China (issue #13): with no profile given it works in
English (it sets the GUI's language before the GUI loads); with the Spanish profile, in Spanish.
Each: admin-setup, a 12-user enrolment, status with the box's facts, and a re-run that changes
nothing."""

from __future__ import annotations

import pytest

EXTS = [str(1001 + i) for i in range(12)]
WANT = ("--server-address", "com", "--lookups", "contacts,leads", "--add-unknown", "leads")
FACTS = {"ES": "es-ES", "CN": "zh-CN"}


@pytest.fixture(scope="module", params=["ES", "CN"])
def box_flags(request) -> dict:
    return {"country": request.param}


def _writes(env) -> tuple[int, int]:
    g = env.state()["counters"]["global"]
    return g["saves"], g["applies"]


def _scenario(env, *profile: str) -> dict:
    """admin-setup, enrol 12, status, then both again: the box ends Zoho v2, every user Logged In."""
    admin = {"UCMAUTO_ADMIN_PASSWORD": env.password("admin")}
    r = env.run("admin-setup", *WANT, *profile, "--json", **admin)
    assert r.rc == 0 and r.json()["changed"] is True, r.err
    applied = env.state()["admin_crm"]["applied"]
    assert applied["crm_module"] == "zohov2" and applied["number_add"] == "leads"

    for ext in EXTS:
        env.token(ext)
    inv = env.inventory(EXTS)
    r = env.run("enroll", "--file", str(inv), *profile, "--json")
    assert r.rc == 0, r.err
    assert r.json()["summary"]["failed"] == 0 and r.json()["summary"]["changed"] == 12
    st = env.state()
    assert all(st["users"][e]["login_status"] == "login" for e in EXTS)

    r = env.run("status", "--file", str(inv), *profile, "--json", **admin)
    assert r.rc == 0, r.err
    doc = r.json()
    assert all(u["login_status"] == "login" for u in doc["users"]) and len(doc["users"]) == 12

    before = _writes(env)  # the re-runs find everything in place
    r = env.run("admin-setup", *WANT, *profile, "--json", **admin)
    assert r.rc == 0 and r.json()["changed"] is False, r.err
    r = env.run("enroll", "--file", str(inv), *profile, "--json", "--restart")
    assert r.rc == 0 and r.json()["summary"]["changed"] == 0, r.err
    assert _writes(env) == before
    r.assert_no(env.client_secret, *env.tokens.values())
    return doc


def test_english_whatever_the_country(env, box_flags):
    country = box_flags["country"]
    doc = _scenario(env)
    assert doc["model"] == "UCM6302" and doc["firmware"] == "1.0.27.10"
    assert doc["country"] == country and doc["language"] == FACTS[country]  # what a fresh browser gets
    assert doc["profile"] == {"name": "default", "source": "bundled default", "language": "en-US"}
