"""ucmauto: connect Grandstream UCM IP-PBXs to Zoho CRM v2 without the manual steps."""

import os as _os

__version__ = "0.1.0"

# Playwright prints every value typed into a page (passwords, secrets) when $DEBUG names its
# pw:api / pw:channel logs (pw:*, *): its Python side decides when it is imported, its driver when
# it starts, and both print past the redactor. So the variable goes before anything imports
# Playwright; the CLI says so (cli._root), and ucm/session.py checks again before the driver starts.
PLAYWRIGHT_DEBUG_DROPPED = None
if "pw" in _os.environ.get("DEBUG", "") or "*" in _os.environ.get("DEBUG", ""):
    PLAYWRIGHT_DEBUG_DROPPED = _os.environ.pop("DEBUG")
    _os.environ.pop("DEBUG_FILE", None)
