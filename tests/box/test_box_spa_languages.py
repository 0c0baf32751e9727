"""The SPA's language as a fresh browser meets it: from the box's country (getInfo + country2lang) unless
localStorage.locale says otherwise; an unknown locale gives English; the language menu switches it."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from fixtures.procs import BoxProcess

ZOHO_EU = {"crm_module": "zohov2", "crm_addr": "zoho.eu", "number_add": "contacts",
           "first_search": "contacts", "second_search": "", "third_search": ""}


def _locale(page: Page):
    return page.evaluate("localStorage.getItem('locale')")


def _login(page: Page, box: BoxProcess, user: str, user_ph: str, pass_ph: str, button: str) -> None:
    page.get_by_placeholder(user_ph).fill(user)
    page.get_by_placeholder(pass_ph).fill(box.password(user))
    page.get_by_role("button", name=button).click()
    expect(page).not_to_have_url(re.compile(r"/login$"))


def test_spanish_box_shows_spanish(page: Page, box: BoxProcess):
    box.control(country="ES", set_admin_crm=ZOHO_EU, set_user_crm={"1001": {"enable_crm": "yes", "client_id": "a",
                                                                          "client_secret": "b",
                                                                          "refresh_token": "c"}},
                apply=True)
    # the apply's background login (no Zoho here) ends "logout"; then arrange "login"
    box.wait_for(lambda st: st["users"]["1001"]["login_status"] == "logout", what="background login done")
    box.control(set_login_status={"1001": "login"})
    with page.expect_response(lambda r: "/cgi" in r.url and "action=getInfo" in (r.request.post_data or "")) as info:
        page.goto(box.url + "/")
    assert info.value.json()["response"]["country"] == "ES"
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("button", name="Iniciar sesión")).to_be_visible()
    assert _locale(page) == "es-ES"
    expect(page).to_have_title("UCM6302 Configuración | Iniciar sesión")
    expect(page.locator(".login-language")).to_have_text("Español")
    _login(page, box, "1001", "Por favor, introduzca el nombre de usuario", "Por favor, introduzca la contraseña",
           "Iniciar sesión")
    page.get_by_role("menuitem", name="Funciones de valor añadido").click()
    page.get_by_role("menuitem", name="Configuración de usuario CRM").click()
    for label in ("Habilitar CRM", "ID de cliente", "Secreto de cliente", "Token de actualización"):
        expect(page.get_by_label(label)).to_be_visible()
    expect(page.get_by_text("Conectado", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Guardar")).to_be_visible()
    expect(page.get_by_role("button", name="Cancelar")).to_be_visible()
    page.locator(".app-header-user-banner").hover()
    page.get_by_role("menuitem", name="Cerrar sesión").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    assert _locale(page) == "es-ES"  # logging out keeps the language
    expect(page.get_by_role("button", name="Iniciar sesión")).to_be_visible()
    box.assert_no_sessions()


def test_chinese_box_shows_chinese(page: Page, box: BoxProcess):
    box.control(country="CN")
    page.goto(box.url + "/")
    # antd puts a space between the two characters of a two-character Chinese button text ("登 录")
    expect(page.get_by_role("button", name="登 录")).to_be_visible()
    assert _locale(page) == "zh-CN"
    _login(page, box, "admin", "请输入用户名", "请输入密码", "登 录")
    page.get_by_role("menuitem", name="增值功能").click()
    page.get_by_role("menuitem", name="CRM", exact=True).click()
    expect(page.get_by_text("CRM系统", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="保 存")).to_be_visible()
    expect(page.get_by_role("button", name="取 消")).to_be_visible()
    page.locator(".ant-form-item", has_text="CRM系统").get_by_role("combobox").click(force=True)
    expect(page.locator(".ant-select-dropdown:visible").get_by_title("禁用", exact=True)).to_have_count(1)
    page.keyboard.press("Escape")
    expect(page.locator(".app-header-language")).to_have_text("简体中文")
    page.locator(".app-header-user-banner").hover()
    page.get_by_role("menuitem", name="退出").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    box.assert_no_sessions()


def test_stored_locale_wins_and_unknown_gives_english(page: Page, box: BoxProcess):
    box.control(country="ES")
    page.add_init_script("if (!sessionStorage.getItem('seeded')) { sessionStorage.setItem('seeded', '1');"
                         " localStorage.setItem('locale', 'en-US'); }")
    page.goto(box.url + "/login")
    expect(page.get_by_placeholder("Please enter the username")).to_be_visible()
    assert _locale(page) == "en-US"
    page.evaluate("localStorage.setItem('locale', 'xx-XX')")
    page.reload()
    expect(page.get_by_role("button", name="Login")).to_be_visible()
    assert _locale(page) == "en-US"  # an unknown language falls back to English, and is stored


def test_language_menu_switches_language(page: Page, box: BoxProcess):
    box.control(country="ES")
    page.goto(box.url + "/login")
    expect(page.get_by_role("button", name="Iniciar sesión")).to_be_visible()
    page.locator(".login-language").hover()
    with page.expect_navigation():
        page.get_by_role("menuitem", name="English").click()
    expect(page.get_by_role("button", name="Login")).to_be_visible()
    assert _locale(page) == "en-US"
    _login(page, box, "admin", "Please enter the username", "Please enter the password", "Login")
    page.locator(".app-header-language").hover()
    with page.expect_navigation():
        page.get_by_role("menuitem", name="简体中文").click()
    expect(page.get_by_role("menuitem", name="系统状态")).to_be_visible()  # still logged in, now in Chinese
    assert _locale(page) == "zh-CN"
    page.locator(".app-header-user-banner").hover()
    page.get_by_role("menuitem", name="退出").click()
    box.assert_no_sessions()
