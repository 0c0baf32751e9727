"""From what `ucmauto probe` saw to (1) a draft firmware profile, loadable with --profile, and
(2) a redacted report for a bug report.

Texts are tied to profile keys by what does not change with the language: the field id antd gives
each Form.Item (the /cgi key), the reply's values (the selected lookups, the Login Status), brand
names that read the same everywhere, and, last, the order the default profile lists them in.
Whatever was not seen is left to the base profile and named in a comment.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ucm_automator.files import write_atomic
from ucm_automator.redact import redact
from ucm_automator.ucm.facts import BoxFacts
from ucm_automator.ucm.probe import Seen, blank
from ucm_automator.ucm.profile import FirmwareProfile


def _by_position(texts: list[str], english: dict[str, str]) -> dict[str, str]:
    """Option texts to keys: an English text as it is (brand names), the rest by position."""
    out: dict[str, str] = {}
    for i, (key, text) in enumerate(english.items()):
        if text in texts:
            out[key] = text
        elif i < len(texts) and texts[i] not in english.values():
            out[key] = texts[i]
    return out


def _field(label_for: str, known: dict[str, str]) -> str:
    """The /cgi key a label points at: its field id, or that id with the form's name before it
    (antd 3's Form.create({name}) makes `crm_crm_module`)."""
    return next((k for k in known if label_for == k or label_for.endswith("_" + k)), "") if label_for else ""


def _reply(seen: Seen, action: str) -> dict[str, Any]:
    found = [c.response for c in seen.cgi if c.action == action and c.status == 0]
    return found[-1] if found else {}


def _admin(seen: Seen, base: FirmwareProfile, draft: dict[str, Any], missing: list[str]) -> None:
    page = seen.pages.get("admin_crm")
    if not page:
        missing.append("the admin CRM page (labels, options, menu)")
        return
    keys = base.cgi.admin_crm_keys
    by_field = {keys["crm_module"]: "crm_system", keys["server_address"]: "server_address",
                keys["add_unknown"]: "add_unknown", "lookups": "lookups"}
    labels = {by_field[f]: lab["text"] for lab in page["labels"] if (f := _field(lab["for"], by_field))}
    titles = [t["title"] for t in page.get("transfer", []) if t.get("title")]
    if len(titles) == 2:
        labels.update(available=titles[0], selected=titles[1])
    draft["admin_crm"] = {"labels": labels}
    modules = _by_position(page.get("options", []), base.admin_crm.modules)
    if modules:
        draft["admin_crm"]["modules"] = modules
    unknown = _by_position(page.get("number_add_options", []), base.admin_crm.unknown_number)
    if unknown:
        draft["admin_crm"]["unknown_number"] = unknown
    missing += [f"admin_crm.{t} (the options of its Select)" for t, got in
                (("modules", modules), ("unknown_number", unknown)) if not got]
    lookups = _lookups(seen, base, page)
    if lookups:
        draft["admin_crm"]["lookups"] = lookups
    missing += [f"admin_crm.labels.{k}" for k in base.admin_crm.labels.model_fields if k not in labels]
    _page_common(page, "admin_crm", draft)


def _lookups(seen: Seen, base: FirmwareProfile, page: dict[str, Any]) -> dict[str, str]:
    """Transfer items: the Selected column in the order the reply lists its lookups, the
    Available column in the default's order of the rest."""
    lists = [t.get("items", []) for t in page.get("transfer", [])]
    if len(lists) != 2:
        return {}
    settings = _reply(seen, base.action("get_admin_crm")).get(base.cgi.admin_crm_keys["reply"], {})
    chosen = [settings.get(k) for k in base.cgi.admin_crm_keys["lookups"] if settings.get(k)]
    out = {k: t for k, t in zip(chosen, lists[1])}
    rest = [k for k in base.admin_crm.lookups if k not in out]
    out.update({k: t for k, t in zip(rest, lists[0])})
    return out


def _user(seen: Seen, base: FirmwareProfile, draft: dict[str, Any], missing: list[str]) -> None:
    page = seen.pages.get("user_crm")
    if not page:
        missing.append("the user CRM page (run the probe with --user EXT to see it)")
        return
    keys = base.cgi.user_crm_keys
    by_field = {keys.get("enable", "enable_crm"): "enable", **{v: k for k, v in keys.get("fields", {}).items()}}
    labels = {by_field[f]: lab["text"] for lab in page["labels"] if (f := _field(lab["for"], by_field))}
    no_field = [lab["text"] for lab in page["labels"] if not lab["for"]]
    if len(no_field) == 1:
        labels["login_status"] = no_field[0]
    draft.setdefault("user_crm", {})["labels"] = labels
    record = _reply(seen, base.action("get_user_crm")).get(keys.get("reply", "extension"), {})
    state = record.get(keys.get("login_status", "login_status")) if isinstance(record, dict) else None
    shown = next((lab.get("row", "") for lab in page["labels"] if lab["text"] == labels.get("login_status")), "")
    if state in base.user_crm.status and shown:
        draft["user_crm"]["status"] = {state: shown}
    for k in base.user_crm.status:
        if k not in draft["user_crm"].get("status", {}):
            missing.append(f"user_crm.status.{k} (the probe user's Login Status was not '{k}')")
    _page_common(page, "user_crm", draft)


def _page_common(page: dict[str, Any], key: str, draft: dict[str, Any]) -> None:
    if page.get("heading"):
        draft.setdefault("titles", {})[key] = page["heading"]
    if len(page.get("menu", [])) == 2:
        draft.setdefault("menus", {})[key] = [page["menu"]]
    draft.setdefault("routes", {})[key] = [page["route"]]
    buttons = page.get("buttons", [])
    primary = [b["text"] for b in buttons if b["primary"]]
    other = [b["text"] for b in buttons if not b["primary"]]
    if primary and "save" not in draft.get("buttons", {}):
        draft.setdefault("buttons", {})["save"] = primary[0]
    if other and "cancel" not in draft.get("buttons", {}):
        draft.setdefault("buttons", {})["cancel"] = other[0]


def draft_profile(seen: Seen, facts: BoxFacts, base: FirmwareProfile) -> tuple[dict[str, Any], list[str]]:
    """The draft (only what was seen) and what was not seen."""
    missing: list[str] = []
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"probe-{facts.model or 'ucm'}-{facts.firmware or 'unknown'}")
    draft: dict[str, Any] = {"name": name, "description": f"drafted by ucmauto probe from {facts.line()}"}
    if seen.language:
        draft["language"] = seen.language
    if facts.firmware:
        draft["firmware"] = [".".join(facts.firmware.split(".")[:3]) + ".*"]
    if seen.login:
        draft["login"] = {"username_placeholder": seen.login["username_placeholder"],
                          "password_placeholder": seen.login["password_placeholder"]}
        draft["buttons"] = {"login": seen.login["button"]}
    for key in ("apply", "logout"):
        if seen.header.get(key):
            draft.setdefault("buttons", {})[key] = seen.header[key]
        else:
            missing.append(f"buttons.{key} (not shown" + (": no change was pending)" if key == "apply" else ")"))
    _admin(seen, base, draft, missing)
    _user(seen, base, draft, missing)
    if seen.antd and "gui" in FirmwareProfile.model_fields:
        draft["gui"] = {"antd": seen.antd}
    return draft, missing


