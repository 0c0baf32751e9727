"""Firmware facts and the profile chosen for them (issue #13): a firmware no bundled profile
claims runs with the closest one after a warning naming it; --profile overrides without one."""

from __future__ import annotations

import json

import pytest

from ucm_automator.ucm.facts import BoxFacts
from ucm_automator.ucm.profile_pick import pick_profile

ROOT_FIRMWARE = "fixtures/ucmbox/firmware/default.json"


@pytest.fixture(scope="module")
def box_flags(tmp_path_factory) -> dict:
    from conftest import ROOT

    data = json.loads((ROOT / ROOT_FIRMWARE).read_text())
    data["firmware_version"], data["model"] = "1.2.3.4", "UCM6308"
    folder = tmp_path_factory.mktemp("fw")
    path = folder / "newer.json"
    path.write_text(json.dumps(data))
    (folder / "locales").symlink_to(ROOT / "fixtures/ucmbox/firmware/locales")  # its translations
    return {"firmware": str(path)}


def test_an_unclaimed_firmware_is_warned_about_and_still_runs(env):
    admin = {"UCMAUTO_ADMIN_PASSWORD": env.password("admin")}
    r = env.run("status", "--json", **admin)
    assert r.rc == 0, r.err
    doc = r.json()
    assert (doc["model"], doc["firmware"], doc["country"], doc["language"]) == ("UCM6308", "1.2.3.4", "US", "en-US")
    assert doc["profile"]["name"] == "default"
    assert "no bundled firmware profile claims firmware 1.2.3.4 (UCM6308); using the closest, 'default' " \
           "(written for 1.0.*)" in r.err
    r = env.run("status", "--json", "--profile", "default", **admin)
    assert r.rc == 0 and "claims" not in r.err, r.err  # --profile: the user chose


def test_the_most_specific_claim_wins():
    warned: list[str] = []
    picked = pick_profile(None, BoxFacts("UCM6302", "1.0.27.10", "ES", "es-ES"), warned.append)
    assert picked.name == "default" and picked.language == "en-US" and warned == []  # not the Spanish one
    assert pick_profile("es", BoxFacts(), warned.append).name == "es-ES"
    assert pick_profile(None, BoxFacts(), warned.append).name == "default" and warned == []  # facts unknown
