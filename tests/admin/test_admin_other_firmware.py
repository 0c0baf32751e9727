"""Newer firmware names the menu "Other Features" and moves the CRM route: same command works."""

from __future__ import annotations

import pytest

from admin_helpers import WANT, counters, crm
from fixtures.procs import start_box

ZOHO_EU = {
    "crm_module": "zohov2", "crm_addr": "zoho.eu", "number_add": "leads",
    "first_search": "leads", "second_search": "accounts", "third_search": "contacts",
}


@pytest.fixture(scope="module")
def module_box():
    with start_box(firmware="other-features", crm_login_delay_ms=30) as b:
        yield b


def test_other_features_firmware_by_route(admin, box):
    run = admin(*WANT)
    assert run.code == 0, run.err
    assert crm(box.state(), "applied") == ZOHO_EU
    assert admin(*WANT).out.startswith(f"admin@{box.url}: unchanged")


def test_other_features_firmware_by_menu_only(admin, box, tmp_path):
    # a profile that knows no deep link: the page is found through the menu texts alone
    profile = tmp_path / "menus-only.toml"
    profile.write_text("[routes]\nadmin_crm = []\n")
    run = admin(*WANT, "--profile", str(profile), "--json")
    assert run.code == 0, run.err
    state = box.state()
    assert crm(state, "applied") == ZOHO_EU
    assert counters(state)["global"]["saves"] == {"updateCRMSettings": 1}
