"""What a benchmark run says: the targets and their verdicts, the side-by-side summary of the box
variants, the printed table and the plot (bench/run.py writes the JSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

TARGETS = {  # issue #7, on a 2-core machine; judged on the real GUI's behaviour (issue #12)
    "speedup_vs_naive": (">=", 10.0, "(a) at least 10x faster than (b) at N=100"),
    "seconds_per_user": ("<=", 0.25, "(a) amortised seconds per user, default concurrency"),
    "peak_pss_mib": ("<=", 700.0, "(a) peak PSS of the process tree at the default concurrency, MiB"),
    "help_startup_s": ("<=", 0.5, "`ucmauto --help` start-up, median of the runs (10 by default), s"),
}
TARGET_N = 100


def verdict(name: str, value: Optional[float], n: int) -> dict[str, Any]:
    op, limit, what = TARGETS[name]
    if value is None:
        result = "N/A"
    else:
        result = "PASS" if (value >= limit if op == ">=" else value <= limit) else "MISS"
    out = {"target": name, "what": what, "limit": f"{op} {limit:g}", "value": value, "result": result}
    if name in ("speedup_vs_naive", "seconds_per_user", "peak_pss_mib") and n != TARGET_N:
        out["note"] = f"the target is defined at N={TARGET_N}; this run has N={n}"
    return out


def ratios(v: dict[str, Any]) -> dict[str, Optional[float]]:
    a, b, c = v["enroll"], v.get("naive"), v.get("floor")
    return {
        # how many times faster (a) is than (b): same N, naive wall extrapolated when measured on fewer
        "speedup_vs_naive": round(b["wall_s"] / a["wall_s"], 2) if b else None,
        "a_over_b_time": round(a["wall_s"] / b["wall_s"], 3) if b else None,
        # how many times the floor's time (a) takes
        "a_over_c_time": round(a["wall_s"] / c["wall_s"], 2) if c else None,
    }


def variant_targets(v: dict[str, Any], n: int) -> list[dict[str, Any]]:
    return [verdict("speedup_vs_naive", v["ratios"]["speedup_vs_naive"], n),
            verdict("seconds_per_user", v["enroll"]["seconds_per_user"], n),
            verdict("peak_pss_mib", v["enroll"]["peak_pss_mib"], n)]


def cpu_per_user(r: Optional[dict[str, Any]]) -> Optional[float]:
    """CPU seconds the subject's process tree spent per user measured: unlike wall time, hardly
    moved by other people's load, so it says what a run costs on a shared machine."""
    if not r or not r.get("cpu"):
        return None
    return round(r["cpu"]["subject_cpu_s"] / (r.get("measured_n") or r["n"]), 3)


