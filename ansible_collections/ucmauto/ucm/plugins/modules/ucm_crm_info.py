#!/usr/bin/python
# -*- coding: utf-8 -*-
# MIT License (see the repository's LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ucm_crm_info
short_description: Read a Grandstream UCM's admin CRM settings and its users' CRM Login Status
version_added: "0.1.0"
description:
  - Read-only (C(ucmauto status)) through the ucm_automator library on the controller; never saves.
options:
  ucm:
    description: The UCM web GUI, e.g. C(https://192.0.2.10:8089).
    type: str
    required: true
  fingerprint:
    description: The UCM certificate's SHA-256 fingerprint (C(sha256:AA:BB:...)).
    type: str
  insecure:
    description: Do not check the certificate at all (lab boxes only).
    type: bool
    default: false
  known_hosts:
    description: File of trusted UCM certificates.
    type: path
  profile:
    description: Firmware profile, a bundled name or a TOML file.
    type: str
  timeout:
    description: Longest wait for one page, reply or element (seconds).
    type: float
  artifacts_dir:
    description: Where failure screenshots go.
    type: path
  admin_user:
    description: UCM super admin user name.
    type: str
    default: admin
  admin_password:
    description: The admin's password; with it the admin reads every listed user's record (no user passwords).
      Without it each user logs in with O(users[].password) and the admin CRM is taken from their pages.
    type: str
  users:
    description: Users to read.
    type: list
    elements: dict
    default: []
    suboptions:
      extension:
        description: The UCM extension.
        type: str
        required: true
      password:
        description: Its portal password; needed only without O(admin_password) (the admin reads every
          extension's record itself).
        type: str
        no_log: true
requirements:
  - ucm_automator (C(pip install ucm-automator)) in the controller's Python, with Chromium
author:
  - ucmauto maintainers
"""

EXAMPLES = r"""
- name: Login Status of 1001
  ucmauto.ucm.ucm_crm_info:
    ucm: "{{ ucm_url }}"
    fingerprint: "{{ ucm_fingerprint }}"
    admin_password: "{{ vault_ucm_admin_password }}"
    users:
      - extension: "1001"
        password: "{{ vault_user_passwords['1001'] }}"
  delegate_to: localhost
  register: crm
"""

RETURN = r"""
admin_crm:
  description: The admin CRM page (crm_module, server_address, lookups, add_unknown).
  returned: when readable
  type: dict
users:
  description: Per user its extension, CRM settings (secrets only as set/empty), login_status and error.
  returned: always
  type: list
  elements: dict
logged_in:
  description: Whether every listed user's Login Status reads Logged In.
  returned: always
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ucmauto.ucm.plugins.module_utils.ucmauto_common import (
    CONNECTION_ARGS, clean, fail, require_library, settings)


def main():
    args = dict(CONNECTION_ARGS)
    args.update(admin_password=dict(type="str", no_log=True),
                users=dict(type="list", elements="dict", default=[], options=dict(
                    extension=dict(type="str", required=True), password=dict(type="str", no_log=True))))
    module = AnsibleModule(argument_spec=args, supports_check_mode=True)
    require_library(module)
    from ucm_automator.enroll.inventory import Entry
    from ucm_automator.enroll.status import read_status
    from ucm_automator.errors import BadInput
    from ucm_automator.output import Terminal
    from ucm_automator.redact import secret
    from ucm_automator.runner import trust_box, ucm_url
    from ucm_automator.ucm.profile import load_profile

    p = module.params
    try:
        s = settings(module)
        url, prof = ucm_url(s), load_profile(s.profile)
        entries = [Entry(where="task", extension=u["extension"]) for u in p["users"]]
        admin = (s.admin_user, secret(p["admin_password"])) if p["admin_password"] else None
        passwords = {u["extension"]: secret(u["password"]) for u in p["users"] if u["password"]}
        missing = [e.extension for e in entries if admin is None and e.extension not in passwords]
        if missing:
            raise BadInput(f"give admin_password, or a password for user(s) {', '.join(missing)}")
        trust = trust_box(s, url, Terminal(quiet=True), None)
        report = read_status(s, url, prof, trust, entries, passwords, admin, 2)
    except Exception as e:  # noqa: BLE001 - every failure as the tool's line and code
        fail(module, e)
    rows = [dict(extension=u.entry.extension, crm=u.crm, login_status=(u.crm or {}).get("login_status"),
                 error=u.error) for u in report.users]
    out = clean(dict(admin_crm=report.admin_crm, admin_source=report.admin_source, users=rows,
                     logged_in=all(r["login_status"] == "login" for r in rows)))
    if report.admin_error:
        fail(module, report.admin_error, **out)
    bad = [r["error"] for r in rows if r["error"]]
    if bad:
        fail(module, bad[0], **out)
    module.exit_json(changed=False, **out)


if __name__ == "__main__":
    main()
