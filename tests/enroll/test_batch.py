"""Many users at once: one browser, a few contexts, every user Logged In, the box's state checked."""

from __future__ import annotations

import time

EXTS = [str(1001 + i) for i in range(20)]


def test_twenty_users_in_parallel(env):
    for ext in EXTS:
        env.token(ext)
    inv = env.inventory(EXTS)
    started = time.monotonic()
    r = env.run("enroll", "--file", str(inv), "--json")
    took = time.monotonic() - started
    assert r.rc == 0, r.err
    doc = r.json()
    assert doc["summary"]["users"] == 20 and doc["summary"]["failed"] == 0 and doc["summary"]["changed"] == 20
    st = env.state()
    for ext in EXTS:
        u = st["users"][ext]
        assert u["login_status"] == "login", (ext, u["last_login_error"])
        assert u["crm"]["saved"] == u["crm"]["applied"]
        assert u["crm"]["applied"]["refresh_token"] == env.tokens[ext]  # nobody got another user's token
        c = st["counters"]["users"][ext]
        assert sum(c["saves"].values()) == 1 and c["logins"] == 1 and c["failed_logins"] == 0
    assert st["sessions"] == 0  # every user logged out
    per_user = [u["seconds"] for u in doc["users"]]
    print(f"\n20 users: {took:.1f} s wall, {doc['seconds']:.1f} s in ucmauto, "
          f"per user {min(per_user):.1f}..{max(per_user):.1f} s (mean {sum(per_user) / 20:.1f})")
    r.assert_no(env.client_secret, *env.tokens.values(), *(env.password(e) for e in EXTS))
