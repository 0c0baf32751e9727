"""(b) The naive way: what a quick script would do. For each user, one after the other: launch a
fresh browser (the same binary ucmauto uses), log in through the login form, open CRM User
Settings through the menu, tick Enable CRM, fill the three fields, Save, Apply Changes when the
save asks for it (a box whose save logs the user in shows no Apply), then reload until the page
says Logged In; log out as a person does (hover the user name; Logout is in its dropdown, or a
plain link on the old box); close the browser.

Plain Playwright sync API, no cleverness, but correct: every step waits for the box's reply or
for the page, never a fixed sleep (the reload poll has a bounded interval).

    python -m bench.naive USERS_JSON [--limit K]

USERS_JSON (written by bench/stage.py, mode 0600): {"url", "users": [{"extension", "password",
"client_id", "client_secret", "refresh_token"}]}. Prints one JSON line: per-user seconds.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from urllib.parse import parse_qs

from playwright.sync_api import sync_playwright

from ucm_automator.browser import launch_options

POLL_S = 0.5  # between reloads while the box logs the user in to Zoho in the background
LOGIN_WAIT_S = 60.0
TIMEOUT_MS = 30_000


def is_cgi(action: str):
    def match(response) -> bool:
        if "/cgi" not in response.url:
            return False
        req = response.request
        params = parse_qs(req.post_data or "") if req.method == "POST" else {}
        params.update(parse_qs(response.url.partition("?")[2]))
        return action in params.get("action", [])
    return match


def enrol_one(p, url: str, user: dict) -> dict:
    started = time.monotonic()
    browser = p.chromium.launch(**launch_options())
    try:
        context = browser.new_context(base_url=url, ignore_https_errors=True)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()

        # log in
        page.goto("/login")
        page.get_by_placeholder("Please enter the username").fill(user["extension"])
        page.get_by_placeholder("Please enter the password").fill(user["password"])
        with page.expect_response(is_cgi("login")) as login:
            page.get_by_role("button", name="Login", exact=True).click()
        assert login.value.json()["status"] == 0, f"login of {user['extension']} failed: {login.value.json()}"
        page.wait_for_url(lambda u: not u.endswith("/login"))

        # Value-added Features -> CRM User Settings
        page.get_by_role("menuitem", name="Value-added Features").click()
        with page.expect_response(is_cgi("getCRMUserSettings")):
            page.get_by_role("menuitem", name="CRM User Settings").click()

        # tick, fill, Save
        page.get_by_label("Enable CRM").check()
        page.get_by_label("Client ID").fill(user["client_id"])
        page.get_by_label("Client Secret").fill(user["client_secret"])
        page.get_by_label("Refresh Token").fill(user["refresh_token"])
        with page.expect_response(lambda r: is_cgi("addCRMUserSettings")(r) or is_cgi("updateCRMUserSettings")(r)) as saved:
            page.get_by_role("button", name="Save", exact=True).click()
        assert saved.value.json()["status"] == 0, f"save of {user['extension']} failed: {saved.value.json()}"

        # Apply Changes, when the save asks for it (the button shows then)
        if saved.value.json()["response"].get("need_apply") == "yes":
            with page.expect_response(is_cgi("applyChanges")) as applied:
                page.get_by_role("button", name="Apply Changes", exact=True).click()
            assert applied.value.json()["status"] == 0, f"apply failed: {applied.value.json()}"

        # reload until Logged In (the page reads Login Status only when it loads)
        deadline = time.monotonic() + LOGIN_WAIT_S
        reloads = 0
        while True:
            time.sleep(POLL_S)  # bounded poll interval: the box logs in in the background
            with page.expect_response(is_cgi("getCRMUserSettings")) as got:
                page.reload()
            reloads += 1
            status = (got.value.json()["response"].get("extension") or {}).get("login_status")
            if status == "login":
                page.get_by_text("Logged In", exact=True).wait_for()  # and the page shows it
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{user['extension']} not Logged In after {LOGIN_WAIT_S:g} s (status {status!r})")

        # log out (the box allows 30 sessions; a script that leaves them open stops at user 31):
        # point at the user name, whose dropdown holds Logout (the old box: a plain link beside it)
        page.locator(".app-header-user").hover()
        with page.expect_response(is_cgi("logout")) as out:
            page.get_by_role("link", name="Logout", exact=True).click()
        assert out.value.json()["status"] == 0, f"logout of {user['extension']} failed: {out.value.json()}"
        page.wait_for_url(lambda u: u.endswith("/login"))
        context.close()
    finally:
        browser.close()
    return {"extension": user["extension"], "seconds": round(time.monotonic() - started, 3), "reloads": reloads}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.naive", description=__doc__.split("\n\n")[0])
    ap.add_argument("users_json")
    ap.add_argument("--limit", type=int, default=None, help="only the first K users")
    args = ap.parse_args(argv)
    spec = json.loads(open(args.users_json, encoding="utf-8").read())
    users = spec["users"][: args.limit] if args.limit else spec["users"]
    started = time.monotonic()
    done, error = [], None
    with sync_playwright() as p:
        for user in users:
            try:
                done.append(enrol_one(p, spec["url"], user))
            except Exception as e:  # noqa: BLE001 - recorded, the run stops
                error = f"{user['extension']}: {type(e).__name__}: {e}"
                break
    print(json.dumps({"users": done, "seconds": round(time.monotonic() - started, 3), "error": error}))
    return 0 if error is None else 1


if __name__ == "__main__":
    sys.exit(main())
