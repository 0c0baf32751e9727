"""Where secrets come from: a file, an environment variable, the OS keyring, or a hidden prompt.

Never from a flag value (argv is visible in `ps` and shell history). Each resolved secret is
registered with the redactor, and only its *source* is ever reported.

Playwright starts its driver, and the driver the browser, with a copy of `os.environ`, and a
child's environment is readable in /proc/PID/environ: `without_secret_env()` takes every secret
variable (the fixed names, and each one read through `env_secret`) out of the environment while
a child is started, and puts it back.
"""

from __future__ import annotations

import logging
import os
import stat
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from pydantic import SecretStr

from ucm_automator.errors import BadInput, NotFound, SecretMissing
from ucm_automator.redact import secret

log = logging.getLogger("ucmauto")
_warned: set[Path] = set()  # files already warned about in this run


# Some are read lazily (the admin password only when users cannot apply): kept from children always.
SECRET_ENV = {"UCMAUTO_ADMIN_PASSWORD", "UCMAUTO_USER_PASSWORD", "UCMAUTO_ZOHO_CLIENT_SECRET"}
_read_names: set[str] = set()  # inventory *_env variables read so far


def env_secret(name: str) -> str | None:
    """The value of a secret environment variable; its name is kept from child processes."""
    _read_names.add(name)
    return os.environ.get(name)


@contextmanager
def without_secret_env() -> Iterator[None]:
    """Start child processes inside this: the secret variables are out of os.environ meanwhile."""
    taken = {n: os.environ.pop(n) for n in SECRET_ENV | _read_names if n in os.environ}
    try:
        yield
    finally:
        os.environ.update(taken)


@dataclass(frozen=True)
class Resolved:
    value: SecretStr
    source: str  # e.g. "file /etc/ucmauto/admin.pass", "env UCMAUTO_ADMIN_PASSWORD", "prompt"


def read_secret_file(path: Path, what: str) -> SecretStr:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFound(f"{what} file {path} does not exist; create it or point to another one") from None
    except OSError as e:
        raise BadInput(f"cannot read the {what} file {path} ({e.strerror}); fix its permissions") from None
    value = text.rstrip("\r\n")
    if not value:
        raise BadInput(f"the {what} file {path} is empty; write the {what} into it")
    warn_if_shared(Path(path), what)
    return secret(value)


def file_is_private(path: Path) -> bool:
    mode = Path(path).stat().st_mode
    return not (mode & (stat.S_IRWXG | stat.S_IRWXO))


def warn_if_shared(path: Path, what: str) -> None:
    """A secret file others can read still works (cron jobs, shared service accounts), but say so
    once: `chmod 600` is the fix. Not a failure: refusing would break working setups."""
    try:
        private = file_is_private(path) or not Path(path).is_file()  # /dev/stdin, a pipe: nothing to fix
    except OSError:
        return
    key = Path(path).resolve()
    if not private and key not in _warned:
        _warned.add(key)
        log.warning("the %s file %s can be read by other users; run: chmod 600 %s", what, path, path)


def keyring_get(service: str, user: str) -> str | None:
    try:
        import keyring  # optional dependency
        from keyring.errors import KeyringError
    except ImportError:
        return None
    try:
        return keyring.get_password(service, user)
    except (KeyringError, RuntimeError):
        return None


def resolve_secret(
    what: str,
    *,
    file: Path | None = None,
    env: str | None = None,
    keyring_service: str | None = None,
    keyring_user: str | None = None,
    prompt: str | None = None,
    ask: Callable[[str], str] | None = None,
    hint: str = "",
) -> Resolved:
    """First of: file, env var, keyring, and a hidden prompt through `ask` (the command line's, on a
    terminal; None: no one to ask)."""
    if file is not None:
        return Resolved(read_secret_file(file, what), f"file {file}")
    if env and env_secret(env):
        return Resolved(secret(os.environ[env]), f"env {env}")
    if keyring_service and keyring_user:
        value = keyring_get(keyring_service, keyring_user)
        if value:
            return Resolved(secret(value), f"keyring {keyring_service}")
    if prompt and ask is not None and sys.stdin.isatty():
        value = ask(prompt)
        if not value:
            raise SecretMissing(f"no {what} entered; run again and type it at the prompt")
        return Resolved(secret(value), "prompt")
    sources = [s for s in (f"${env}" if env else "", hint) if s]
    raise SecretMissing(f"no {what} given; provide it with {' or '.join(sources) or 'a file'}")
