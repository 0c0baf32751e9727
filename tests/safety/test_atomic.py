"""Files holding secrets or state are written so that a crash never leaves half of one.

A writer runs in a child process that SIGKILLs itself at a chosen point: at its first write
(after any truncation a naive writer would have done, before any byte of the new content) or at
the rename of a temp file over the real one. The old file must be whole and parseable after
either, and the next write must succeed and leave no temp file (a leftover temp of the token
store holds refresh tokens: the store must be the one place they are). The journal is
append-only instead: each event is fsynced before `write` returns, a kill mid-append loses at
most that event, and a line cut by a crash does not swallow the next run's first event.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from safety_helpers import ROOT, canary, mode
from ucm_automator.enroll.journal import Journal
from ucm_automator.ucm.trust import KnownHosts
from ucm_automator.zoho.store import TokenRecord, TokenStore

# Runs WRITER (Python source) in a child that SIGKILLs itself at the crash point.
HARNESS = textwrap.dedent("""
    import os, signal, sys
    import time, pydantic  # imported before the crash point is armed (imports write .pyc files)
    import ucm_automator.enroll.journal, ucm_automator.ucm.trust, ucm_automator.zoho.store
    point, writer = sys.argv[1], sys.argv[2]

    def die(*_a, **_k):
        os.kill(os.getpid(), signal.SIGKILL)

    if point == "replace":  # between the complete temp file and its rename
        os.replace = os.rename = die
    elif point == "after":  # nothing armed: the writer kills itself once its write returned
        pass
    elif point == "write":  # at the first write of any file, after open() truncated it
        def prof(frame, event, arg):
            if event == "c_call" and getattr(arg, "__name__", "") in ("write", "writelines", "pwrite"):
                die()
        sys.setprofile(prof)
    exec(compile(writer, "<writer>", "exec"))
    sys.setprofile(None)
    print("survived")
