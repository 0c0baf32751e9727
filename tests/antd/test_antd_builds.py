"""admin-setup, a 12-user enrolment, status and re-runs on the antd 2, 3 and 4 GUI builds: the tool
works from what each antd shows, and the box ends as it would on antd 5."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

EXTS = [str(1001 + i) for i in range(12)]  # the 12-user scenario of the language boxes
ADMIN_ARGS = ["--server-address", "us", "--lookups", "leads,contacts", "--add-unknown", "leads"]
WANT_ADMIN = {"crm_module": "zohov2", "crm_addr": "zoho.com", "number_add": "leads",
              "first_search": "leads", "second_search": "contacts", "third_search": ""}


def test_served_gui_is_the_builds_own(env, page: Page):
    """The DOM is that antd major's own: its Select, its menu, its form errors."""
    box = env.box
    assert env.state()["switches"]["antd"] == box.antd
    page.goto(box.url + "/login")
    page.get_by_placeholder("Please enter the username").fill("admin")
    page.get_by_placeholder("Please enter the password").fill(box.password("admin"))
    page.get_by_role("button", name="Login").click()
    expect(page.locator(".ant-menu-submenu").first).to_be_visible()
    page.goto(box.url + "/value-added-features/crm")
    row = page.locator(".ant-form-item", has_text="CRM System")
    expect(row.get_by_title("Disabled")).to_be_visible()
    if box.antd <= 3:  # a div role=combobox, no input inside it
        expect(row.locator(".ant-select-selection[role=combobox]")).to_have_count(1)
        expect(row.locator("input")).to_have_count(0)
    else:  # antd 4: a search input role=combobox inside .ant-select-selector
        expect(row.locator(".ant-select-selector input[role=combobox]")).to_have_count(1)
    row.get_by_role("combobox").click(force=box.antd == 4)  # antd 4 draws the chosen text over its input
    page.locator(".ant-select-dropdown:visible").get_by_text("Zoho CRM (v2 API)", exact=True).filter(visible=True).click()
    page.get_by_role("button", name="Save").click()
    required = page.locator(".ant-form-item", has_text="CRM Server Address").get_by_text("This field is required")
    expect(required).to_be_visible()
    if box.antd <= 3:  # only the text under the field: no role=alert, no aria-invalid
        expect(page.locator("form [role=alert]")).to_have_count(0)
        expect(page.locator("form [aria-invalid]")).to_have_count(0)
    else:
        expect(page.locator("form [role=alert]").first).to_be_visible()
    page.goto(box.url + "/login")  # the SPA's own logout is not needed: end the session over /cgi
    box.control(expire_sessions=True)


def test_core_scenarios(env):
    admin_pw = env.password("admin")
    first = env.run("admin-setup", *ADMIN_ARGS, "--no-input", "--json", UCMAUTO_ADMIN_PASSWORD=admin_pw)
    assert first.rc == 0, first.err
    assert first.json()["changed"] is True
    st = env.state()
    assert st["admin_crm"]["saved"] == WANT_ADMIN and st["admin_crm"]["applied"] == WANT_ADMIN
    assert st["need_apply"] is False and st["sessions"] == 0

    for ext in EXTS:
        env.token(ext)
    inv = env.inventory(EXTS)
    r = env.run("enroll", "--file", str(inv), "--json")
    assert r.rc == 0, r.err
    doc = r.json()
    n = len(EXTS)
    assert doc["summary"]["users"] == n and doc["summary"]["failed"] == 0 and doc["summary"]["changed"] == n
    st = env.state()
    for ext in EXTS:
        u = st["users"][ext]
        assert u["login_status"] == "login", (ext, u["last_login_error"])
        assert u["crm"]["saved"] == u["crm"]["applied"]
        assert u["crm"]["applied"]["refresh_token"] == env.tokens[ext]  # each user's own token
    assert st["sessions"] == 0
    r.assert_no(env.client_secret, *env.tokens.values(), *(env.password(e) for e in EXTS))

    status = env.run("status", "--file", str(inv), "--json", UCMAUTO_ADMIN_PASSWORD=admin_pw)
    assert status.rc == 0, status.err
    users = {u["extension"]: u for u in status.json()["users"]}
    assert all(users[ext]["login_status"] == "login" for ext in EXTS)
    assert env.state()["sessions"] == 0

    saves = {ext: env.saves(ext) for ext in EXTS}
    again = env.run("enroll", "--file", str(inv), "--json")
    assert again.rc == 0, again.err
    assert again.json()["summary"]["changed"] == 0
    admin_again = env.run("admin-setup", *ADMIN_ARGS, "--no-input", UCMAUTO_ADMIN_PASSWORD=admin_pw)
    assert admin_again.rc == 0 and "unchanged" in admin_again.out, admin_again.err
    st = env.state()
    assert {ext: env.saves(ext) for ext in EXTS} == saves  # no second Save
    assert st["counters"]["global"]["saves"].get("updateCRMSettings") == 1
    assert st["sessions"] == 0


