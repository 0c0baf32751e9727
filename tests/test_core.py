"""The shared pieces every command stands on: redaction, secrets, settings, browser discovery."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest
from pydantic import SecretStr

from ucm_automator import browser
from ucm_automator.config import load_settings
from ucm_automator.errors import BadInput, ExitCode, NotFound, SecretMissing
from ucm_automator.output import Terminal
from ucm_automator.redact import MASK, REDACTOR, RedactingFilter, redact, secret
from ucm_automator.secrets import resolve_secret, without_secret_env


@pytest.fixture(autouse=True)
def _clean_redactor():
    REDACTOR.clear()
    yield
    REDACTOR.clear()


def test_secret_is_masked_everywhere(capsys):
    s = secret("hunter2-canary")
    assert isinstance(s, SecretStr) and "hunter2" not in repr(s)
    assert redact("token=hunter2-canary;") == f"token={MASK};"
    term = Terminal()
    term.info("said hunter2-canary")
    term.json({"k": ["hunter2-canary"], "hunter2-canary": 1})
    out, err = capsys.readouterr()
    assert "hunter2-canary" not in out + err
    assert MASK in err and json.loads(out) == {"k": [MASK], MASK: 1}


def test_longest_secret_is_masked_whole():
    secret("abc")
    secret("abcdef-long")
    assert redact("x abcdef-long y abc") == f"x {MASK} y {MASK}"


def test_logging_filter_masks_args(caplog):
    secret("pa55word-canary")
    log = logging.getLogger("ucmauto-test")
    log.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="ucmauto-test"):
        log.info("login with %s", "pa55word-canary")
    assert "pa55word-canary" not in caplog.text and MASK in caplog.text


def test_secret_from_file_env_and_missing(tmp_path, monkeypatch):
    f = tmp_path / "pw"
    f.write_text("from-file-secret\n")
    got = resolve_secret("admin password", file=f)
    assert got.value.get_secret_value() == "from-file-secret" and got.source == f"file {f}"
    assert redact("from-file-secret") == MASK
    monkeypatch.setenv("UCMAUTO_TEST_PW", "from-env-secret")
    got = resolve_secret("admin password", env="UCMAUTO_TEST_PW")
    assert got.source == "env UCMAUTO_TEST_PW" and got.value.get_secret_value() == "from-env-secret"
    with without_secret_env():  # what a child started now would inherit
        assert "UCMAUTO_TEST_PW" not in os.environ
    assert os.environ["UCMAUTO_TEST_PW"] == "from-env-secret"  # and back for this process
    with pytest.raises(SecretMissing) as e:
        resolve_secret("admin password", env="UCMAUTO_TEST_UNSET_PW", prompt="pw", ask=None)
    assert e.value.exit_code == ExitCode.SECRET_MISSING and "$UCMAUTO_TEST_UNSET_PW" in str(e.value)
    with pytest.raises(NotFound, match="does not exist"):
        resolve_secret("admin password", file=tmp_path / "nope")


def test_settings_precedence_flags_env_file(tmp_path, monkeypatch):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[ucm]\nucm = "https://file:8089"\nadmin_user = "fileadmin"\ntimeout_s = 5\n')
    monkeypatch.setenv("UCMAUTO_ADMIN_USER", "envadmin")
    s = load_settings(cfg)
    assert (s.ucm, s.admin_user, s.timeout_s) == ("https://file:8089", "envadmin", 5)
    s = load_settings(cfg, ucm="https://flag:8089", admin_user=None)
    assert (s.ucm, s.admin_user) == ("https://flag:8089", "envadmin")


def test_settings_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("ucm = [")
    with pytest.raises(BadInput, match="not valid TOML"):
        load_settings(bad)
    extra = tmp_path / "extra.toml"
    extra.write_text('bogus_key = 1\n')
    with pytest.raises(BadInput, match="unknown setting 'bogus_key'"):
        load_settings(extra)
    with pytest.raises(NotFound, match="does not exist"):
        load_settings(tmp_path / "missing.toml")


def test_browser_discovery_order(tmp_path, monkeypatch):
    monkeypatch.setenv(browser.ENV, "/opt/my/chrome")
    assert browser.find_browser() == "/opt/my/chrome"
    monkeypatch.delenv(browser.ENV)
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\necho Chromium 1.0\n")
    fake.chmod(0o755)
    monkeypatch.setattr(browser, "CANDIDATES", ("/nonexistent/chromium-headless-shell", str(fake)))
    assert browser.find_browser() == str(fake)
    opts = browser.launch_options()
    assert opts["executable_path"] == str(fake) and "--disable-quic" in opts["args"]
    monkeypatch.setattr(browser, "CANDIDATES", ("/nonexistent/a",))
    assert "executable_path" not in browser.launch_options()


def test_cli_help_and_version():
    run = subprocess.run([sys.executable, "-m", "ucm_automator", "--version"], capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.startswith("ucmauto ")
    run = subprocess.run([sys.executable, "-m", "ucm_automator", "--help"], capture_output=True, text=True)
    assert run.returncode == 0 and "token" in run.stdout
    run = subprocess.run([sys.executable, "-m", "ucm_automator", "no-such-command"], capture_output=True, text=True)
    assert run.returncode == ExitCode.USAGE
