"""Who to enrol: the inventory (TOML or CSV), one entry per UCM user, with line numbers.

An entry names the extension, where its user password comes from (env var, file or keyring —
never the password itself) and which stored Zoho token is its own. A TOML `[defaults]` table
fills what entries leave out; `{extension}` and `{name}` in its strings are replaced per entry,
so `password_file = "secrets/{extension}.pass"` serves every user. Relative paths are relative
to the inventory file. Every problem is collected with its line, so all are reported at once.
"""

from __future__ import annotations

import csv
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ucm_automator.errors import BadInput, ExitCode, NotFound

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

EXTENSION = re.compile(r"^[0-9]{2,18}$")  # UCM extensions are digits only
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9._@+-]{0,63}$")  # never all digits: digits mean an extension
PATH_FIELDS = ("password_file", "client_secret_file", "refresh_token_file")


class Entry(BaseModel):
    """One UCM user to enrol. Values are references to secrets, never secrets."""

    model_config = ConfigDict(extra="forbid")
    where: str = Field("", exclude=True)  # "users.csv:4", for messages
    extension: str
    name: str = ""
    password_env: Optional[str] = None
    password_file: Optional[Path] = None
    password_keyring: Optional[str] = None  # keyring service; the keyring user is the extension
    zoho_dc: Optional[str] = None
    client_id: Optional[str] = None
    zoho_user: Optional[str] = None  # the Zoho user (e-mail) the stored token belongs to
    token_name: Optional[str] = None  # the stored token's name (default: the extension)
    client_secret_env: Optional[str] = None
    client_secret_file: Optional[Path] = None
    refresh_token_env: Optional[str] = None  # a token kept outside the store
    refresh_token_file: Optional[Path] = None

    @field_validator("extension", mode="before")
    @classmethod
    def _extension(cls, v: Any) -> str:
        text = str(v).strip() if v is not None else ""
        if not EXTENSION.match(text):
            raise ValueError(f"extension '{text}' is not 2 to 18 digits")
        return text

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if v and not NAME.match(v):
            raise ValueError(f"name '{v}' must start with a letter and hold only letters, digits and ._@+-")
        return v

    @property
    def label(self) -> str:
        return f"{self.extension} ({self.name})" if self.name else self.extension


@dataclass
class Problems:
    """Every input problem found, reported together before anything touches the UCM."""

    items: list[tuple[str, str]] = field(default_factory=list)
    codes: set[ExitCode] = field(default_factory=set)

    def add(self, where: str, message: str, code: ExitCode = ExitCode.BAD_INPUT) -> None:
        self.items.append((where, message))
        self.codes.add(code)

    def raise_if_any(self, what: str) -> None:
        if not self.items:
            return
        lines = [f"  {w}: {m}" if w else f"  {m}" for w, m in self.items]
        # one kind of problem keeps its own code (all secrets missing: 4), a mix is bad input (3)
        code = next(iter(self.codes)) if len(self.codes) == 1 else ExitCode.BAD_INPUT
        raise BadInput(f"{len(self.items)} problem(s) in {what}; nothing was changed and no one logged in:\n"
                       + "\n".join(lines), exit_code=code)


def load(path: Path, problems: Problems) -> list[Entry]:
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"inventory file {path} does not exist; create it or fix --file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise BadInput(f"cannot read the inventory {path} ({e}); fix it") from None
    if path.suffix.lower() == ".csv":
        rows = list(_csv_rows(text, path.name, problems))
        defaults: dict[str, Any] = {}
    else:
        rows, defaults = _toml_rows(text, path.name)
    entries = [e for e in (_entry(r, where, defaults, path.parent, problems) for where, r in rows) if e]
    check_duplicates(entries, problems)
    return entries


def _csv_rows(text: str, name: str, problems: Problems) -> Iterable[tuple[str, dict[str, Any]]]:
    reader = csv.DictReader(text.splitlines(), skipinitialspace=True)
    known = set(Entry.model_fields) - {"where"}
    unknown = [c for c in (reader.fieldnames or []) if c and c.strip() not in known]
    if unknown:
        problems.add(f"{name}:1", f"unknown column(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    for row in reader:
        values = {k.strip(): (v or "").strip() for k, v in row.items() if k and k.strip() in known}
        if not any(values.values()):
            continue  # blank lines
        yield f"{name}:{reader.line_num}", {k: v for k, v in values.items() if v != ""}


def _toml_rows(text: str, name: str) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, Any]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise BadInput(f"inventory {name} is not valid TOML ({e}); fix it") from None
    users = data.get("users", [])
    if not isinstance(users, list) or not all(isinstance(u, dict) for u in users):
        raise BadInput(f"inventory {name}: 'users' must be an array of tables ([[users]])")
    # tomllib keeps no positions: the n-th [[users]] header is the n-th entry
    heads = [i + 1 for i, ln in enumerate(text.splitlines()) if re.match(r"^\s*\[\[\s*users\s*\]\]", ln)]
    rows = [(f"{name}:{heads[i]}" if i < len(heads) else f"{name}: users[{i}]", u) for i, u in enumerate(users)]
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise BadInput(f"inventory {name}: [defaults] must be a table")
    extra = set(data) - {"users", "defaults"}
    if extra:
        raise BadInput(f"inventory {name}: unknown top-level key(s) {', '.join(sorted(extra))}; "
                       "use [defaults] and [[users]]")
    return rows, defaults


def _entry(row: dict[str, Any], where: str, defaults: dict[str, Any], base: Path,
           problems: Problems) -> Optional[Entry]:
    values = dict(row)
    for key, value in defaults.items():
        if key not in values and key not in ("extension", "name"):
            values[key] = _fill(value, row) if isinstance(value, str) else value
    for key in PATH_FIELDS:
        if values.get(key) and not Path(str(values[key])).expanduser().is_absolute():
            values[key] = base / str(values[key])
    try:
        return Entry(where=where, **values)
    except ValidationError as e:
        for err in e.errors():
            loc = ".".join(str(p) for p in err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = f"unknown field '{loc}'"
            problems.add(where, msg if msg.startswith(loc) or msg.startswith("unknown") else f"{loc}: {msg}")
        return None


def _fill(value: str, row: dict[str, Any]) -> str:
    return value.replace("{extension}", str(row.get("extension", ""))).replace("{name}", str(row.get("name", "")))


def check_duplicates(entries: list[Entry], problems: Problems) -> None:
    for attr in ("extension", "name"):
        seen: dict[str, str] = {}
        for e in entries:
            key = getattr(e, attr).lower()
            if not key:
                continue
            if key in seen:
                problems.add(e.where, f"{attr} '{getattr(e, attr)}' again (first at {seen[key]})")
            else:
                seen[key] = e.where


def find(entries: list[Entry], who: str) -> Optional[Entry]:
    """The entry for a name (case-insensitive) or an extension."""
    return next((e for e in entries if e.extension == who or (e.name and e.name.lower() == who.lower())), None)
