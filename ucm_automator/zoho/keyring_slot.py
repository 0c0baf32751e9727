"""Refresh tokens in the OS keyring (optional extra `keyring`): one entry per stored token,
service `ucmauto-zoho`, user = the token's label (dc/client id/user[/name])."""

from __future__ import annotations

from typing import Optional

from pydantic import SecretStr

from ucm_automator.errors import BadInput

SERVICE = "ucmauto-zoho"


def usable() -> bool:
    """A real backend is configured (not keyring's 'fail' placeholder nor an empty chain)."""
    try:
        import keyring
        from keyring.backends import chainer, fail
    except ImportError:
        return False
    kr = keyring.get_keyring()
    if isinstance(kr, fail.Keyring):
        return False
    if isinstance(kr, chainer.ChainerBackend) and not kr.backends:
        return False
    return True


def require():  # type: ignore[no-untyped-def]
    """The keyring module, or BadInput when no usable backend is configured."""
    if not usable():
        raise BadInput(
            "no usable OS keyring (install the 'keyring' extra and a backend, e.g. the Secret "
            "Service on Linux); drop --keyring to keep the token in the 0600 store file"
        )
    import keyring

    return keyring


def put(label: str, value: SecretStr) -> None:
    from keyring.errors import KeyringError

    kr = require()
    try:
        kr.set_password(SERVICE, label, value.get_secret_value())
    except KeyringError as e:
        raise BadInput(f"the OS keyring refused to store the token ({type(e).__name__})") from None


def get(label: str) -> Optional[str]:
    kr = require()
    from keyring.errors import KeyringError

    try:
        return kr.get_password(SERVICE, label)
    except KeyringError:
        return None


def delete(label: str) -> None:
    """Best effort: a missing entry or keyring is not an error when forgetting a token."""
    try:
        kr = require()
        from keyring.errors import KeyringError

        kr.delete_password(SERVICE, label)
    except (BadInput, ImportError, KeyringError):
        pass
