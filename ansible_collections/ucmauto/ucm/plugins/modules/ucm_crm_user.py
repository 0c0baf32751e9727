#!/usr/bin/python
# -*- coding: utf-8 -*-
# MIT License (see the repository's LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ucm_crm_user
short_description: Enrol one Grandstream UCM user in Zoho CRM and prove Login Status reads Logged In
version_added: "0.1.0"
description:
  - Proves the user's Zoho refresh token at Zoho, logs in to the user's portal (headless Chromium, on the
    controller), fills CRM User Settings, saves, applies, and re-reads until Login Status reads Logged In,
    through the ucm_automator library (C(ucmauto enroll-user)).
  - The token comes either from the ucmauto token store (by C(box) and C(extension), or C(token_name))
    or from C(refresh_token) with C(client_id), C(client_secret) and C(zoho_dc).
  - Changed only when something was saved. In check mode it only reads and reports the plan.
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
    description: UCM admin who applies changes where users cannot.
    type: str
    default: admin
  admin_password:
    description: That admin's password; needed only on boxes where users cannot Apply Changes.
    type: str
  extension:
    description: The UCM extension (user name of the portal).
    type: str
    required: true
  password:
    description: The user's portal password.
    type: str
    required: true
  refresh_token:
    description: A Zoho refresh token given directly (else the token store is used).
    type: str
  client_id:
    description: Zoho client id (with refresh_token; or to narrow the store lookup).
    type: str
  client_secret:
    description: Zoho client secret (else env UCMAUTO_ZOHO_CLIENT_SECRET or the keyring).
    type: str
  zoho_dc:
    description: Zoho data centre (us, eu, in, ...).
    type: str
  zoho_accounts_url:
    description: Override the Zoho accounts server (tests, proxies).
    type: str
  box:
    description: Fleet box name; the stored token is then C(BOX/EXTENSION) (C(ucmauto token exchange --box)).
    type: str
  token_name:
    description: Name of the stored token (default C(BOX/EXTENSION) with box, else the extension).
    type: str
  token_store:
    description: Token store file.
    type: path
  login_wait:
    description: Longest wait for Login Status to read Logged In after Apply (seconds).
    type: float
    default: 60
  force:
    description: Save even when the box masks secrets and cannot show they are the same.
    type: bool
    default: false
requirements:
  - ucm_automator (C(pip install ucm-automator)) in the controller's Python, with Chromium
author:
  - ucmauto maintainers
"""

EXAMPLES = r"""
- name: Enrol 1001 with its stored token (ucmauto token exchange --box acme --name 1001)
  ucmauto.ucm.ucm_crm_user:
    ucm: "{{ ucm_url }}"
    fingerprint: "{{ ucm_fingerprint }}"
    box: "{{ inventory_hostname }}"
    extension: "1001"
    password: "{{ vault_user_passwords['1001'] }}"
  delegate_to: localhost
"""

RETURN = r"""
user:
  description: Before, changes and after of the user's CRM settings and Login Status (no secrets).
  returned: always
  type: dict
login_status:
  description: The Login Status read last (C(login) is Logged In).
  returned: success
  type: str
exit_code:
  description: The ucmauto exit code of a failure (docs/exit-codes.md).
  returned: failure
  type: int
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ucmauto.ucm.plugins.module_utils.ucmauto_common import (
    CONNECTION_ARGS, clean, fail, require_library, secret_env, settings)


class _Quiet:
    def step(self, extension, text):
        pass

    def done(self, outcome):
        pass


def main():
    args = dict(CONNECTION_ARGS)
    args.update(
        admin_password=dict(type="str", no_log=True), extension=dict(type="str", required=True),
        password=dict(type="str", required=True, no_log=True), refresh_token=dict(type="str", no_log=True),
        client_id=dict(type="str"), client_secret=dict(type="str", no_log=True), zoho_dc=dict(type="str"),
        zoho_accounts_url=dict(type="str"), box=dict(type="str"), token_name=dict(type="str"),
        token_store=dict(type="path"), login_wait=dict(type="float", default=60.0),
        force=dict(type="bool", default=False))
    module = AnsibleModule(argument_spec=args, supports_check_mode=True,
                           required_by=dict(refresh_token=["client_id", "zoho_dc"]),
                           mutually_exclusive=[("refresh_token", "token_name"), ("refresh_token", "box")])
    require_library(module)
    try:
        report = _enrol(module)
    except Exception as e:  # noqa: BLE001 - every failure as the tool's line and code
        fail(module, e)
    o = report.outcomes[0]
    r = clean(o.result.model_dump())
    if o.status == "failed":
        error = o.result.error or {}
        if module.check_mode and error.get("code") == "ADMIN_CRM_NOT_READY":
            # the admin task before this one only planned: the user would be enrolled after it
            module.exit_json(changed=True, user=r, msg="would enrol once the admin CRM is Zoho CRM (v2 API)")
        fail(module, error, user=r)
    changed = bool(o.result.changes) if module.check_mode else o.result.changed
    out = dict(changed=changed, user=r, login_status=(r.get("after") or {}).get("login_status"), notes=o.notes)
    if module._diff:
        out["diff"] = dict(before=r.get("before") or {}, after=r.get("after") or _planned(r))
    module.exit_json(**out)


def _planned(r):
    after = dict(r.get("before") or {})
    for c in r.get("changes") or []:
        after[c["field"]] = c["after"]
    return after


def _enrol(module):
    from ucm_automator.enroll.batch import BatchOptions
    from ucm_automator.enroll.credentials import Sources
    from ucm_automator.enroll.inventory import Entry
    from ucm_automator.enroll.run import enrol
    from ucm_automator.output import Terminal
    from ucm_automator.redact import secret
    from ucm_automator.zoho.store import TokenStore

    p = module.params
    ext = p["extension"]
    s = settings(module, zoho_dc=p["zoho_dc"], zoho_client_id=p["client_id"],
                 zoho_accounts_url=p["zoho_accounts_url"], token_store=p["token_store"])
    fields = dict(extension=ext, password_env=secret_env("password", p["password"]),
                  client_secret_env=secret_env("client_secret", p["client_secret"]))
    if p["refresh_token"]:
        fields.update(refresh_token_env=secret_env("refresh_token", p["refresh_token"]),
                      client_id=p["client_id"], zoho_dc=p["zoho_dc"])
    else:
        fields["token_name"] = p["token_name"] or ("%s/%s" % (p["box"], ext) if p["box"] else None)
    entry = Entry(where="task", **{k: v for k, v in fields.items() if v is not None})
    admin = p["admin_password"]
    admin_secret = secret(admin) if admin else None

    def admin_password():
        if admin_secret is None:
            from ucm_automator.errors import SecretMissing
            raise SecretMissing("users of this box cannot Apply Changes: give admin_password")
        return admin_secret

    sources = Sources(s, TokenStore(s.token_store), single=True)  # ask=None: never prompts
    opts = BatchOptions(concurrency=1, login_wait_s=p["login_wait"], dry_run=module.check_mode, force=p["force"],
                        admin_user=s.admin_user, admin_password=admin_password)
    return enrol(s, [entry], sources, opts, Terminal(quiet=True), _Quiet(), what="the task's user")


if __name__ == "__main__":
    main()
