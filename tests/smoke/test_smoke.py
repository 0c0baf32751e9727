"""Smoke test: the whole job end to end, then again to prove nothing changes the second time.

Against the UCM the environment names (UCMAUTO_SMOKE_UCM and friends, see docs/smoke.md), and
otherwise against the project's test box and fake Zoho, started here. It never touches a box the
environment did not name. Run alone with `pytest -m smoke`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytestmark = pytest.mark.smoke

SMOKE_VARS = (
    "UCMAUTO_SMOKE_UCM", "UCMAUTO_SMOKE_FINGERPRINT", "UCMAUTO_SMOKE_ADMIN_PASSWORD",
    "UCMAUTO_SMOKE_EXTENSION", "UCMAUTO_SMOKE_USER_PASSWORD", "UCMAUTO_SMOKE_SERVER_ADDRESS",
    "UCMAUTO_SMOKE_ZOHO_DC", "UCMAUTO_SMOKE_ZOHO_CLIENT_ID", "UCMAUTO_SMOKE_ZOHO_CLIENT_SECRET",
    "UCMAUTO_SMOKE_REFRESH_TOKEN",
)


@dataclass
class Target:
    ucm: str
    fingerprint: str
    server_address: str
    extension: str
    env: dict[str, str]
    work: Path
    box: object = None  # the test box, when it is ours; None on a real UCM
    secrets: list[str] = field(default_factory=list)

    def ucmauto(self, *args: str) -> tuple[int, dict, str]:
        run = subprocess.run(
            [sys.executable, "-m", "ucm_automator", *args, "--json"],
            capture_output=True, text=True, env=self.env, stdin=subprocess.DEVNULL, timeout=300,
        )
        for s in self.secrets:  # the smoke run doubles as a leak check
            assert s not in run.stdout + run.stderr, f"a secret leaked from ucmauto {args[0]}"
        doc = json.loads(run.stdout) if run.stdout.strip() else {}
        return run.returncode, doc, run.stderr


def _base_env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UCMAUTO_")}
    (work / "none.toml").write_text("# no settings: everything comes from the environment\n")
    env.update(
        UCMAUTO_CONFIG=str(work / "none.toml"),
        UCMAUTO_TOKEN_STORE=str(work / "tokens.json"),
        UCMAUTO_KNOWN_HOSTS=str(work / "known_hosts"),
        UCMAUTO_ARTIFACTS_DIR=str(work / "artifacts"),
    )
    return env


def _inventory(work: Path, extension: str) -> Path:
    inv = work / "smoke-users.csv"
    inv.write_text(
        "extension,password_env,zoho_dc,client_id,refresh_token_env\n"
        f"{extension},SMOKE_USER_PASSWORD,{{dc}},{{client}},SMOKE_REFRESH_TOKEN\n"
    )
    return inv


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    work = tmp_path_factory.mktemp("smoke")
    env = _base_env(work)
    named = os.environ.get("UCMAUTO_SMOKE_UCM")
    if named:
        missing = [v for v in SMOKE_VARS if not os.environ.get(v)]
        if missing:
            pytest.fail(f"UCMAUTO_SMOKE_UCM is set but these are not: {', '.join(missing)}")
        e = os.environ
        env.update(
            UCMAUTO_UCM=named,
            UCMAUTO_ADMIN_PASSWORD=e["UCMAUTO_SMOKE_ADMIN_PASSWORD"],
            UCMAUTO_ZOHO_DC=e["UCMAUTO_SMOKE_ZOHO_DC"],
            UCMAUTO_ZOHO_CLIENT_ID=e["UCMAUTO_SMOKE_ZOHO_CLIENT_ID"],
            UCMAUTO_ZOHO_CLIENT_SECRET=e["UCMAUTO_SMOKE_ZOHO_CLIENT_SECRET"],
            SMOKE_USER_PASSWORD=e["UCMAUTO_SMOKE_USER_PASSWORD"],
            SMOKE_REFRESH_TOKEN=e["UCMAUTO_SMOKE_REFRESH_TOKEN"],
        )
        t = Target(named, e["UCMAUTO_SMOKE_FINGERPRINT"], e["UCMAUTO_SMOKE_SERVER_ADDRESS"],
                   e["UCMAUTO_SMOKE_EXTENSION"], env, work,
                   secrets=[env["UCMAUTO_ADMIN_PASSWORD"], env["SMOKE_USER_PASSWORD"],
                            env["SMOKE_REFRESH_TOKEN"], env["UCMAUTO_ZOHO_CLIENT_SECRET"]])
        yield t
        return
    from fixtures.procs import start_box
    from fixtures.zohoproc import start_zoho

    dc, client = "eu", "1000.DEMOCLIENTEU"
    with start_zoho() as zoho, start_box(zoho_url=zoho.url, crm_login_delay_ms=200) as box:
        refresh = zoho.refresh_token(client_id=client, email="alice@example.com",
                                     scopes="ZohoCRM.modules.ALL,ZohoCRM.settings.ALL,ZohoCRM.users.ALL", dc=dc)
        env.update(
            UCMAUTO_UCM=box.url,
            UCMAUTO_ADMIN_PASSWORD=box.password("admin"),
            UCMAUTO_ZOHO_DC=dc,
            UCMAUTO_ZOHO_ACCOUNTS_URL=zoho.accounts_url(dc),
            UCMAUTO_ZOHO_CLIENT_ID=client,
            UCMAUTO_ZOHO_CLIENT_SECRET=zoho.client_secret(client, dc),
            SMOKE_USER_PASSWORD=box.password("1001"),
            SMOKE_REFRESH_TOKEN=refresh,
        )
        yield Target(box.url, box.fingerprint, "zoho.eu", "1001", env, work, box=box,
                     secrets=[env["UCMAUTO_ADMIN_PASSWORD"], env["SMOKE_USER_PASSWORD"], refresh,
                              env["UCMAUTO_ZOHO_CLIENT_SECRET"]])


def _admin(t: Target) -> tuple[int, dict, str]:
    return t.ucmauto("admin-setup", "--fingerprint", t.fingerprint, "--server-address", t.server_address,
                     "--lookups", "contacts,leads,accounts", "--add-unknown", "leads")


def _inv(t: Target) -> str:
    dc, client = t.env["UCMAUTO_ZOHO_DC"], t.env["UCMAUTO_ZOHO_CLIENT_ID"]
    inv = _inventory(t.work, t.extension)
    inv.write_text(inv.read_text().replace("{dc}", dc).replace("{client}", client))
    return str(inv)


def test_smoke_end_to_end_then_unchanged(target: Target):
    rc, doc, err = _admin(target)
    assert rc == 0, err
    assert doc["after"]["crm_module"] == "zohov2" and doc["after"]["server_address"] == target.server_address
    assert doc["after"]["lookups"] == ["contacts", "leads", "accounts"]

    rc, doc, err = target.ucmauto("enroll", "--file", _inv(target))
    assert rc == 0, err
    (user,) = doc["users"]
    assert user["extension"] == target.extension and user["status"] == "ok", json.dumps(user)
    assert user["after"]["login_status"] == "login" and user["after"]["enable_crm"] is True

    rc, doc, err = target.ucmauto("status", "--file", _inv(target))
    assert rc == 0, err
    assert '"login_status": "login"' in json.dumps(doc), doc

    # the second run of both changes nothing
    rc, doc, err = _admin(target)
    assert rc == 0 and doc["changed"] is False, (doc, err)
    rc, doc, err = target.ucmauto("enroll", "--file", _inv(target), "--restart")
    assert rc == 0, err
    assert doc["users"][0]["changed"] is False and doc["users"][0]["status"] == "ok", doc

    if target.box is not None:  # our own box: prove it from the stored state too
        state = target.box.state()
        assert state["admin_crm"]["applied"]["crm_module"] == "zohov2"
        assert state["users"][target.extension]["login_status"] == "login"
        target.box.assert_no_sessions()  # every command ended every session it opened
