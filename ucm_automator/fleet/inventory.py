"""The fleet inventory: one TOML file listing boxes, validated as a whole with file:line.

    [defaults]                      # any box key but name/url/fingerprint; "{box}" is replaced
    admin_password_file = "secrets/{box}.admin"
    users = "customers/{box}.csv"   # that box's users inventory (TOML or CSV, see docs/enroll.md)
    server_address = "zoho.eu"
    lookups = ["contacts", "leads"]

    [[boxes]]
    name = "acme"
    url = "https://192.0.2.10:8089"
    fingerprint = "sha256:AB:..."

Values name where secrets come from (file, env, keyring), never secrets. tomllib keeps no
positions, so lines are found again in the text: a box's `[[boxes]]` block, a key's own line.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from ucm_automator.enroll.inventory import NAME, Problems
from ucm_automator.errors import BadInput, NotFound

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PATH_KEYS = ("admin_password_file", "users", "client_secret_file")
PER_BOX_ONLY = ("name", "url", "fingerprint")


class BoxSpec(BaseModel):
    """One UCM of the fleet: where it is, how to trust it, where its secrets come from."""

    model_config = ConfigDict(extra="forbid")
    name: str
    url: str
    fingerprint: Optional[str] = None
    insecure: bool = False
    profile: Optional[str] = None
    admin_user: str = "admin"
    admin_password_file: Optional[Path] = None
    admin_password_env: Optional[str] = None
    admin_password_keyring: Optional[str] = None  # keyring service; the keyring user is admin_user@url
    server_address: Optional[str] = None
    lookups: Optional[list[str]] = None
    add_unknown: Optional[str] = None
    users: Optional[Path] = None
    zoho_dc: Optional[str] = None
    client_id: Optional[str] = None
    client_secret_file: Optional[Path] = None
    client_secret_env: Optional[str] = None

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not NAME.match(v):
            raise ValueError(f"box name '{v}' must start with a letter and hold only letters, digits and ._@+-")
        return v

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        url = v.strip().rstrip("/")
        if not re.match(r"^https://[^/:\s]+(:\d+)?$", url):
            raise ValueError(f"url '{v}' must look like https://HOST:8089")
        return url


@dataclass
class Located:
    spec: BoxSpec
    where: str  # "fleet.toml:12", the box's [[boxes]] line
    lines: dict[str, str] = field(default_factory=dict)  # key -> "fleet.toml:N" where its value is

    def at(self, key: str) -> str:
        return self.lines.get(key, self.where)


@dataclass
class Inventory:
    path: Path
    boxes: list[Located]

    def select(self, names: list[str]) -> list[Located]:
        if not names:
            return self.boxes
        known = {b.spec.name.lower(): b for b in self.boxes}
        missing = [n for n in names if n.lower() not in known]
        if missing:
            raise BadInput(f"no box named {', '.join(missing)} in {self.path}; known: "
                           f"{', '.join(b.spec.name for b in self.boxes)}")
        return [known[n.lower()] for n in dict.fromkeys(names)]


def load(path: Path, problems: Problems) -> Inventory:
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"fleet inventory {path} does not exist; create it or fix --inventory")
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as e:
        raise BadInput(f"cannot read the fleet inventory {path} ({e}); fix it") from None
    except tomllib.TOMLDecodeError as e:
        at = re.search(r"line (\d+)", str(e))
        raise BadInput(f"{path.name}:{at.group(1) if at else 1}: not valid TOML ({e}); fix it") from None
    lines = text.splitlines()
    name = path.name
    extra = set(data) - {"defaults", "boxes"}
    for key in sorted(extra):
        problems.add(f"{name}:{_key_line(lines, 0, len(lines), key) or 1}",
                     f"unknown top-level key '{key}'; use [defaults] and [[boxes]]")
    defaults = data.get("defaults", {})
    boxes = data.get("boxes", [])
    if not isinstance(defaults, dict) or not isinstance(boxes, list) or not all(isinstance(b, dict) for b in boxes):
        raise BadInput(f"{name}: [defaults] must be a table and boxes an array of tables ([[boxes]])")
    if not boxes:
        raise BadInput(f"{name}: no [[boxes]]; list at least one UCM")
    d_start = _header(lines, r"\[\s*defaults\s*\]")
    d_block = (d_start[0], _block_end(lines, d_start[0])) if d_start else (0, 0)
    for key in defaults:
        if key in PER_BOX_ONLY:
            problems.add(f"{name}:{_key_line(lines, *d_block, key) or d_block[0] + 1}",
                         f"'{key}' belongs to each box, not [defaults]")
    heads = _header(lines, r"\[\[\s*boxes\s*\]\]")
    found: list[Located] = []
    for i, raw in enumerate(boxes):
        start = heads[i] if i < len(heads) else 0
        block = (start, _block_end(lines, start))
        loc = Located(BoxSpec.model_construct(), f"{name}:{start + 1}")
        values: dict[str, Any] = {}
        for key, value in defaults.items():
            if key not in PER_BOX_ONLY:
                values[key] = value
                loc.lines[key] = f"{name}:{_key_line(lines, *d_block, key) or d_block[0] + 1}"
        values.update(raw)
        for key in raw:
            loc.lines[key] = f"{name}:{_key_line(lines, *block, key) or start + 1}"
        box = str(raw.get("name", f"box{i + 1}"))
        values = {k: v.replace("{box}", box) if isinstance(v, str) else v for k, v in values.items()}
        for key in PATH_KEYS:
            if values.get(key) and not Path(str(values[key])).expanduser().is_absolute():
                values[key] = path.parent / str(values[key])
        try:
            loc.spec = BoxSpec(**values)
            found.append(loc)
        except ValidationError as e:
            for err in e.errors():
                key = str(err["loc"][0]) if err["loc"] else ""
                msg = err["msg"].removeprefix("Value error, ")
                if err["type"] == "extra_forbidden":
                    msg = f"unknown key '{key}'"
                elif err["type"] == "missing":
                    msg = f"'{key}' is missing"
                elif not msg.startswith(key):
                    msg = f"{key}: {msg}"
                problems.add(loc.at(key), f"box {box}: {msg}")
    _duplicates(found, problems)
    return Inventory(path, found)


def _duplicates(found: list[Located], problems: Problems) -> None:
    for attr in ("name", "url"):
        seen: dict[str, str] = {}
        for b in found:
            key = str(getattr(b.spec, attr)).lower()
            if key in seen:
                problems.add(b.at(attr), f"{attr} '{getattr(b.spec, attr)}' again (first at {seen[key]})")
            else:
                seen[key] = b.at(attr)


def _header(lines: list[str], pattern: str) -> list[int]:
    return [i for i, ln in enumerate(lines) if re.match(rf"^\s*{pattern}", ln)]


def _block_end(lines: list[str], start: int) -> int:
    for i in range(start + 1, len(lines)):
        if re.match(r"^\s*\[", lines[i]):
            return i
    return len(lines)


def _key_line(lines: list[str], start: int, end: int, key: str) -> Optional[int]:
    """1-based line of `key = ...` between start and end (0-based, end exclusive)."""
    for i in range(start, end):
        if re.match(rf"^\s*\"?{re.escape(key)}\"?\s*=", lines[i]):
            return i + 1
    return None