# ---- writing -------------------------------------------------------------------------------------

def _value(v: Any) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return json.dumps(str(v), ensure_ascii=False)  # a JSON string is a TOML basic string


def _key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k)


def to_toml(data: dict[str, Any], header: list[str], prefix: str = "") -> str:
    lines = [f"# {h}" for h in header] if not prefix else []
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    lines += [f"{_key(k)} = {_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for k, v in tables.items():
        name = f"{prefix}{_key(k)}"
        if any(not isinstance(x, dict) for x in v.values()):
            lines += ["", f"[{name}]"]
        elif lines and lines[-1] != "":
            lines.append("")
        lines.append(to_toml(v, [], f"{name}.").rstrip("\n"))
    return "\n".join(lines) + "\n"


def _shape(seen: Seen, action: str) -> str:
    """The reply's keys, nested one level: `crm_settings{crm_module,crm_addr,...}`."""
    reply = next((c.response for c in reversed(seen.cgi) if c.action == action and c.response), {})
    return ", ".join(f"{k}{{{','.join(v)}}}" if isinstance(v, dict) and v else k for k, v in reply.items()) or "-"


def write_outputs(out: Path, seen: Seen, facts: BoxFacts, base: FirmwareProfile) -> tuple[Path, Path, list[str]]:
    draft, missing = draft_profile(seen, facts, base)
    actions = sorted({c.action for c in seen.cgi})
    header = [f"Draft firmware profile written by `ucmauto probe` ({facts.line()}).",
              f"Merged over the bundled default with --profile {out / 'profile.toml'}; every text here is what",
              "the GUI showed ([A] until someone confirms it). Not seen, so the default's value stays:",
              *[f"  - {m}" for m in missing or ["(nothing)"]],
              f"antd major seen: {seen.antd or 'unknown'}; GUI language: {seen.language or '?'} ({seen.language_how or '-'})",
              f"/cgi actions the pages used: {', '.join(actions) or '(none)'}; reply keys (compare with [cgi]):",
              *[f"  {a}: {_shape(seen, a)}" for a in actions]]
    profile_path = out / "profile.toml"
    write_atomic(profile_path, redact(to_toml(draft, header)))
    report = {
        "facts": facts.as_dict(base), "language": seen.language, "antd": seen.antd,
        "login": seen.login, "header": seen.header, "pages": seen.pages,
        "cgi": [{"action": c.action, "status": c.status, "params": c.params, "response": blank(c.response)}
                for c in seen.cgi],
        "screenshots": seen.screenshots, "not_seen": missing, "problems": seen.problems,
    }
    report_path = out / "report.json"
    write_atomic(report_path, redact(json.dumps(report, indent=2, ensure_ascii=False)) + "\n")
    return profile_path, report_path, missing

