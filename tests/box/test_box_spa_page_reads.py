"""The user CRM page's two reads in the SPA (switch page_reads, issue #12 item 5): with `sequential` it
asks getCRMUserSettings only after getCRMSettings succeeded, and after an HTTP 502 on getCRMSettings it
stops (error toast, spinner on) without asking anything more; `parallel` asks both at once.

Real browser, real box; the 502 is the box's own fault (fault_502=1 aimed at getCRMSettings).
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs

from playwright.sync_api import Page, expect

from fixtures.procs import BoxProcess

ZOHO_EU = {"crm_module": "zohov2", "crm_addr": "zoho.eu", "number_add": "contacts",
           "first_search": "contacts", "second_search": "", "third_search": ""}
READS = ("getCRMSettings", "getCRMUserSettings")


def _action(request) -> str:
    return parse_qs(request.post_data or "").get("action", [""])[0]


def _record_reads(page: Page) -> list[tuple[str, str]]:
    """("ask"|"got", action) of every page read, in the order the browser saw them."""
    seen: list[tuple[str, str]] = []
    page.on("request", lambda r: _action(r) in READS and seen.append(("ask", _action(r))))
    page.on("response", lambda r: _action(r.request) in READS and seen.append(("got", _action(r.request))))
    return seen


def _login_user(page: Page, box: BoxProcess) -> None:
    page.goto(box.url + "/")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.get_by_placeholder("Please enter the username").fill("1001")
    page.get_by_placeholder("Please enter the password").fill(box.password("1001"))
    page.get_by_role("button", name=re.compile(r"^Log ?in$")).click()
    expect(page).to_have_url(re.compile(r"/user-basic-information/userInformation$"))


def _open_crm_page(page: Page, box: BoxProcess) -> None:
    """By its deep link (every build has it; antd 2's menu items carry no menuitem role)."""
    page.goto(box.url + "/user-value-added-features/userCrmUserSettings")


def test_sequential_reads_wait_for_the_first_and_stop_after_its_502(page: Page, box: BoxProcess):
    box.control(set_admin_crm=ZOHO_EU, apply=True, page_reads="sequential")
    assert box.http.get(f"{box.url}/locale/en-US.json", timeout=10).json()["page_reads"] == "sequential"
    seen = _record_reads(page)
    _login_user(page, box)

    # no fault: getCRMUserSettings is asked only once getCRMSettings has answered
    with page.expect_response(lambda r: _action(r.request) == "getCRMUserSettings"):
        _open_crm_page(page, box)
    expect(page.locator(".ant-spin-spinning")).to_have_count(0)
    expect(page.get_by_text("Enable CRM", exact=True)).to_be_visible()
    assert seen == [("ask", "getCRMSettings"), ("got", "getCRMSettings"),
                    ("ask", "getCRMUserSettings"), ("got", "getCRMUserSettings")]

    # a 502 on getCRMSettings (Cancel loads the page again): the toast, the spinner stays, and
    # getCRMUserSettings is never asked
    seen.clear()
    box.control(fault_502=1.0, fault_502_actions=["getCRMSettings"])
    with page.expect_response(lambda r: _action(r.request) == "getCRMSettings") as first:
        page.get_by_role("button", name=re.compile(r"^Cancel$")).click()
    assert first.value.status == 502
    expect(page.locator(".ant-message-error")).to_be_visible()
    expect(page.locator(".ant-spin-spinning")).to_have_count(1)
    # the page decided before it showed the toast; a round trip through the page flushes any request event
    page.evaluate("() => new Promise((done) => setTimeout(done, 0))")
    assert ("ask", "getCRMUserSettings") not in seen, seen
    assert box.state()["counters"]["faults"]["http_502_by_action"] == {"getCRMSettings": 1}


def test_parallel_reads_ask_both_even_when_one_fails(page: Page, box: BoxProcess):
    """Today's default, and the proof that the check above can fail: both reads are asked at once."""
    box.control(set_admin_crm=ZOHO_EU, apply=True)
    assert box.state()["switches"]["page_reads"] == "parallel"
    seen = _record_reads(page)
    _login_user(page, box)
    seen.clear()
    box.control(fault_502=1.0, fault_502_actions=["getCRMSettings"])
    with page.expect_response(lambda r: _action(r.request) == "getCRMUserSettings") as user:
        with page.expect_response(lambda r: _action(r.request) == "getCRMSettings") as first:
            _open_crm_page(page, box)
    assert (first.value.status, user.value.status) == (502, 200)
    assert seen.index(("ask", "getCRMUserSettings")) < seen.index(("got", "getCRMSettings")), seen
    expect(page.locator(".ant-message-error")).to_be_visible()
    expect(page.locator(".ant-spin-spinning")).to_have_count(0)  # today's page stops its spinner
