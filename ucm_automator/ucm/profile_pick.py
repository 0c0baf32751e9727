"""Which firmware profile fits a box: `--profile` when given, else the bundled English profile
that claims the box's firmware version (its `firmware` patterns), the most specific claim first.

A firmware no profile claims still runs with the default profile (its texts may well fit) after
a warning that names the closest claim, so a user knows what to compare when a page is not found.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from typing import Callable, Optional

from ucm_automator.ucm.facts import DEFAULT_LANGUAGE, BoxFacts
from ucm_automator.ucm.profile import FirmwareProfile, bundled_profile_names, load_profile


def _specificity(pattern: str) -> int:
    return len(pattern.split("*", 1)[0])  # "1.0.27.*" beats "1.0.*"


def _parts(text: str) -> list[str]:
    return [p for p in re.split(r"[.\-]", text) if p]


def _closeness(firmware: str, pattern: str) -> tuple[int, int]:
    """(leading version parts in common, minus the distance of the first differing number)."""
    fw, pat = _parts(firmware), _parts(pattern.replace("*", ""))
    same = 0
    for a, b in zip(fw, pat):
        if a != b:
            gap = abs(int(a) - int(b)) if a.isdigit() and b.isdigit() else 999
            return same, -gap
        same += 1
    return same, 0


def claims(profile: FirmwareProfile, firmware: str) -> Optional[str]:
    """The most specific of the profile's patterns that matches, or None."""
    hits = [p for p in profile.firmware if fnmatchcase(firmware, p)]
    return max(hits, key=_specificity) if hits else None


def pick_profile(spec: Optional[str], facts: BoxFacts, warn: Callable[[str], None],
                 language: str = DEFAULT_LANGUAGE) -> FirmwareProfile:
    if spec:
        return load_profile(spec)
    default = load_profile(None)
    if not facts.firmware:
        return default
    bundled = [load_profile(n) for n in bundled_profile_names()]
    ours = [p for p in bundled if p.language.lower() == language.lower()] or [default]
    claimed = [(claims(p, facts.firmware), p) for p in ours]
    found = [(pat, p) for pat, p in claimed if pat]
    if found:
        return max(found, key=lambda x: _specificity(x[0] or ""))[1]
    scored = [(_closeness(facts.firmware, pat), pat, p) for p in ours for pat in p.firmware]
    if scored:
        _, pat, p = max(scored, key=lambda x: x[0])
        warn(f"no bundled firmware profile claims firmware {facts.firmware} ({facts.model or 'model unknown'}); "
             f"using the closest, '{p.name}' (written for {pat}): if a page or label is not found, "
             "draft a profile with `ucmauto probe` and pass it with --profile")
        return p
    return default
