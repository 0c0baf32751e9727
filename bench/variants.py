"""The box variants the benchmark measures on: each is a set of the test box's switches
(fixtures/README.md), so that (a), (b) and (c) meet the same GUI behaviour side by side.

- `default`: the box's own defaults, i.e. the real GUI's behaviour (spec §2, issue #12): Logout
  only inside the user-name hover dropdown, users may Apply, a user's save waits for Apply, Cancel
  asks the box again, background CRM login 300 ms. The targets are judged here.
- `friendly`: the old box: a plain visible Logout link beside the user name; the rest as default.
- `real_gui_other`: what issue #12 measured on another box built from the spec: the dropdown,
  no Apply for users, a user's save starts the background CRM login (1 s), Cancel only resets.
"""

from __future__ import annotations

from typing import Any

VARIANTS: dict[str, dict[str, Any]] = {
    "default": {
        "what": "the box's defaults = the real GUI: Logout in the user-name hover dropdown",
        "switches": {},
    },
    "friendly": {
        "what": "the old box: a plain visible Logout link",
        "switches": {"logout_style": "link"},
    },
    "real_gui_other": {
        "what": "issue #12's other box: dropdown Logout, no user Apply, a save logs in (1 s), Cancel only resets",
        "switches": {"user_apply": "no", "user_save_logs_in": "yes", "cancel_rereads": "no",
                     "crm_login_delay_ms": 1000},
    },
}
DEFAULT_VARIANTS = ("default", "friendly")
TARGET_VARIANT = "default"  # the targets of issue #7/#12 are judged on the real GUI's behaviour


def parse_variants(text: str) -> list[str]:
    """`default,friendly` -> ["default", "friendly"]; ValueError naming the known ones."""
    names = [v.strip() for v in text.split(",") if v.strip()]
    unknown = [v for v in names if v not in VARIANTS]
    if unknown or not names:
        raise ValueError(f"unknown variant {', '.join(unknown) or '(none)'}; known: {', '.join(VARIANTS)}")
    return list(dict.fromkeys(names))


def box_flags(name: str, crm_login_delay_ms: int | None) -> dict[str, Any]:
    """start_box keywords of a variant; --crm-login-delay-ms applies where the variant sets none."""
    flags = dict(VARIANTS[name]["switches"])
    if crm_login_delay_ms is not None:
        flags.setdefault("crm_login_delay_ms", crm_login_delay_ms)
    return flags
