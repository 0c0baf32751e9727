"""A box down fails alone; plan changes nothing; a bad inventory is refused with file:line
before any login."""

from __future__ import annotations

import json
import socket

from ucm_automator.errors import ExitCode


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_one_box_down_fails_alone(fleet):
    inv = fleet.arrange(users=1)
    down = fleet.box("globex").url
    inv.write_text(inv.read_text().replace(down, f"https://127.0.0.1:{closed_port()}"))
    r = fleet.run("fleet", "apply", "-i", str(inv), "--boxes", "3", "--json")
    assert r.rc == ExitCode.UCM_REFUSED, r.out + r.err
    boxes = {ln["box"]: ln for ln in r.lines() if ln["type"] == "box"}
    assert boxes["globex"]["status"] == "failed" and boxes["globex"]["error"]["code"] == "UCM_REFUSED"
    assert "refused the connection" in boxes["globex"]["error"]["message"]
    for name in ("acme", "initech"):
        assert boxes[name]["status"] == "done" and boxes[name]["users"]["ok"] == 1
    summary = r.lines()[-1]
    assert summary["boxes_failed"] == 1 and summary["exit_code"] == ExitCode.UCM_REFUSED
    assert fleet.box("globex").state()["counters"]["global"]["logins"] == 0
    fleet.assert_no_secret(r)


def test_wrong_admin_password_fails_that_box_only(fleet):
    inv = fleet.arrange(users=1, admin_passwords={"initech": "Wrong-password-1"})
    r = fleet.run("fleet", "apply", "-i", str(inv), "--boxes", "3")
    assert r.rc == ExitCode.LOGIN_WRONG_PASSWORD, r.out + r.err
    assert "box initech:" in r.err
    rows = {ln.split()[0]: ln.split() for ln in r.out.splitlines()[2:]}
    assert rows["initech"][-2:] == ["failed", str(int(ExitCode.LOGIN_WRONG_PASSWORD))]
    assert rows["acme"][-2:] == ["done", "0"] and rows["globex"][-2:] == ["done", "0"]
    assert fleet.box("initech").state()["users"]["1001"]["login_status"] != "login"


def test_plan_changes_nothing(fleet):
    inv = fleet.arrange(users=2)
    before = [b.state()["counters"]["global"] for b in fleet.boxes]
    r = fleet.run("fleet", "plan", "-i", str(inv), "--json")
    assert r.rc == 0, r.err
    boxes = [ln for ln in r.lines() if ln["type"] == "box"]
    assert len(boxes) == 3
    for b in boxes:
        assert b["admin"]["dry_run"] and not b["admin"]["changed"]
        assert "crm_module" in [c["field"] for c in b["admin"]["changes"]]
        assert "once admin setup has run" in b["notes"][0]
    after = [b.state()["counters"]["global"] for b in fleet.boxes]
    assert [a["saves"] for a in after] == [b["saves"] for b in before]
    assert [a["applies"] for a in after] == [b["applies"] for b in before]


def test_inventory_problems_with_file_and_line(fleet):
    inv = fleet.arrange(users=1)
    text = inv.read_text()
    text = text.replace('lookups = ["contacts"]', 'lookups = ["contacts", "tickets"]', 1)
    text = text.replace('name = "globex"', 'name = "acme"', 1)
    text += '\n[[boxes]]\nname = "extra"\nurl = "http://nope"\ncolour = "red"\nadmin_password_file = "missing.pass"\n'
    inv.write_text(text)
    lines = text.splitlines()
    line_of = lambda needle, start=0: next(i + 1 for i, ln in enumerate(lines) if needle in ln and i >= start)  # noqa: E731
    extra_at = line_of('name = "extra"') - 1
    r = fleet.run("fleet", "apply", "-i", str(inv))
    assert r.rc == ExitCode.BAD_INPUT, r.err
    assert "nothing was changed and no one logged in" in r.err
    assert f"fleet.toml:{line_of('url = ', extra_at)}: box extra: url 'http://nope'" in r.err
    assert f"fleet.toml:{line_of('colour')}: box extra: unknown key 'colour'" in r.err
    assert f"fleet.toml:{line_of('lookups')}:" in r.err and "tickets" in r.err
    second_acme = [i + 1 for i, ln in enumerate(lines) if ln == 'name = "acme"'][1]
    assert f"fleet.toml:{second_acme}: name 'acme' again" in r.err
    for b in fleet.boxes:
        assert b.state()["counters"]["global"]["logins"] == 0

    check = fleet.run("fleet", "status", "-i", str(inv), "--check")
    assert check.rc == 3 and check.out.startswith("UCMAUTO FLEET UNKNOWN - ")
    assert check.err.startswith("ucmauto: ") and "problem(s) in" in check.err
    # --json: the error document on stdout (docs/json.md), the one `ucmauto:` line on stderr
    doc = fleet.run("fleet", "plan", "-i", str(inv), "--json", "-q")
    assert doc.rc == ExitCode.BAD_INPUT
    assert json.loads(doc.out)["error"]["code"] == "BAD_INPUT"
    assert [ln for ln in doc.err.splitlines() if ln.startswith("ucmauto: ")] == [doc.err.splitlines()[0]]
    for b in fleet.boxes:
        assert b.state()["counters"]["global"]["logins"] == 0


def test_missing_inventory_from_the_environment_is_not_found(fleet, tmp_path):
    gone = str(tmp_path / "nowhere.toml")
    r = fleet.run("fleet", "apply", "--json", UCMAUTO_FLEET=gone)
    assert r.rc == ExitCode.NOT_FOUND, r.err
    assert r.err == f"ucmauto: fleet inventory {gone} does not exist; create it or fix --inventory\n"
    assert json.loads(r.out) == {"error": {"code": "NOT_FOUND", "exit_code": int(ExitCode.NOT_FOUND),
                                           "message": r.err[len("ucmauto: "):].strip()}}
    check = fleet.run("fleet", "status", "--check", UCMAUTO_FLEET=gone)
    assert check.rc == 3 and check.out.startswith("UCMAUTO FLEET UNKNOWN - fleet inventory")


def test_unknown_certificate_fails_that_box_and_names_the_inventory(fleet):
    inv = fleet.arrange(users=1)
    fp = fleet.box("globex").fingerprint
    inv.write_text(inv.read_text().replace(f'fingerprint = "{fp}"\n', ""))
    # a fingerprint in the environment is one box's: the fleet never applies it to a box
    r = fleet.run("fleet", "apply", "-i", str(inv), "--boxes", "3", "--json",
                  UCMAUTO_FINGERPRINT="sha256:" + ":".join(["AB"] * 32))
    assert r.rc == ExitCode.TLS_UNTRUSTED, r.out + r.err
    boxes = {ln["box"]: ln for ln in r.lines() if ln["type"] == "box"}
    assert boxes["globex"]["error"]["code"] == "TLS_UNTRUSTED"
    assert fp in boxes["globex"]["error"]["message"] and "set its fingerprint in the inventory" in \
        boxes["globex"]["error"]["message"]
    assert boxes["acme"]["status"] == boxes["initech"]["status"] == "done"
    assert fleet.box("globex").state()["counters"]["global"]["logins"] == 0
