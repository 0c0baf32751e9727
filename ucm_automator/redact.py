"""The one redaction layer.

Every secret the run loads (UCM passwords, Zoho client secret, grant codes, refresh and access
tokens) is registered here the moment it is read, and every output path — console, logs, JSON,
exception text, artifact files — passes through `redact()`. Registering is done by `secret()`,
so code that holds a secret as `SecretStr` got it through here.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    from pydantic import SecretStr

MASK = "********"
_MIN_LEN = 3  # shorter strings would mangle ordinary output; such secrets are refused upstream


class Redactor:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: list[str] = []

    def add(self, value: str | SecretStr | None) -> None:
        if value is None:
            return
        # imported here: `ucmauto --help` must not pay for pydantic
        from pydantic import SecretStr

        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if len(raw) < _MIN_LEN:
            return
        with self._lock:
            if raw not in self._secrets:
                self._secrets.append(raw)
                # longest first, so a secret that contains another is masked whole
                self._secrets.sort(key=len, reverse=True)

    def redact(self, text: Any) -> str:
        out = text if isinstance(text, str) else str(text)
        with self._lock:
            secrets = list(self._secrets)
        for raw in secrets:
            if raw in out:
                out = out.replace(raw, MASK)
        return out

    def redact_obj(self, obj: Any) -> Any:
        """Redact every string inside a JSON-like structure (for --json output)."""
        # imported here: `ucmauto --help` must not pay for pydantic
        from pydantic import SecretStr

        if isinstance(obj, str):
            return self.redact(obj)
        if isinstance(obj, SecretStr):
            return MASK
        if isinstance(obj, dict):
            return {self.redact(k): self.redact_obj(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [self.redact_obj(v) for v in obj]
        return obj

    def known(self) -> Iterable[str]:
        with self._lock:
            return list(self._secrets)

    def clear(self) -> None:
        with self._lock:
            self._secrets.clear()


REDACTOR = Redactor()


def secret(value: str | SecretStr) -> SecretStr:
    """Wrap a secret value and register it for redaction."""
    # imported here: `ucmauto --help` must not pay for pydantic
    from pydantic import SecretStr

    s = value if isinstance(value, SecretStr) else SecretStr(value)
    REDACTOR.add(s)
    return s


def redact(text: Any) -> str:
    return REDACTOR.redact(text)


class RedactingFilter(logging.Filter):
    """Masks registered secrets in every log record (Netmiko's SecretsFilter idea)."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        record.msg = REDACTOR.redact(msg)
        record.args = ()
        # the traceback and exception text a formatter appends (exc_info=True, asyncio's "exception
        # was never retrieved") and stack_info: formatted here, once, and redacted
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = REDACTOR.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = REDACTOR.redact(record.stack_info)
        return True


def install_logging_filter(logger: logging.Logger | None = None) -> None:
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    if not any(isinstance(f, RedactingFilter) for f in target.filters):
        target.addFilter(RedactingFilter())
