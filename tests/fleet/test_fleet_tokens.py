"""`ucmauto token exchange --box`: the same extension on two boxes gets two tokens, and the fleet
finds each box's own."""

from __future__ import annotations

import json

from fleet_helpers import SCOPES, US

from ucm_automator.errors import ExitCode


def test_exchange_with_box_names_the_token_box_slash_name(fleet, zoho_server):
    for box in ("acme", "globex"):
        zoho_server.add_user("us", f"boss@{box}.example.com", f"Boss of {box}")
        code = zoho_server.grant(US, f"boss@{box}.example.com", SCOPES, dc="us")
        r = fleet.run("token", "exchange", "--zoho-dc", "us", "--zoho-accounts-url", zoho_server.accounts_url("us"),
                      "--client-id", US, "--box", box, "--name", "1001", input=code + "\n")
        assert r.rc == 0, r.err
        assert code not in r.out + r.err
    recs = json.loads(fleet.store_path.read_text())["tokens"]
    assert sorted(r["name"] for r in recs) == ["acme/1001", "globex/1001"]
    assert recs[0]["refresh_token"] != recs[1]["refresh_token"]
    listed = fleet.run("token", "list", "--name", "globex/1001", "--json")
    assert listed.rc == 0 and "boss@globex.example.com" in listed.out

    bad = fleet.run("token", "exchange", "--zoho-dc", "us", "--client-id", US, "--box", "acme", input="x\n")
    assert bad.rc == ExitCode.BAD_INPUT and "--box needs --name" in bad.err
