#!/usr/bin/python
# -*- coding: utf-8 -*-
# MIT License (see the repository's LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ucm_crm_admin
short_description: Set a Grandstream UCM's admin CRM page to Zoho CRM (v2 API)
version_added: "0.1.0"
description:
  - Logs in to the UCM web GUI as the admin (headless Chromium, on the controller), sets CRM System to
    Zoho CRM (v2 API), the CRM Server Address, Contact Lookups and Add Unknown Number, saves, applies
    changes and reads them back, through the ucm_automator library (C(ucmauto admin-setup)).
  - Changed only when something was saved. In check mode it only reads and reports the plan.
  - Runs on the controller; use C(connection: local) or C(delegate_to: localhost).
options:
  ucm:
    description: The UCM web GUI, e.g. C(https://192.0.2.10:8089).
    type: str
    required: true
  fingerprint:
    description: The UCM certificate's SHA-256 fingerprint (C(sha256:AA:BB:...)); trusted and remembered.
    type: str
  insecure:
    description: Do not check the certificate at all (lab boxes only).
    type: bool
    default: false
  known_hosts:
    description: File of trusted UCM certificates (default in the ucmauto app dir).
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
    description: The admin's password. Keep it in Ansible Vault.
    type: str
    required: true
  server_address:
    description: Zoho domain or data-centre code for the CRM Server Address (C(zoho.eu), C(eu)).
    type: str
  lookups:
    description: Contact Lookups, in order (C(contacts), C(leads), C(accounts)).
    type: list
    elements: str
  add_unknown:
    description: Where unknown numbers are added; one of the lookups.
    type: str
requirements:
  - ucm_automator (C(pip install ucm-automator)) in the controller's Python, with Chromium
author:
  - ucmauto maintainers
"""

EXAMPLES = r"""
- name: Zoho CRM on the admin page
  ucmauto.ucm.ucm_crm_admin:
    ucm: "{{ ucm_url }}"
    fingerprint: "{{ ucm_fingerprint }}"
    admin_password: "{{ vault_ucm_admin_password }}"
    server_address: zoho.eu
    lookups: [contacts, leads]
    add_unknown: contacts
  delegate_to: localhost
"""

RETURN = r"""
admin:
  description: Before, changes and after of the admin CRM page (box keys, no secrets).
  returned: always
  type: dict
exit_code:
  description: The ucmauto exit code of a failure (docs/exit-codes.md).
  returned: failure
  type: int
code:
  description: The name of that exit code, e.g. LOGIN_WRONG_PASSWORD.
  returned: failure
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ucmauto.ucm.plugins.module_utils.ucmauto_common import (
    CONNECTION_ARGS, clean, fail, require_library, settings)


def main():
    args = dict(CONNECTION_ARGS)
    args.update(admin_password=dict(type="str", required=True, no_log=True), server_address=dict(type="str"),
                lookups=dict(type="list", elements="str"), add_unknown=dict(type="str"))
    module = AnsibleModule(argument_spec=args, supports_check_mode=True)
    require_library(module)
    from ucm_automator.output import Terminal
    from ucm_automator.redact import secret
    from ucm_automator.runner import run_admin_setup

    p = module.params
    try:
        s = settings(module, server_address=p["server_address"], lookups=p["lookups"], add_unknown=p["add_unknown"])
        result, error = run_admin_setup(s, secret(p["admin_password"]), term=Terminal(quiet=True),
                                        dry_run=module.check_mode)
    except Exception as e:  # noqa: BLE001 - every failure as the tool's line and code
        fail(module, e)
    doc = clean(result.model_dump())
    if error is not None:
        fail(module, result.error, admin=doc)
    changed = bool(result.changes) if module.check_mode else result.changed
    out = dict(changed=changed, admin=doc)
    if module._diff:
        out["diff"] = dict(before=doc.get("before") or {}, after=(doc.get("before") if not changed else _after(doc)))
    module.exit_json(**out)


def _after(doc):
    """What the page holds after the run; in check mode, before with the planned changes."""
    if not doc.get("dry_run") and doc.get("after") is not None:
        return doc["after"]
    after = dict(doc.get("before") or {})
    for c in doc.get("changes") or []:
        if c["field"] in after:
            after[c["field"]] = c["after"]
    return after


if __name__ == "__main__":
    main()
