# -*- coding: utf-8 -*-
# MIT License (see the repository's LICENSE)
"""What the ucmauto modules share: the connection options, settings from them, secrets handed to
the library without argv or files, and failures as the tool's own message and exit code.

The modules run on the controller (connection: local or delegate_to: localhost) with a Python
that has ucm_automator installed (`pip install ucm-automator`; set ansible_python_interpreter).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import traceback

try:
    from ucm_automator.config import load_settings
    from ucm_automator.errors import UcmautoError
    from ucm_automator.redact import redact, secret
    HAS_UCMAUTO = True
    IMPORT_ERROR = None
except ImportError:  # pragma: no cover - reported by fail_json below
    HAS_UCMAUTO = False
    IMPORT_ERROR = traceback.format_exc()

CONNECTION_ARGS = dict(
    ucm=dict(type="str", required=True),
    fingerprint=dict(type="str"),
    insecure=dict(type="bool", default=False),
    known_hosts=dict(type="path"),
    profile=dict(type="str"),
    timeout=dict(type="float"),
    artifacts_dir=dict(type="path"),
    admin_user=dict(type="str", default="admin"),
)


def require_library(module):
    if not HAS_UCMAUTO:
        module.fail_json(msg="the ucm_automator library is missing on the controller: pip install ucm-automator "
                             "into the Python that ansible_python_interpreter names", exception=IMPORT_ERROR)


def settings(module, **more):
    p = module.params
    flags = dict(ucm=p["ucm"], fingerprint=p["fingerprint"], insecure=p["insecure"] or None,
                 known_hosts=p["known_hosts"], profile=p["profile"], timeout_s=p["timeout"],
                 artifacts_dir=p["artifacts_dir"], admin_user=p["admin_user"])
    flags.update(more)
    return load_settings(None, **flags)


def secret_env(name, value):
    """Hand a secret to the library as an environment variable of this module process only:
    never argv or a file. The library keeps such variables from the browser it starts."""
    if value is None:
        return None
    secret(value)
    var = "UCMAUTO_ANSIBLE_" + name.upper()
    os.environ[var] = value
    return var


def fail(module, error, **extra):
    """The tool's own one-line message and exit code."""
    if isinstance(error, dict):
        module.fail_json(msg=error.get("message", ""), exit_code=error.get("exit_code"), code=error.get("code"),
                         **extra)
    if isinstance(error, UcmautoError):
        module.fail_json(msg=redact(str(error)), exit_code=int(error.exit_code), code=error.exit_code.name, **extra)
    module.fail_json(msg=redact("internal error (%s: %s)" % (type(error).__name__, error)), exit_code=1,
                     code="INTERNAL", **extra)


def clean(obj):
    """Every value that goes back to Ansible passes the redactor."""
    from ucm_automator.redact import REDACTOR

    return REDACTOR.redact_obj(obj)