def test_a_refused_field_is_seen_and_named_on_every_build(env, browser_type_launch_args):
    """The page objects see a field the form refuses from what the build shows (antd 3: only the
    text under the field) and name its message. Driven through the async page objects."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from playwright.async_api import async_playwright

    from ucm_automator.ucm.pages.admin_crm import AdminCrmPage
    from ucm_automator.ucm.pages.shell import Shell
    from ucm_automator.ucm.profile import load_profile

    box, profile = env.box, load_profile()

    async def run() -> tuple[int, str]:
        async with async_playwright() as p:
            browser = await p.chromium.launch(**browser_type_launch_args)
            try:
                pg = await (await browser.new_context(ignore_https_errors=True, base_url=box.url)).new_page()
                await pg.goto(box.url + "/login")
                await pg.get_by_placeholder(profile.login.username_placeholder).fill("admin")
                await pg.get_by_placeholder(profile.login.password_placeholder).fill(box.password("admin"))
                await pg.get_by_role("button", name=profile.buttons.login).click()
                await pg.wait_for_url("**/system-status/**")
                crm = AdminCrmPage(pg, profile, Shell(pg, profile, 10_000), 10_000)
                await crm.open()
                await crm._choose(profile.admin_crm.labels.crm_system, "Zoho CRM (v2 API)")
                await crm.save_button.click()  # no server address chosen: the form refuses
                await crm.invalid.first.wait_for(state="visible", timeout=10_000)
                return await crm.invalid.count(), await crm.form_errors()
            finally:
                await browser.close()

    # a thread of its own: the sync Playwright of the other tests keeps an event loop on this one
    with ThreadPoolExecutor(1) as pool:
        count, errors = pool.submit(asyncio.run, run()).result()
    assert count >= 1 and "This field is required." in errors
    assert env.state()["counters"]["global"]["saves"] == {}  # nothing was sent
    box.control(expire_sessions=True)


def test_the_antd_hint_right_or_wrong_sets_every_field(env, tmp_path):
    """gui.antd is a hint (which way a Select is opened first): the build's own major, and another
    one (the other way first, then the fallback), both set every field, lookup order included."""
    for hint, server, lookups in ((env.box.antd, "eu", ["accounts", "leads", "contacts"]),
                                  (5 if env.box.antd <= 3 else 2, "us", ["contacts", "accounts"])):
        profile = tmp_path / f"antd{hint}.toml"
        profile.write_text(f"[gui]\nantd = {hint}\n")
        r = env.run("admin-setup", "--server-address", server, "--lookups", ",".join(lookups),
                    "--add-unknown", lookups[-1], "--no-input", "--profile", str(profile),
                    UCMAUTO_ADMIN_PASSWORD=env.password("admin"))
        assert r.rc == 0, (hint, r.err)
        st = env.state()
        saved = st["admin_crm"]["saved"]
        assert saved["crm_addr"] == {"eu": "zoho.eu", "us": "zoho.com"}[server]
        assert [saved["first_search"], saved["second_search"], saved["third_search"]] == (lookups + [""])[:3]
        assert saved["number_add"] == lookups[-1] and st["sessions"] == 0


def test_a_profile_antd_outside_two_to_five_is_bad_input(tmp_path):
    from ucm_automator.errors import BadInput
    from ucm_automator.ucm.profile import load_profile

    profile = tmp_path / "antd9.toml"
    profile.write_text('[gui]\nantd = 9\n')
    with pytest.raises(BadInput, match="gui.antd"):
        load_profile(str(profile))
    assert load_profile().gui.antd == "detect"
