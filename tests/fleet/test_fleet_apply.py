"""`ucmauto fleet apply` over three test boxes x 10 users: everyone Logged In, one summary, a
re-run changes nothing; `fleet status --check` reads OK, CRITICAL,
WARNING."""

from __future__ import annotations

from fleet_helpers import exts


def logged_in(box) -> list[str]:
    users = box.state()["users"]
    return sorted(e for e, u in users.items() if u["login_status"] == "login")


def test_apply_three_boxes_then_rerun(fleet):
    inv = fleet.arrange()
    first = fleet.run("fleet", "apply", "-i", str(inv), "--boxes", "3", "--contexts", "3")
    assert first.rc == 0, first.err
    fleet.assert_no_secret(first)
    table = first.out.splitlines()
    assert table[0].split()[:3] == ["BOX", "URL", "ADMIN"]
    for name in fleet.names:
        row = next(ln.split() for ln in table if ln.startswith(name + " "))
        assert row[2:] == ["changed", "10", "10", "0", "10", "done", "0"], row
    assert "3 box(es), 30 user(s)" in first.err and "0 box(es) failed" in first.err
    for box in fleet.boxes:
        st = box.state()
        assert st["admin_crm"]["applied"]["crm_module"] == "zohov2"
        assert logged_in(box) == exts(10)
        # each box's users hold their own box's token: the same extension, another refresh token
    tokens = {b.state()["users"]["1001"]["crm"]["applied"]["refresh_token"] for b in fleet.boxes}
    assert len(tokens) == 3

    saves = [b.state()["counters"]["global"]["saves"] for b in fleet.boxes]
    again = fleet.run("fleet", "apply", "-i", str(inv), "--boxes", "3", "--json")
    assert again.rc == 0, again.err
    lines = again.lines()
    users = [ln for ln in lines if ln["type"] == "user"]
    boxes = [ln for ln in lines if ln["type"] == "box"]
    assert len(users) == 30 and {u["result"] for u in users} == {"unchanged"}
    assert {u["login_status"] for u in users} == {"login"}
    assert sorted(b["box"] for b in boxes) == sorted(fleet.names)
    assert all(b["status"] == "done" and b["exit_code"] == 0 and not b["admin"]["changed"] for b in boxes)
    assert lines[-1]["type"] == "summary" and lines[-1]["users"] == 30 and lines[-1]["exit_code"] == 0
    assert [b.state()["counters"]["global"]["saves"] for b in fleet.boxes] == saves
    fleet.assert_no_secret(again)



def test_status_check_nagios_codes(fleet):
    inv = fleet.arrange(users=1)
    assert fleet.run("fleet", "apply", "-i", str(inv), "--boxes", "3").rc == 0
    before = {n: b.state()["counters"] for n, b in zip(fleet.names, fleet.boxes)}
    ok = fleet.run("fleet", "status", "-i", str(inv), "--check")
    assert ok.rc == 0, ok.out + ok.err
    assert ok.out.startswith("UCMAUTO FLEET OK - 3/3 boxes OK, 3/3 users Logged In |")
    for n, b in zip(fleet.names, fleet.boxes):  # read as the admin: one login per box, none as a user
        after = b.state()["counters"]
        assert after["global"]["logins"] - before[n]["global"]["logins"] == 1, n
        assert before[n]["users"]["1001"]["logins"] >= 1  # enrolment did log in as 1001
        assert after["users"]["1001"]["logins"] == before[n]["users"]["1001"]["logins"], n

    fleet.box("globex").control(set_login_status={"1001": "logout"})
    fleet.box("initech").control(set_admin_crm={"crm_module": "zohov2", "crm_addr": "zoho.com",
                                                "number_add": "leads", "first_search": "leads"}, apply=True)
    bad = fleet.run("fleet", "status", "-i", str(inv), "--check")
    assert bad.rc == 2, bad.out + bad.err
    line = bad.out.strip()
    assert line.startswith("UCMAUTO FLEET CRITICAL - 1/3 boxes OK, 2/3 users Logged In")
    assert "globex CRITICAL: 1001: Login Status is logout" in line
    assert "initech WARNING: lookups is ['leads'], inventory says ['contacts']" in line
    warn = fleet.run("fleet", "status", "-i", str(inv), "--check", "--box", "initech")
    assert warn.rc == 1 and warn.out.startswith("UCMAUTO FLEET WARNING"), warn.out + warn.err
    fleet.assert_no_secret(bad)