""")


def crash(point: str, writer: str) -> subprocess.CompletedProcess:
    p = subprocess.run([sys.executable, "-c", HARNESS, point, textwrap.dedent(writer)], cwd=ROOT,
                       capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert p.returncode == -signal.SIGKILL, (p.returncode, p.stdout, p.stderr)
    return p


def record(name: str) -> TokenRecord:
    return TokenRecord(dc="us", client_id="1000.X", user=f"{name}@example.com", name=name,
                       accounts_url="https://accounts.zoho.com", api_domain="https://www.zohoapis.com",
                       created_at=time.time())


def temps(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("point", ["write", "replace"])
def test_token_store_survives_a_kill_mid_write(tmp_path, point):
    path = tmp_path / "app" / "tokens.json"
    store = TokenStore(path)
    old = {n: canary(f"rt{n}") for n in ("a", "b")}
    for n, rt in old.items():
        store.save(record(n), SecretStr(rt))
    before = path.read_bytes()
    new = canary("rtnew")
    crash(point, f"""
        from pydantic import SecretStr
        from ucm_automator.zoho.store import TokenRecord, TokenStore
        import time
        rec = TokenRecord(dc="us", client_id="1000.X", user="c@example.com", name="c",
                          accounts_url="https://accounts.zoho.com", api_domain="https://www.zohoapis.com",
                          created_at=time.time())
        TokenStore({str(path)!r}).save(rec, SecretStr({new!r}))
    """)
    assert path.read_bytes() == before  # whole and unchanged
    recs = TokenStore(path).records()
    assert [(r.name, r.refresh_token) for r in recs] == [("a", old["a"]), ("b", old["b"])]
    assert mode(path) == 0o600
    for t in temps(path.parent):  # a kill before the rename leaves the new content in a private temp
        assert mode(t) == 0o600
    store.save(record("d"), SecretStr(canary("rtd")))  # the next write (under the lock) clears it
    assert temps(path.parent) == []
    assert [r.name for r in TokenStore(path).records()] == ["a", "b", "d"]
    assert new not in "".join(p.read_text() for p in path.parent.iterdir() if p.is_file())


@pytest.mark.parametrize("point", ["write", "replace"])
def test_known_hosts_survives_a_kill_mid_write(tmp_path, point):
    path = tmp_path / "app" / "known_hosts"
    hosts = KnownHosts(path)
    fp = {h: "sha256:" + ":".join([f"{i:02X}"] * 32) for i, h in enumerate(["10.0.0.1:8089", "10.0.0.2:8089"])}
    for h, f in fp.items():
        hosts.remember(h, f)
    before = path.read_bytes()
    crash(point, f"""
        from ucm_automator.ucm.trust import KnownHosts
        KnownHosts({str(path)!r}).remember("10.0.0.3:8089", "sha256:" + ":".join(["EE"] * 32))
    """)
    assert path.read_bytes() == before
    assert all(KnownHosts(path).lookup(h) == f for h, f in fp.items())
    assert KnownHosts(path).lookup("10.0.0.3:8089") is None
    hosts.remember("10.0.0.1:8089", fp["10.0.0.2:8089"])  # a new certificate accepted later
    assert KnownHosts(path).lookup("10.0.0.1:8089") == fp["10.0.0.2:8089"]
    assert KnownHosts(path).lookup("10.0.0.2:8089") == fp["10.0.0.2:8089"]
    assert temps(path.parent) == []


def test_journal_event_is_fsynced_before_write_returns(tmp_path, monkeypatch):
    calls: list[tuple[str, int]] = []
    real_write, real_fsync = os.write, os.fsync
    monkeypatch.setattr(os, "write", lambda fd, data: calls.append(("write", fd)) or real_write(fd, data))
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append(("fsync", fd)) or real_fsync(fd))
    j = Journal(tmp_path / "journal", "https://127.0.0.1:8089", "b1")
    j.write("run_start", users=["1001"])
    first = list(calls)
    calls.clear()
    j.write("done", extension="1001", ok=True)
    # the new file: the line, its fsync, then the folder's fsync (the new name is durable too)
    assert [c[0] for c in first] == ["write", "fsync", "fsync"] and first[0][1] == first[1][1]
    assert [c[0] for c in calls][-2:] == ["write", "fsync"] and calls[-1][1] == calls[-2][1]
    assert mode(j.path) == 0o600 and mode(j.path.parent) == 0o700


def test_journal_kill_mid_append_keeps_what_was_written(tmp_path):
    path_dir = tmp_path / "journal"
    j = Journal(path_dir, "https://127.0.0.1:8089", "b1")
    j.write("run_start", users=["1001", "1002"])
    j.write("done", extension="1001", ok=True)
    crash("write", f"""
        from ucm_automator.enroll.journal import Journal
        Journal({str(path_dir)!r}, "https://127.0.0.1:8089", "b1").write("done", extension="1002", ok=True)
    """)
    state = j.resume()
    assert state.open and set(state.done) == {"1001"}  # the killed event did not happen
    crash("after", f"""
        from ucm_automator.enroll.journal import Journal
        import os, signal
        Journal({str(path_dir)!r}, "https://127.0.0.1:8089", "b1").write("done", extension="1002", ok=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    assert set(j.resume().done) == {"1001", "1002"}


def test_journal_line_cut_by_a_crash_does_not_swallow_the_next_event(tmp_path):
    """A crash (power loss) can leave the last line cut. The next run's first event must land on
    a line of its own: here it is --restart's `reset`, which must not be lost."""
    j = Journal(tmp_path / "journal", "https://127.0.0.1:8089", "b1")
    j.write("run_start", users=["1001", "1002"])
    j.write("done", extension="1001", ok=True)
    with open(j.path, "a") as f:
        f.write('{"t": 1.0, "event": "done", "extension": "10')  # cut mid-line
    j.write("reset")
    assert j.resume().done == {}  # the reset counted: the next run checks everyone again
    j.write("run_start", users=["1001", "1002"])
    j.write("done", extension="1002", ok=True)
    assert set(j.resume().done) == {"1002"}
    lines = j.path.read_text().splitlines()
    assert sum(1 for ln in lines if _parses(ln)) == len(lines) - 1  # only the cut line is unreadable


def _parses(line: str) -> bool:
    try:
        json.loads(line)
        return True
    except ValueError:
        return False
