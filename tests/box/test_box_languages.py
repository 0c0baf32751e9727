"""Languages in the test box (issue #13), over real HTTPS: getInfo before login, the country -> language
table, complete text sets per language, and the /cgi keys that never change with the language."""
from __future__ import annotations

import pytest

from fixtures.ucmbox import firmware, languages

SHIPPED = ("es-ES", "zh-CN")


def _get(box, path):
    r = box.http.get(box.url + path, timeout=10)
    return r.status_code, (r.json() if r.status_code == 200 else None)


def _labels(profile):
    """Every visible label of the profile: menus, option lists, user fields (not the Zoho domains)."""
    out = set()
    for nodes in profile["menus"].values():
        for group in nodes:
            out.add(group["label"])
            out.update(item["label"] for item in group["items"])
    for key in ("crm_modules", "lookup_items", "unknown_number_options"):
        out.update(node["label"] for node in profile[key])
    for fields in profile["user_crm_fields"].values():
        out.update(f["label"] for f in fields)
    return out


def test_get_info_before_login(box):
    c = box.client()
    reply = c.cgi("getInfo")
    assert reply["status"] == 0 and c.session_id is None
    info = reply["response"]
    assert (info["model_name"], info["prog_version"], info["country"]) == ("UCM6302", "1.0.27.10", "US")
    box.control(country="es")
    assert c.cgi("getInfo")["response"]["country"] == "ES"
    assert box.state()["switches"]["country"] == "ES"
    with pytest.raises(ValueError, match="HTTP 400"):
        box.control(country="Spain")
    assert box.state()["sessions"] == 0


def test_country2lang_and_locale_files(box):
    code, table = _get(box, "/locale/country2lang.json")
    assert code == 200
    assert table["US"] == {"languages": "en-US", "localName": "English"}
    assert table["ES"] == {"languages": "es-ES", "localName": "Español"}
    assert table["CN"] == {"languages": "zh-CN", "localName": "简体中文"}
    en = _get(box, "/locale/en-US.json")[1]
    es = _get(box, "/locale/es-ES.json")[1]
    zh = _get(box, "/locale/zh-CN.json")[1]
    assert [(x["language"], x["texts"]["header.apply"]) for x in (en, es, zh)] == \
        [("en-US", "Apply Changes"), ("es-ES", "Aplicar cambios"), ("zh-CN", "应用更改")]
    assert es["languages"] == en["languages"] == [{"languages": "en-US", "localName": "English"},
                                                  {"languages": "es-ES", "localName": "Español"},
                                                  {"languages": "zh-CN", "localName": "简体中文"}]
    assert {"value": "none", "label": "Desactivado"} in es["crm_modules"]
    assert {"key": "contacts", "label": "在联系人表中查找"} in zh["lookup_items"]
    assert [f["label"] for f in es["user_crm_fields"]["zohov2"]] == \
        ["ID de cliente", "Secreto de cliente", "Token de actualización"]
    # what the GUI sends and reads never changes with the language
    for loc in (es, zh):
        assert loc["routes"] == en["routes"]
        assert [m["value"] for m in loc["crm_modules"]] == [m["value"] for m in en["crm_modules"]]
        assert loc["zoho_servers"] == en["zoho_servers"]
        assert [[i["key"] for i in g["items"]] for g in loc["menus"]["admin"]] == \
            [[i["key"] for i in g["items"]] for g in en["menus"]["admin"]]
        assert (loc["captcha"], loc["logout_style"]) == (en["captcha"], en["logout_style"])
    for missing in ("/locale/fr-FR.json", "/locale/xx.json", "/locale/..%2Fdefault.json"):
        assert _get(box, missing)[0] == 404


@pytest.mark.parametrize("lang", SHIPPED)
def test_text_sets_are_complete(lang):
    """Every text and every visible label of the default profile (and the 'Other Features' variant) has
    a translation, and a translated text keeps its {0} placeholders."""
    profile = firmware.load_profile("default")
    tr = profile["translations"][lang]
    assert set(tr["texts"]) == set(profile["texts"])
    for key, text in profile["texts"].items():
        assert tr["texts"][key].strip(), key
        assert ("{0}" in text) == ("{0}" in tr["texts"][key]), key
    variant = firmware.load_profile("other-features")
    assert _labels(profile) | _labels(variant) <= set(tr["labels"])
    local = languages.localize(variant, lang)
    assert local["menus"]["admin"][3]["key"] == "other-features"
    assert local["menus"]["admin"][3]["label"] == tr["labels"]["Other Features"]
    assert local["routes"]["admin_crm"] == "/other-features/crm"