def side_by_side(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per variant: (a) and (b) on the same box, and what the box said."""
    rows = []
    for name, v in result["variants"].items():
        a, b, c, adm = v["enroll"], v.get("naive"), v.get("floor"), v.get("admin_setup")
        ca, cb = cpu_per_user(a), cpu_per_user(b)
        rows.append({
            "variant": name, "n": a["n"], "concurrency": a["concurrency"],
            "enroll_s_per_user": a["seconds_per_user"], "enroll_peak_pss_mib": a["peak_pss_mib"],
            "naive_s_per_user": b["seconds_per_user"] if b else None,
            "naive_extrapolated_from": b.get("measured_n") if b and b.get("extrapolated") else None,
            "naive_peak_pss_mib": b["peak_pss_mib"] if b else None,
            "speedup_vs_naive": v["ratios"]["speedup_vs_naive"],
            "floor_s_per_user": c["seconds_per_user"] if c else None,
            "enroll_cpu_s_per_user": ca, "naive_cpu_s_per_user": cb,
            "naive_over_enroll_cpu": round(cb / ca, 2) if ca and cb else None,
            "admin_setup_s": adm["wall_s"] if adm else None,
            "all_logged_in": all(r["box"]["all_logged_in"] for r in (a, b, c) if r),
            "sessions_left": sum(r["box"]["sessions_left"] for r in (a, b, c) if r),
            "max_others_cpu_share": max((r["cpu"]["foreign_cpu_share"] for r in (a, b, c) if r and r.get("cpu")),
                                        default=0.0),
        })
    return rows


def _f(x: Optional[float], fmt: str) -> str:
    return "-" if x is None else format(x, fmt)


def table(result: dict[str, Any]) -> str:
    rows = [("variant", "measurement", "N", "-j", "wall s", "users/s", "s/user", "peak PSS MiB", "all Logged In",
             "sessions left", "others' CPU")]

    def row(variant: str, name: str, r: Optional[dict]) -> None:
        if not r:
            return
        wall = f"{r['wall_s']:.1f}" + ("*" if r.get("extrapolated") else "")
        rows.append((variant, name, str(r["n"]), str(r.get("concurrency", 1)), wall, f"{r['users_per_s']:.2f}",
                     f"{r['seconds_per_user']:.3f}", f"{r['peak_pss_mib']:.0f}",
                     "yes" if r["box"]["all_logged_in"] else f"NO ({r['box']['logged_in']}/{r['box']['users']})",
                     str(r["box"]["sessions_left"]),
                     f"{r['cpu']['foreign_cpu_share']:.0%}" if r.get("cpu") else "?"))

    notes = []
    for name, v in result["variants"].items():
        row(name, "(a) ucmauto enroll, default -j", v["enroll"])
        for r in sorted(v["sweep"], key=lambda r: r["concurrency"]):
            if not r.get("same_run_as"):  # the default's own point is the row above
                row(name, f"(a) ucmauto enroll -j {r['concurrency']}", r)
        row(name, "(b) naive: browser per user", v.get("naive"))
        row(name, "(c) floor: direct /cgi", v.get("floor"))
        if (v.get("naive") or {}).get("extrapolated") and v["naive"]["note"] not in notes:
            notes.append(v["naive"]["note"])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    out = "\n".join(lines) + "".join(f"\n* {n}" for n in notes)

    out += "\n\nside by side (same box variant):"
    for s in result["side_by_side"]:
        out += (f"\n  {s['variant']:15} (a) {_f(s['enroll_s_per_user'], '.3f')} s/user, "
                f"(b) {_f(s['naive_s_per_user'], '.3f')} s/user: {_f(s['speedup_vs_naive'], '.2f')}x; "
                f"CPU-s/user (a) {_f(s['enroll_cpu_s_per_user'], '.2f')} / (b) {_f(s['naive_cpu_s_per_user'], '.2f')}; "
                f"peak PSS (a) {_f(s['enroll_peak_pss_mib'], '.0f')} / (b) {_f(s['naive_peak_pss_mib'], '.0f')} MiB; "
                f"admin-setup {_f(s['admin_setup_s'], '.1f')} s")
    h = result.get("help")
    if h:
        out += f"\nucmauto --help: median {h['median_s']:.3f} s of {h['runs']} " \
               f"(bare python {h['python_bare_median_s']:.3f} s)"
    out += f"\n\ntargets (on variant {result['target_variant']}):"
    for t in result["targets"]:
        v = t["value"]
        out += f"\n  {t['result']:4}  {t['target']:17} {'' if v is None else v:>8}  ({t['limit']}; {t['what']})"
        if t.get("note"):
            out += f"  [{t['note']}]"
    load = result["load"]
    out += f"\n\nload average: start {load['start']}, end {load['end']} on {result['machine']['cpus']} CPUs; " \
           f"other processes' CPU share, worst measurement: {load.get('max_foreign_cpu_share', 0):.0%}"
    if load.get("warning"):
        out += f"\nWARNING: {load['warning']}"
    return out


def plot(result: dict[str, Any], path: Path) -> Optional[str]:
    """Left: users per second against -j, per variant (a)'s default point and (b)'s line; right: peak PSS."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FormatStrFormatter, NullFormatter
    except ImportError:
        return "matplotlib is not installed (pip install -e '.[bench]'): no plot"
    p = result["params"]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.4))
    fig.suptitle(f"ucmauto enroll, N={p['n']} users, {p['latency_ms']} ms per /cgi reply "
                 f"({result['machine']['cpus']} CPUs, load {result['load']['start'][0]}, {result['date']})",
                 fontsize=10)
    xs_all: set[int] = set()
    for i, (name, v) in enumerate(result["variants"].items()):
        color = f"C{i}"
        d = v["enroll"]
        points = {r["concurrency"]: r for r in v["sweep"]}
        points.setdefault(d["concurrency"], d)
        xs = sorted(points)
        xs_all.update(xs)
        if len(xs) > 1:
            ax1.plot(xs, [points[c]["users_per_s"] for c in xs], "o-", color=color, label=f"{name}: (a) -j C")
            ax2.plot(xs, [points[c]["peak_pss_mib"] for c in xs], "o-", color=color, label=f"{name}: (a) -j C")
        ax1.plot([d["concurrency"]], [d["users_per_s"]], "s", color=color, ms=9, mfc="none",
                 label=f"{name}: (a) default -j {d['concurrency']}")
        ax2.plot([d["concurrency"]], [d["peak_pss_mib"]], "s", color=color, ms=9, mfc="none",
                 label=f"{name}: (a) default")
        if v.get("naive"):
            ax1.axhline(v["naive"]["users_per_s"], color=color, ls="--", label=f"{name}: (b) naive")
            ax2.axhline(v["naive"]["peak_pss_mib"], color=color, ls="--", label=f"{name}: (b) naive")
        if v.get("floor"):
            ax1.axhline(v["floor"]["users_per_s"], color=color, ls=":", label=f"{name}: (c) floor")
    ax1.axhline(1 / TARGETS["seconds_per_user"][1], color="grey", lw=0.8, label="target: 0.25 s/user")
    ax2.axhline(TARGETS["peak_pss_mib"][1], color="grey", lw=0.8, label="target: 700 MiB")
    ax1.set_yscale("log")
    ax1.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax1.yaxis.set_minor_formatter(NullFormatter())  # minor labels crowd a short log axis
    ax1.set_ylabel("users enrolled per second")
    ax2.set_ylabel("peak PSS of the process tree (MiB)")
    ax2.set_ylim(bottom=0)
    for ax in (ax1, ax2):
        ax.set_xlabel("concurrency (-j)")
        ax.set_xticks(sorted(xs_all))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None
