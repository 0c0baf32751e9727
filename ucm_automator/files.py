"""Private folders and atomic rewrites for the files that hold secrets or state (the token
store, known_hosts; journals are append-only and fsync each line themselves)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def private_dir(path: Path) -> Path:
    """Make `path` and every missing parent mode 0700 (mkdir's mode= is not used for parents):
    the app dir holds the token store, known_hosts and journals, whichever command makes it."""
    target = here = Path(path)
    missing = []
    while not here.exists() and here != here.parent:
        missing.append(here)
        here = here.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=0o700)
        except FileExistsError:
            pass
    return target


def write_atomic(path: Path, text: str) -> None:
    """Temp file (0600 from its creation), fsync, rename over `path`, fsync the folder: a crash
    leaves the old file or the new one, never half of one. The caller holds the file's lock, so
    any temp file of ours already there was left by a crash, and is removed (it may hold secrets)."""
    path = Path(path)
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        try:
            stale.unlink()
        except OSError:
            pass
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
