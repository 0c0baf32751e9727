"""The Ansible collection (ucmauto.ucm) built with ansible-galaxy and run by ansible-playbook over
an inventory of three test boxes with forks 3: check mode changes nothing, the first run changes,
the second changes nothing (-vvv, no secret in it), a wrong admin password fails only its host."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "fleet"))
from fleet_helpers import NAMES, SCOPES, US, start_boxes  # noqa: E402

BIN = Path(sys.executable).parent
COLLECTION = ROOT / "ansible_collections" / "ucmauto" / "ucm"
PLAYBOOK = COLLECTION / "playbooks" / "enrol.yml"
USERS = ["1001"]

pytestmark = pytest.mark.skipif(not (BIN / "ansible-playbook").exists(),
                                reason="ansible-core is not installed (pip install '.[test]')")


class Play:
    def __init__(self, tmp: Path, boxes: list, zoho) -> None:
        self.tmp, self.boxes, self.zoho = tmp, boxes, zoho
        self.secrets: list[str] = []
        self.collections = tmp / "collections"
        built = subprocess.run([BIN / "ansible-galaxy", "collection", "build", str(COLLECTION), "--output-path",
                                str(tmp / "dist"), "--force"], capture_output=True, text=True, env=self.env())
        assert built.returncode == 0, built.stdout + built.stderr
        tarball = next((tmp / "dist").glob("ucmauto-ucm-*.tar.gz"))
        inst = subprocess.run([BIN / "ansible-galaxy", "collection", "install", str(tarball), "-p",
                               str(self.collections), "--force"], capture_output=True, text=True, env=self.env())
        assert inst.returncode == 0, inst.stdout + inst.stderr

    def env(self) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("UCMAUTO_", "ANSIBLE_"))}
        home = self.tmp / "home"
        base.update(HOME=str(home), XDG_CONFIG_HOME=str(home), ANSIBLE_HOME=str(home / "ansible"),
                    ANSIBLE_LOCAL_TEMP=str(self.tmp / "atmp"), ANSIBLE_COLLECTIONS_PATH=str(self.collections),
                    ANSIBLE_FORKS="3", ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_RETRY_FILES_ENABLED="0",
                    ANSIBLE_PYTHON_INTERPRETER=sys.executable, UCMAUTO_TIMEOUT_S="15",
                    UCMAUTO_ARTIFACTS_DIR=str(self.tmp / "artifacts"))
        return base

    def inventory(self, name: str, wrong_admin: str = "") -> Path:
        hosts = {}
        for box_name, box in zip(NAMES, self.boxes):
            tokens = {}
            for ext in USERS:
                email = f"a{ext}@{box_name}.example.com"
                self.zoho.add_user("us", email, f"User {ext}")
                tokens[ext] = self.zoho.refresh_token(US, email, SCOPES, dc="us")
            admin = "Wrong-password-1" if box_name == wrong_admin else box.password("admin")
            pws = {ext: box.password(ext) for ext in USERS}
            self.secrets += [admin, box.password("admin"), *pws.values(), *tokens.values()]
            hosts[box_name] = dict(ucm_url=box.url, ucm_fingerprint=box.fingerprint, ucm_admin_password=admin,
                                   ucm_users=USERS, ucm_user_passwords=pws, ucm_refresh_tokens=tokens)
        secret = self.zoho.client_secret(US, "us")
        self.secrets.append(secret)
        inv = {"all": {"children": {"ucms": {"hosts": hosts, "vars": dict(
            ansible_connection="local", ansible_python_interpreter=sys.executable, zoho_server_address="zoho.com",
            zoho_lookups=["contacts"], zoho_add_unknown="contacts", zoho_dc="us", zoho_client_id=US,
            zoho_client_secret=secret, zoho_accounts_url=self.zoho.accounts_url("us"))}}}}
        path = self.tmp / f"{name}.json"  # JSON is YAML: the YAML inventory plugin reads it
        path.write_text(json.dumps(inv))
        path.chmod(0o600)
        return path

    def run(self, inventory: Path, *args: str) -> tuple[int, str, dict[str, dict[str, int]]]:
        p = subprocess.run([BIN / "ansible-playbook", "-i", str(inventory), str(PLAYBOOK), *args],
                           capture_output=True, text=True, env=self.env(), timeout=400, stdin=subprocess.DEVNULL)
        out = p.stdout + p.stderr
        recap = {m.group(1): {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(2))}
                 for m in re.finditer(r"^(\w+)\s+:\s+(ok=.*)$", out, re.M)}
        return p.returncode, out, recap

    def assert_no_secret(self, out: str) -> None:
        for s in self.secrets:
            assert s not in out, "a secret reached ansible's output"

    def assert_no_sessions(self) -> None:
        for name, box in zip(NAMES, self.boxes):
            assert box.state()["sessions"] == 0, f"box {name} has a session left open"


@pytest.fixture(scope="module")
def play(zoho_server, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ansible")
    with ExitStack() as stack:
        boxes = start_boxes(stack, zoho_server.url, tmp, len(USERS))
        p = Play(tmp, boxes, zoho_server)
        yield p
        p.assert_no_sessions()


def counters(play: Play) -> list[tuple[dict, int]]:
    out = []
    for b in play.boxes:
        g = b.state()["counters"]["global"]
        out.append((g["saves"], g["applies"]))
    return out


def test_check_then_apply_then_idempotent_with_no_secret_in_vvv(play):
    inv = play.inventory("hosts")
    before = counters(play)
    rc, out, recap = play.run(inv, "--check", "--diff")
    assert rc == 0, out[-3000:]
    assert sorted(recap) == sorted(NAMES)
    assert all(r["changed"] == 2 and r["failed"] == 0 for r in recap.values()), recap
    assert counters(play) == before, "check mode saved or applied something"
    assert '+    "crm_module": "zohov2",' in out, out[-3000:]  # --diff: the planned admin page
    play.assert_no_sessions()

    rc, out, recap = play.run(inv, "--diff")
    assert rc == 0, out[-3000:]
    assert all(r["changed"] == 2 and r["failed"] == 0 for r in recap.values()), recap
    for b in play.boxes:
        st = b.state()
        assert st["admin_crm"]["applied"]["crm_module"] == "zohov2"
        assert st["users"]["1001"]["login_status"] == "login"
    play.assert_no_secret(out)
    play.assert_no_sessions()

    saved = counters(play)
    rc, out, recap = play.run(inv, "-vvv")
    assert rc == 0, out[-3000:]
    assert all(r["changed"] == 0 and r["failed"] == 0 for r in recap.values()), recap
    assert counters(play) == saved
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in out or "********" in out  # -vvv shows the args, masked
    play.assert_no_secret(out)
    play.assert_no_sessions()


def test_wrong_admin_password_fails_only_that_host(play):
    inv = play.inventory("wrong", wrong_admin="globex")
    rc, out, recap = play.run(inv)
    assert rc != 0
    assert recap["globex"]["failed"] == 1 and recap["globex"]["ok"] == 0, recap
    assert recap["acme"]["failed"] == 0 and recap["initech"]["failed"] == 0, recap
    assert re.search(r'"exit_code": 20', out) and '"code": "LOGIN_WRONG_PASSWORD"' in out, out[-3000:]
    play.assert_no_secret(out)
    play.assert_no_sessions()


@pytest.mark.skipif(shutil.which("ansible-lint", path=str(BIN)) is None, reason="ansible-lint did not install")
def test_collection_is_lint_clean(play):
    p = subprocess.run([BIN / "ansible-lint", "--offline", "playbooks/enrol.yml", "plugins"], cwd=COLLECTION,
                       capture_output=True, text=True, env=play.env(), timeout=300)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
