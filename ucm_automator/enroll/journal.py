"""The batch journal: an append-only JSON-lines file per (UCM, batch), so a run stopped by a
crash or Ctrl-C can be resumed without redoing the users it finished.

Each line is one event, written with fsync before the run goes on, so what the journal says
happened did happen. It holds extensions, names, outcomes and error lines — never a secret
(messages pass the redactor). A batch is open from `run_start` until `run_end`; a new run of
an open batch resumes it (users `done` since the batch opened are skipped), a run after
`run_end` starts a new batch in the same file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ucm_automator.config import app_dir
from ucm_automator.errors import BadInput
from ucm_automator.files import fsync_dir, private_dir
from ucm_automator.redact import redact


def default_dir() -> Path:
    return app_dir() / "journal"


def batch_id(ucm: str, extensions: list[str]) -> str:
    """The same UCM and the same users make the same batch: re-running a command resumes it."""
    text = ucm.rstrip("/") + "\n" + "\n".join(sorted(extensions))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass
class Resume:
    open: bool = False  # an earlier run of this batch did not finish
    done: dict[str, dict[str, Any]] = field(default_factory=dict)  # extension -> its `done` event
    saved: set[str] = field(default_factory=set)  # saved since the batch opened (for reports)


class Journal:
    def __init__(self, directory: Path, ucm: str, batch: str) -> None:
        parts = urlsplit(ucm)
        host = re.sub(r"[^A-Za-z0-9.-]+", "_", f"{parts.hostname}_{parts.port or 443}")
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", batch)
        self.path = Path(directory) / f"{host}-{safe}.jsonl"
        self.batch = batch

    def resume(self) -> Resume:
        """What the open batch (if any) already did."""
        state = Resume()
        for event in self._events():
            kind = event.get("event")
            if kind in ("run_end", "reset"):
                state = Resume()
            elif kind == "run_start":
                state.open = True
            elif kind == "done" and event.get("ok"):
                state.done[str(event.get("extension"))] = event
            elif kind == "saved":
                state.saved.add(str(event.get("extension")))
        return state

    def _events(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        out = []
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise BadInput(f"cannot read the journal {self.path} ({e.strerror}); fix it or use --restart") from None
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue  # a line cut by a crash mid-write: the event did not complete
            if isinstance(event, dict):
                out.append(event)
        return out

    def write(self, event: str, **fields: Any) -> None:
        """Append one event and fsync it."""
        record = {"t": round(time.time(), 3), "event": event, **fields}
        line = redact(json.dumps(record, sort_keys=False, default=str)) + "\n"
        new = not self.path.exists()
        if new:
            private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = "\n" + line  # the last line was cut by a crash: do not glue this event to it
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        if new:
            fsync_dir(self.path.parent)
