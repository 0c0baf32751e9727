"""The benchmark runs end to end (bench/run.py --quick: N=5). Not a timed test: the numbers are
not checked against the targets, only that every part ran and every user ended Logged In."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ("machine", "params", "load", "help", "admin_setup", "enroll", "sweep", "naive", "floor", "ratios",
            "targets")


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_bench_quick(tmp_path):
    out = tmp_path / "results"
    p = subprocess.run([sys.executable, "-m", "bench.run", "--quick", "--out", str(out)], cwd=ROOT,
                       capture_output=True, text=True, timeout=280)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    doc = json.loads((out / "latest.json").read_text())
    assert len(list(out.glob("result-*.json"))) == 1
    for key in SECTIONS:
        assert doc.get(key) is not None, f"no {key} section"
    assert doc["ok"] is True
    assert doc["params"]["n"] == 5

    a = doc["enroll"]
    assert a["n"] == 5 and a["ok"] and a["summary"]["failed"] == 0
    assert a["box"]["all_logged_in"] and a["box"]["logged_in"] == 5, a["box"]
    assert a["box"]["box_counters"]["failed_logins"] == 0 and a["box"]["sessions_left"] == 0
    assert a["peak_pss_mib"] > 50  # the browser was sampled, not only the Python process
    assert doc["sweep"], "no concurrency sweep"
    for r in doc["sweep"]:  # every (a) run: every user Logged In according to the box
        assert r["box"]["all_logged_in"] and r["box"]["logged_in"] == 5, (r["concurrency"], r["box"])
    for name in ("naive", "floor"):
        r = doc[name]
        assert r["ok"] and r["box"]["all_logged_in"], (name, r)
        assert r["wall_s"] > 0 and r["users_per_s"] > 0
    assert doc["naive"]["extrapolated"] and doc["naive"]["measured_n"] == 3
    assert doc["admin_setup"]["ok"] and doc["admin_setup"]["applied"]["crm_module"] == "zohov2"
    assert doc["help"]["ok"] and doc["help"]["median_s"] > 0
    assert {t["target"] for t in doc["targets"]} == {"speedup_vs_naive", "seconds_per_user", "peak_pss_mib",
                                                     "help_startup_s"}
    assert all(t["result"] in ("PASS", "MISS") for t in doc["targets"])
    assert doc["ratios"]["speedup_vs_naive"] > 0 and doc["ratios"]["a_over_c_time"] > 0
    assert "targets:" in p.stdout and "(a) ucmauto enroll" in p.stdout
    try:
        import matplotlib  # noqa: F401 - optional: pip install -e '.[bench]'
    except ImportError:
        assert doc["plot"] is None and "matplotlib" in doc["plot_note"]
    else:
        assert (out / "latest.png").stat().st_size > 1000


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_portal_profile_reports_every_step(tmp_path):
    out = tmp_path / "profile.json"
    p = subprocess.run([sys.executable, "-m", "bench.portal_profile", "--n", "3", "--js-profile", "--json", str(out)],
                       cwd=ROOT, capture_output=True, text=True, timeout=170)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    r = json.loads(out.read_text())
    assert r["all_logged_in"] and r["users"] == 3
    assert set(r["steps_ms_per_user"]) == {"login", "read", "save", "apply", "wait_logged_in", "logout"}
    assert all(row["wall"] > 0 for row in r["steps_ms_per_user"].values())
    assert r["cpu_s_per_user"].get("browser:renderer", 0) > 0  # the browser's processes were counted
    assert "python" in r["cpu_s_per_user"] and r["cpu_s_per_user_total"] > 0
    assert len(r["pss_mib"]) >= 2 and all(sum(k.values()) > 50 for k in r["pss_mib"].values())
    assert r["playwright_calls_per_user"] and r["renderer_main_thread_ms"].get("GUI JavaScript", 0) > 0
    assert "CPU s per user" in p.stdout
