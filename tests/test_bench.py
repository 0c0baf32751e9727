"""The benchmark runs end to end (bench/run.py --quick: N=2 on both box variants, `default` with the
real GUI's dropdown Logout and `friendly` with the old link). Not a timed test: the numbers are not
checked against the targets, only that every part ran, every user ended Logged In and no session
was left open, on each variant's own box."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ("machine", "params", "load", "help", "variants", "side_by_side", "targets")
VARIANT_SECTIONS = ("switches", "enroll", "naive", "floor", "ratios", "targets")


@pytest.mark.slow
@pytest.mark.timeout(300)  # ~30 s on an idle 2-core machine; the margin is for a shared one
def test_bench_quick_on_both_variants(tmp_path):
    out = tmp_path / "results"
    started = time.monotonic()
    p = subprocess.run([sys.executable, "-m", "bench.run", "--quick", "--out", str(out)], cwd=ROOT,
                       capture_output=True, text=True, timeout=280)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    doc = json.loads((out / "latest.json").read_text())
    assert len(list(out.glob("result-*.json"))) == 1
    for key in SECTIONS:
        assert doc.get(key) is not None, f"no {key} section"
    assert doc["schema"] == 2 and doc["ok"] is True
    assert doc["params"]["n"] == 2 and doc["params"]["variants"] == ["default", "friendly"]
    assert list(doc["variants"]) == ["default", "friendly"] and doc["target_variant"] == "default"

    # each variant ran on its own box: the box reports the variant's Logout
    logout = {"default": "dropdown", "friendly": "link"}
    for name, v in doc["variants"].items():
        for key in VARIANT_SECTIONS:
            assert v.get(key) is not None, f"{name}: no {key} section"
        a = v["enroll"]
        assert a["n"] == 2 and a["ok"] and a["summary"]["failed"] == 0, (name, a)
        for part in ("enroll", "naive", "floor"):  # same box variant for (a), (b) and (c)
            r = v[part]
            assert r["ok"] and r["box"]["all_logged_in"], (name, part, r)
            assert r["box"]["switches"]["logout_style"] == logout[name], (name, part, r["box"]["switches"])
            assert r["box"]["sessions_left"] == 0 and r["box"]["box_counters"]["failed_logins"] == 0, (name, part)
            assert r["wall_s"] > 0 and r["users_per_s"] > 0
        assert a["box"]["logged_in"] == 2 and a["peak_pss_mib"] > 50  # the browser was sampled too
        assert v["naive"]["extrapolated"] and v["naive"]["measured_n"] == 1
        assert v["naive"]["box"]["box_actions"]["logout"] == 1  # the naive script logged out, dropdown too
        assert v["ratios"]["speedup_vs_naive"] > 0 and v["ratios"]["a_over_c_time"] > 0
        assert {t["target"] for t in v["targets"]} == {"speedup_vs_naive", "seconds_per_user", "peak_pss_mib"}
    adm = doc["variants"]["default"]["admin_setup"]  # quick: admin-setup on the first variant only
    assert adm["ok"] and adm["applied"]["crm_module"] == "zohov2" and adm["sessions_left"] == 0
    assert doc["variants"]["friendly"]["admin_setup"] is None

    assert [s["variant"] for s in doc["side_by_side"]] == ["default", "friendly"]
    for s in doc["side_by_side"]:
        assert s["enroll_s_per_user"] > 0 and s["naive_s_per_user"] > 0 and s["speedup_vs_naive"] > 0
        assert s["enroll_cpu_s_per_user"] > 0 and s["naive_cpu_s_per_user"] > 0  # CPU, hardly moved by load
        assert s["all_logged_in"] and s["sessions_left"] == 0
    assert doc["help"]["ok"] and doc["help"]["median_s"] > 0
    assert {t["target"] for t in doc["targets"]} == {"speedup_vs_naive", "seconds_per_user", "peak_pss_mib",
                                                     "help_startup_s"}
    assert all(t["result"] in ("PASS", "MISS") for t in doc["targets"])
    assert "targets (on variant default)" in p.stdout and "side by side" in p.stdout
    assert re.search(r"^friendly +\(a\) ucmauto enroll", p.stdout, re.M), p.stdout
    try:
        import matplotlib  # noqa: F401 - optional: pip install -e '.[bench]'
    except ImportError:
        assert doc["plot"] is None and "matplotlib" in doc["plot_note"]
    else:
        assert (out / "latest.png").stat().st_size > 1000
    print(f"bench --quick: {time.monotonic() - started:.0f} s, load {doc['load']}")


def test_bench_rejects_an_unknown_variant():
    p = subprocess.run([sys.executable, "-m", "bench.run", "--variants", "default,nosuch"], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "unknown variant nosuch" in p.stderr and "real_gui_other" in p.stderr


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_portal_profile_reports_every_step(tmp_path):
    out = tmp_path / "profile.json"
    p = subprocess.run([sys.executable, "-m", "bench.portal_profile", "--n", "3", "--js-profile", "--json", str(out)],
                       cwd=ROOT, capture_output=True, text=True, timeout=170)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    r = json.loads(out.read_text())
    assert r["all_logged_in"] and r["users"] == 3
    assert r["variant"] == "default" and r["switches"] == {}  # the box's defaults: the real GUI's dropdown
    assert set(r["steps_ms_per_user"]) == {"login", "read", "save", "apply", "wait_logged_in", "logout"}
    assert all(row["wall"] > 0 for row in r["steps_ms_per_user"].values())
    assert r["cpu_s_per_user"].get("browser:renderer", 0) > 0  # the browser's processes were counted
    assert "python" in r["cpu_s_per_user"] and r["cpu_s_per_user_total"] > 0
    assert len(r["pss_mib"]) >= 2 and all(sum(k.values()) > 50 for k in r["pss_mib"].values())
    assert r["playwright_calls_per_user"] and r["renderer_main_thread_ms"].get("GUI JavaScript", 0) > 0
    assert "CPU s per user" in p.stdout
