"""The GUI in the box's language with a profile (issue #13): the bundled Spanish profile on a box
in Spain, end to end. Its texts match only the Spanish GUI, so passing proves the run was in
Spanish; the tool set es-ES itself (the profile's language)."""

from __future__ import annotations

import pytest
from test_foreign_boxes import _scenario


@pytest.fixture(scope="module")
def box_flags() -> dict:
    return {"country": "ES"}


def test_spanish_profile_runs_in_spanish(env):
    doc = _scenario(env, "--profile", "es")
    assert doc["profile"] == {"name": "es-ES", "source": "bundled es-ES", "language": "es-ES"}
    r = env.run("status", "1001", "--file", str(env.tmp / "users.csv"), "--profile", "es",
                UCMAUTO_ADMIN_PASSWORD=env.password("admin"))
    assert r.rc == 0 and "Conectado" in r.out and "box: UCM6302 firmware 1.0.27.10" in r.out, r.err


def test_a_gui_that_stays_in_another_language_is_named(env, tmp_path):
    """A profile in a language the box has no texts for (German): the GUI falls back to English,
    so the profile's texts cannot be found; one line names the language seen and the way out."""
    de = tmp_path / "de.toml"
    de.write_text('name = "de"\nlanguage = "de-DE"\n[login]\nusername_placeholder = "Benutzername"\n'
                  'password_placeholder = "Passwort"\nusername_labels = []\npassword_labels = []\n')
    r = env.run("admin-setup", "--profile", str(de), "--timeout", "4",
                UCMAUTO_ADMIN_PASSWORD=env.password("admin"))
    assert r.rc == 29, r.err  # GUI_LANGUAGE
    line = r.err.strip().splitlines()[-1]
    assert "shows en-US" in line and "not de-DE" in line and "--profile default" in line, line
    assert not env.state()["counters"]["global"].get("saves")
