"""A keyring backend for tests: entries in a JSON file named by $KR_BACKEND_FILE."""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class FileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def _load(self) -> dict:
        p = Path(os.environ["KR_BACKEND_FILE"])
        return json.loads(p.read_text()) if p.exists() else {}

    def _save(self, data: dict) -> None:
        Path(os.environ["KR_BACKEND_FILE"]).write_text(json.dumps(data))

    def get_password(self, service, username):
        return self._load().get(f"{service}|{username}")

    def set_password(self, service, username, password):
        data = self._load()
        data[f"{service}|{username}"] = password
        self._save(data)

    def delete_password(self, service, username):
        data = self._load()
        if data.pop(f"{service}|{username}", None) is None:
            raise PasswordDeleteError(username)
        self._save(data)
