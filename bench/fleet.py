"""The fleet benchmark: 3 test boxes x 20 users (admin setup + enrolment on each), as
`ucmauto fleet apply --boxes 3` (one shared browser, boxes at once) against the same work done
box after box: `fleet apply --boxes 1`, and the MSP's shell loop (`ucmauto admin-setup` then
`ucmauto enroll` per box, a browser per command). Wall time, peak PSS of the whole process
tree, CPU, and the machine's load (it is shared).

    python -m bench.fleet                 # 3 x 20, writes bench/results/fleet-latest.json
    python -m bench.fleet --boxes 2 --n 3 # a quick look
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bench.cpu import CpuWindow
from bench.memory import TreeSampler
from bench.stage import CLIENT_ID, DC, ROOT, SCOPES, SERVER_ADDRESS, _private, extensions, ucmauto_argv, write_seed
from fixtures.procs import start_box
from fixtures.zohoproc import spawn_zoho
from ucm_automator.zoho.store import TokenRecord, TokenStore

NAMES = ["acme", "globex", "initech", "umbrella", "hooli", "stark"]


class FleetStage:
    def __init__(self, work: Path, boxes: int, n: int, latency_ms: int, crm_login_delay_ms: int) -> None:
        self.work, self.count, self.n = work, boxes, n
        self.latency_ms, self.delay = latency_ms, crm_login_delay_ms
        self.names = NAMES[:boxes]
        self.stack = ExitStack()

    def __enter__(self) -> "FleetStage":
        self.work.mkdir(parents=True, mode=0o700)
        self.home = self.work / "home"
        self.zoho = spawn_zoho()
        self.stack.callback(self.zoho.stop)
        self.boxes = []
        for name in self.names:
            write_seed(self.work / f"{name}-seed.json", self.n)
            self.boxes.append(self.stack.enter_context(start_box(
                zoho_url=self.zoho.url, latency_ms=self.latency_ms, crm_login_delay_ms=self.delay,
                seed=str(self.work / f"{name}-seed.json"), state_dir=self.work / name, log_path=self.work / f"{name}.log")))
        self._arrange()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stack.close()

    def _arrange(self) -> None:
        self.client_secret = self.zoho.client_secret(CLIENT_ID, DC)
        store = TokenStore(self.home / "ucmauto" / "tokens.json")
        blocks = []
        for name, box in zip(self.names, self.boxes):
            _private(self.work / f"{name}.admin", box.password("admin") + "\n")
            rows = []
            for ext in extensions(self.n):
                email = f"u{ext}@{name}.example.com"
                self.zoho.add_user(DC, email, f"User {ext}")
                raw = self.zoho.refresh_token(CLIENT_ID, email, SCOPES, dc=DC)
                store.save(TokenRecord(dc=DC, client_id=CLIENT_ID, user=email, name=f"{name}/{ext}",
                                       user_name=f"User {ext}", accounts_url=self.zoho.accounts_url(DC),
                                       api_domain=self.zoho.api_url(DC), scopes=SCOPES, created_at=time.time()),
                           SecretStr(raw))
                _private(self.work / f"{name}-{ext}.pass", box.password(ext) + "\n")
                rows.append({"extension": ext, "name": f"user{ext}", "password_file": f"{name}-{ext}.pass",
                             "token_name": f"{name}/{ext}"})
            with (self.work / f"{name}.csv").open("w", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=list(rows[0]))
                w.writeheader()
                w.writerows(rows)
            blocks.append(f'[[boxes]]\nname = "{name}"\nurl = "{box.url}"\nfingerprint = "{box.fingerprint}"\n')
        self.inventory = self.work / "fleet.toml"
        self.inventory.write_text(
            f'[defaults]\nadmin_password_file = "{{box}}.admin"\nusers = "{{box}}.csv"\n'
            f'server_address = "{SERVER_ADDRESS}"\nlookups = ["contacts"]\nadd_unknown = "contacts"\n'
            f'zoho_dc = "{DC}"\nclient_id = "{CLIENT_ID}"\n\n' + "\n".join(blocks))

    def reset(self) -> None:
        """Every box back to its seed (admin CRM disabled, no user enrolled), journals gone."""
        for box in self.boxes:
            box.control(reset=True)
        shutil.rmtree(self.home / "ucmauto" / "journal", ignore_errors=True)

    def env(self, **extra: str) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("UCMAUTO_")}
        base.update(XDG_CONFIG_HOME=str(self.home), HOME=str(self.home), PYTHONUNBUFFERED="1",
                    UCMAUTO_ZOHO_CLIENT_SECRET=self.client_secret, UCMAUTO_ARTIFACTS_DIR=str(self.work / "artifacts"))
        base.update(extra)
        return base

    def verdict(self) -> dict[str, Any]:
        per_box = {}
        for name, box in zip(self.names, self.boxes):
            st = box.state()
            per_box[name] = {"logged_in": sum(st["users"][e]["login_status"] == "login" for e in extensions(self.n)),
                             "admin_crm": (st["admin_crm"]["applied"] or {}).get("crm_module"),
                             "sessions_left": st["sessions"]}
        ok = all(b["logged_in"] == self.n and b["admin_crm"] == "zohov2" and b["sessions_left"] == 0
                 for b in per_box.values())
        return {"all_logged_in": ok, "boxes": per_box}


def run_steps(stage: FleetStage, steps: list[tuple[list[str], dict[str, str]]]) -> dict[str, Any]:
    """Run the commands one after another; wall over all, peak PSS over each one's process tree."""
    load0, cpu = list(os.getloadavg()), CpuWindow([b.pid for b in stage.boxes] + [stage.zoho.pid])
    started, peak, sampled, rcs, tails = time.monotonic(), 0.0, 0.0, [], []
    for argv, env in steps:
        import subprocess

        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        with TreeSampler(proc.pid) as mem:
            out, err = proc.communicate(timeout=1800)
        peak, sampled = max(peak, mem.peak_mib), sampled + mem.cpu_s
        rcs.append(proc.returncode)
        if proc.returncode:
            tails.append(err[-1500:])
    wall = time.monotonic() - started
    return {"wall_s": round(wall, 1), "peak_pss_mib": round(peak, 1), "rcs": rcs, "errors": tails,
            "load_before": [round(x, 2) for x in load0], "load_after": [round(x, 2) for x in os.getloadavg()],
            "cpu": cpu.finish(sampled), **stage.verdict()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.fleet", description=__doc__.split("\n\n")[0])
    ap.add_argument("--boxes", type=int, default=3)
    ap.add_argument("--n", type=int, default=20, help="users per box")
    ap.add_argument("--latency-ms", type=int, default=50)
    ap.add_argument("--crm-login-delay-ms", type=int, default=300)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    a = ap.parse_args(argv)
    cli = ucmauto_argv()
    work = Path(tempfile.mkdtemp(prefix="bench-fleet-")) / "w"
    results: dict[str, Any] = {"params": vars(a) | {"out": str(a.out)}, "cpus": os.cpu_count(),
                               "started": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    try:
        with FleetStage(work, a.boxes, a.n, a.latency_ms, a.crm_login_delay_ms) as st:
            inv = str(st.inventory)
            subjects = {
                f"fleet_boxes_{a.boxes}_j1": [([*cli, "fleet", "apply", "-i", inv, "--boxes", str(a.boxes), "-j", "1"],
                                               st.env())],
                f"fleet_boxes_{a.boxes}_j2": [([*cli, "fleet", "apply", "-i", inv, "--boxes", str(a.boxes), "-j", "2"],
                                               st.env())],
                "fleet_box_after_box_j2": [([*cli, "fleet", "apply", "-i", inv, "--boxes", "1", "-j", "2"], st.env())],
                "shell_loop_j2": [step for name, box in zip(st.names, st.boxes) for step in (
                    ([*cli, "admin-setup", "--server-address", SERVER_ADDRESS, "--lookups", "contacts",
                      "--add-unknown", "contacts"], st.env(UCMAUTO_UCM=box.url, UCMAUTO_FINGERPRINT=box.fingerprint,
                                                           UCMAUTO_ADMIN_PASSWORD=box.password("admin"))),
                    ([*cli, "enroll", "--file", str(st.work / f"{name}.csv"), "-j", "2"],
                     st.env(UCMAUTO_UCM=box.url, UCMAUTO_FINGERPRINT=box.fingerprint)))],
            }
            for name, steps in subjects.items():
                st.reset()
                print(f"[bench.fleet] {name} ...", file=sys.stderr, flush=True)
                results[name] = run_steps(st, steps)
                r = results[name]
                print(f"[bench.fleet] {name}: {r['wall_s']} s, peak {r['peak_pss_mib']} MiB, all Logged In "
                      f"{r['all_logged_in']}, load {r['load_before']} -> {r['load_after']}", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work.parent, ignore_errors=True)
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "fleet-latest.json").write_text(json.dumps(results, indent=1) + "\n")
    return 0 if all(v.get("all_logged_in") for k, v in results.items() if isinstance(v, dict) and "wall_s" in v) else 1


if __name__ == "__main__":
    sys.exit(main())
