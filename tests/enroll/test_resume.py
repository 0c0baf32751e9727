"""A batch stopped by Ctrl-C or a kill resumes from its journal without redoing finished users."""

from __future__ import annotations

import json
import signal
import time

EXTS = [str(1001 + i) for i in range(8)]


def _stop_after(env, proc, done: int, sig: int) -> None:
    """Send `sig` once the journal records `done` finished users (bounded wait)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if sum(e["event"] == "done" for e in env.journal_events()) >= done:
            proc.send_signal(sig)
            proc.wait(30)
            return
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.05)
    raise AssertionError("the batch did not get far enough")


def test_interrupted_batch_resumes_from_the_journal(env):
    for ext in EXTS:
        env.token(ext)
    inv = str(env.inventory(EXTS))
    env.box.control(crm_login_delay_ms=400)  # slower users: room to stop mid-batch

    first = env.start("enroll", "--file", inv, "-j", "2")
    _stop_after(env, first, 2, signal.SIGINT)
    assert first.returncode == 130
    assert "resume" in first.stderr.read()
    env.box.assert_no_sessions()  # Ctrl-C: every session ended before the exit

    second = env.start("enroll", "--file", inv, "-j", "2")
    _stop_after(env, second, 5, signal.SIGKILL)  # no cleanup at all this time
    env.box.control(expire_sessions=True)  # the box's timeout

    finished = {e["extension"] for e in env.journal_events() if e["event"] == "done" and e["ok"]}
    assert len(finished) >= 4
    logins_before = {ext: env.counters(ext)["logins"] for ext in EXTS}
    third = env.run("enroll", "--file", inv, "--json")
    assert third.rc == 0, third.err
    doc = third.json()
    assert {u["extension"] for u in doc["users"] if u["status"] == "done_earlier"} == finished
    st = env.state()
    for ext in EXTS:
        assert st["users"][ext]["login_status"] == "login"
        assert sum(st["counters"]["users"][ext]["saves"].values()) == 1, ext  # nobody saved twice
        if ext in finished:
            assert st["counters"]["users"][ext]["logins"] == logins_before[ext]  # not even logged in again
    events = env.journal_events()
    assert [e["event"] for e in events].count("run_end") == 1
    text = "\n".join(json.dumps(e) for e in events)
    for secret in [env.client_secret, *env.tokens.values(), *(env.password(e) for e in EXTS)]:
        assert secret not in text  # the journal holds no secret

    fresh = env.run("enroll", "--file", inv, "--json")  # the batch is closed: everyone checked again
    assert fresh.rc == 0 and all(u["result"] == "unchanged" for u in fresh.json()["users"])
