"""Firmware profiles: what a UCM's GUI shows, as data (scrapli's platform definitions idea).

`load_profile(None)` is the bundled default; `load_profile("NAME")` a bundled file;
`load_profile("path/to/mine.toml")` the user's file merged over the default, so it only needs
the keys that differ on their firmware.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ucm_automator.errors import BadInput, NotFound

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Routes(_Strict):
    login: str = "/login"
    admin_crm: list[str] = Field(default_factory=list)
    user_crm: list[str] = Field(default_factory=list)
    user_home: str = ""


class Menus(_Strict):
    admin_crm: list[list[str]]
    user_crm: list[list[str]] = Field(default_factory=list)


class Titles(_Strict):
    admin_crm: str
    user_crm: str = ""


class Buttons(_Strict):
    login: str
    save: str
    cancel: str
    apply: str
    logout: str


class LoginTexts(_Strict):
    username_placeholder: str
    password_placeholder: str
    username_labels: list[str] = Field(default_factory=list)
    password_labels: list[str] = Field(default_factory=list)


class CaptchaHints(_Strict):
    frame_titles: list[str] = Field(default_factory=list)
    selectors: list[str] = Field(default_factory=list)
    texts: list[str] = Field(default_factory=list)


class WizardHints(_Strict):
    routes: list[str] = Field(default_factory=list)
    titles: list[str] = Field(default_factory=list)


class AdminCrmLabels(_Strict):
    crm_system: str
    server_address: str
    add_unknown: str
    lookups: str
    available: str
    selected: str


class AdminCrmTexts(_Strict):
    target_module: str
    disabled_module: str = "none"
    labels: AdminCrmLabels
    modules: dict[str, str]
    servers: dict[str, str]
    server_aliases: dict[str, str] = Field(default_factory=dict)
    lookups: dict[str, str]
    unknown_number: dict[str, str]


class UserCrmTexts(_Strict):
    labels: dict[str, str] = Field(default_factory=dict)
    status: dict[str, str] = Field(default_factory=dict)
    # antd's animations cut to 1 ms on the pages driven once per user (see ucm/session.py)
    calm_motion: bool = True


class GuiFacts(_Strict):
    # The antd major the firmware's GUI is built on, when known. A hint only: the page objects
    # work from what the GUI shows on every major; "detect" (default) assumes nothing.
    antd: Union[Literal["detect"], int] = Field(default="detect", union_mode="left_to_right")

    @field_validator("antd")
    @classmethod
    def _major(cls, v: Union[str, int]) -> Union[str, int]:
        if v != "detect" and not 2 <= int(v) <= 5:
            raise ValueError('must be 2, 3, 4, 5 or "detect"')
        return v

    def select_opens_on_click(self) -> bool:
        """antd 2/3 draw a Select as the combobox itself: a click opens it; 4/5 are opened by keyboard
        first (their drawn text covers the input). Both ways are tried either way."""
        return self.antd != "detect" and int(self.antd) <= 3


class Secrets(_Strict):
    field_labels: list[str] = Field(default_factory=list)


class StatusMeaning(_Strict):
    kind: str
    text: str
    retry_after_s: Optional[float] = None


class CgiFacts(_Strict):
    path: str = "/cgi"
    # getInfo (no session needed) -> response keys: what `status` shows as the box's facts
    info_keys: dict[str, str] = Field(default_factory=lambda: {
        "model": "model_name", "firmware": "prog_version", "country": "country"})
    expired: list[int] = Field(default_factory=lambda: [-5, -6, -7, -8])
    actions: dict[str, str]
    admin_crm_keys: dict[str, Any]
    user_crm_keys: dict[str, Any] = Field(default_factory=dict)  # CRM User Settings replies (#5)
    status: dict[str, StatusMeaning]

    def meaning(self, status: int) -> Optional[StatusMeaning]:
        return self.status.get(str(status))


class LocaleFacts(_Strict):
    """How the GUI picks its language: a localStorage key read on load, else the box's country
    mapped by a JSON file the GUI fetches (spec §2)."""

    storage_key: str = "locale"
    country_map: str = "/locale/country2lang.json"


class FirmwareProfile(_Strict):
    name: str
    description: str = ""
    source: str = "bundled"
    # the GUI language the texts below are written in; the tool sets it before the GUI loads
    language: str = "en-US"
    # firmware versions (fnmatch patterns of getInfo's prog_version) this profile was written for
    firmware: list[str] = Field(default_factory=list)
    locale: LocaleFacts = LocaleFacts()
    routes: Routes
    menus: Menus
    titles: Titles
    buttons: Buttons
    login: LoginTexts
    captcha: CaptchaHints = CaptchaHints()
    wizard: WizardHints = WizardHints()
    admin_crm: AdminCrmTexts
    user_crm: UserCrmTexts = UserCrmTexts()
    secrets: Secrets = Secrets()
    gui: GuiFacts = GuiFacts()
    cgi: CgiFacts

    def action(self, name: str) -> str:
        return self.cgi.actions[name]


def _bundled(name: str) -> Optional[str]:
    ref = resources.files("ucm_automator.profiles").joinpath(f"{name}.toml")
    return ref.read_text(encoding="utf-8") if ref.is_file() else None


def bundled_names() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files("ucm_automator.profiles").iterdir() if p.name.endswith(".toml"))


def bundled_profile_names() -> list[str]:
    return bundled_names()


def bundled_name(spec: str) -> Optional[str]:
    """A bundled profile's name from its name or its language ("es-ES", "es": the Spanish one)."""
    names = bundled_names()
    if spec in names:
        return spec
    for name in sorted(names, key=lambda n: n == "default"):  # the default last: "en" is not it alone
        lang = str(_parse(_bundled(name) or "", name).get("language", "en-US"))
        if spec.lower() in (lang.lower(), lang.split("-")[0].lower()):
            return name
    return None


def _parse(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise BadInput(f"firmware profile {where} is not valid TOML ({e}); fix it") from None


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; any other value (lists included) replaces the base's."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def load_profile(spec: Optional[str] = None) -> FirmwareProfile:
    data = _parse(_bundled("default") or "", "default")
    source = "bundled default"
    if spec and spec != "default":
        name = bundled_name(spec) if "/" not in spec and not spec.endswith(".toml") else None
        text = _bundled(name) if name else None
        if text is not None:
            source = f"bundled {name}"
        else:
            path = Path(spec).expanduser()
            if not path.is_file():
                raise NotFound(f"firmware profile '{spec}' is neither a bundled name ({', '.join(bundled_names())}) "
                               "nor a file; fix --profile")
            text = path.read_text(encoding="utf-8")
            source = str(path)
        data = merge(data, _parse(text, source))
    data["source"] = source
    try:
        return FirmwareProfile.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise BadInput(f"firmware profile {source}: '{where}' {first['msg'].lower()}; fix it") from None
