#!/usr/bin/python
# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: sunjava_deploy
short_description: Deploy a WAR to Sun Java System Web Server 7 with wadm, only when it changed
version_added: 0.1.0
description:
  - Manual §4.2.3.1 steps 9-11 - the configuration O(config) (its instance folder is C(https-<config>)) and its
    instance on O(node) are created when missing, the WAR is added at O(uri) on the virtual server O(virtual_server),
    the configuration is deployed and the instance started.
  - Idempotent - C(list-configs) and C(list-webapps) say what exists, and the SHA-256 of the last WAR this module
    deployed is kept beside the WAR (C(<war>.deployed-sha256)); an unchanged WAR is not deployed again.
  - Runs C(wadm) in stand-alone mode without a shell. The password goes to C(wadm) in a password file
    (C(wadm_password=...)) readable only by its owner and removed when the module ends.
options:
  war:
    description: The WAR to deploy, on the web server.
    type: path
    required: true
  uri:
    description: The application URI (§4.2.3.1 step 11).
    type: str
    default: /HPPC
  config:
    description: The configuration (the manual's server ID); its instance folder is C(https-<config>).
    type: str
    default: HPPC
  virtual_server:
    description: The virtual server the application is added to; wadm names a new configuration's one after it.
    type: str
    default: HPPC
  node:
    description: The node the instance runs on.
    type: str
    required: true
  http_port:
    description: The HTTP port of a configuration this module creates.
    type: int
    default: 80
  server_name:
    description: The server name of a configuration this module creates; defaults to O(node).
    type: str
  wadm:
    description: The C(wadm) command.
    type: path
    default: /opt/oracle/webserver7/bin/wadm
  admin_user:
    description: The administration server's user.
    type: str
    default: admin
  admin_password:
    description: Its password, one line (it is written to a C(wadm) password file). Keep it in a vault.
    type: str
    required: true
  admin_host:
    description: The administration server.
    type: str
    default: localhost
  admin_port:
    description: The administration server's port (8989 with TLS, 8800 without).
    type: int
    default: 8989
  admin_ssl:
    description: Talk TLS to the administration server (C(--no-ssl) when false).
    type: bool
    default: true
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
notes:
  - The C(wadm) options and exit codes follow the Sun Java System Web Server 7.0 CLI reference. The output of
    C(list-configs) and C(list-webapps) is read as one name per line, and C(create-config) is called with
    C(--http-port) and C(--server-name); both are not confirmed on a real server yet.
author:
  - oscc.admin maintainers (@oscc-admin)
"""

EXAMPLES = r"""
- name: Deploy HPPC.war at /HPPC on Sun Java System Web Server
  oscc.admin.sunjava_deploy:
    war: /var/lib/oscc-web-components/HPPC.war
    node: web01.contact.example.com
    admin_password: "{{ vault_sunjava_admin_password }}"
"""

RETURN = r"""
operations:
  description: The wadm commands run (or, in check mode, that would run), without their options.
  returned: always
  type: list
  elements: str
  sample: [add-webapp, deploy-config]
war_sha256:
  description: SHA-256 of O(war).
  returned: always
  type: str
"""

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.oscc.admin.plugins.module_utils._deploy import war_digest
from ansible_collections.oscc.admin.plugins.module_utils._option_checks import (
    line_value_problem,
    os_error_problem,
    port_problem,
)


def names(output):
    """wadm's listing: one name per line, blank lines and messages (CLI<number> ...) left out."""
    return [line.strip() for line in output.splitlines() if line.strip() and not line.strip().startswith("CLI")]


class Wadm:
    def __init__(self, module, password_file):
        self.module = module
        params = module.params
        self.connect = [f"--user={params['admin_user']}", f"--password-file={password_file}",
                        f"--host={params['admin_host']}", f"--port={params['admin_port']}"]
        if not params["admin_ssl"]:
            self.connect.append("--no-ssl")

    def __call__(self, command, *args):
        argv = [self.module.params["wadm"], command, *self.connect, "--no-prompt", *args]
        rc, out, err = self.module.run_command(argv)
        if rc != 0:
            self.module.fail_json(msg=f"wadm {command} failed (rc {rc}): {(err or out).strip()[-500:]}", rc=rc)
        return out


def main():
    module = AnsibleModule(
        argument_spec={
            "war": {"type": "path", "required": True},
            "uri": {"type": "str", "default": "/HPPC"},
            "config": {"type": "str", "default": "HPPC"},
            "virtual_server": {"type": "str", "default": "HPPC"},
            "node": {"type": "str", "required": True},
            "http_port": {"type": "int", "default": 80},
            "server_name": {"type": "str"},
            "wadm": {"type": "path", "default": "/opt/oracle/webserver7/bin/wadm"},
            "admin_user": {"type": "str", "default": "admin"},
            "admin_password": {"type": "str", "required": True, "no_log": True},
            "admin_host": {"type": "str", "default": "localhost"},
            "admin_port": {"type": "int", "default": 8989},
            "admin_ssl": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    params = module.params
    # The password goes into a wadm password file as one line: a line break would add a line of its own.
    problem = (port_problem({option: params[option] for option in ("http_port", "admin_port")})
               or line_value_problem({"admin_password": params["admin_password"]}, secret=("admin_password",)))
    if problem:
        module.fail_json(msg=problem)
    if not params["uri"].startswith("/"):
        module.fail_json(msg=f"uri must start with /, got {params['uri']!r}")
    if not os.path.isfile(params["wadm"]) or not os.access(params["wadm"], os.X_OK):
        module.fail_json(msg=f"wadm {params['wadm']} is not an executable; is Sun Java System Web Server 7 installed?")
    wanted = war_digest(module, params["war"])
    marker = params["war"] + ".deployed-sha256"
    deployed = open(marker).read().strip() if os.path.isfile(marker) else None
    handle, password_file = tempfile.mkstemp(prefix=".wadm-", suffix=".passwd")
    try:
        with os.fdopen(handle, "w") as secret:  # mkstemp: readable by this user only
            secret.write(f"wadm_password={params['admin_password']}\n")
        wadm = Wadm(module, password_file)
        config, vs, node = params["config"], params["virtual_server"], params["node"]
        plan = []
        new_config = config not in names(wadm("list-configs"))
        if new_config:
            plan += [("create-config", f"--http-port={params['http_port']}",
                      f"--server-name={params['server_name'] or node}", config),
                     ("create-instance", f"--config={config}", node)]
        listed = [] if new_config else names(wadm("list-webapps", f"--config={config}", f"--vs={vs}"))
        present = params["uri"] in listed
        if not present or wanted is None or deployed != wanted:
            if present:
                plan.append(("remove-webapp", f"--config={config}", f"--vs={vs}", f"--uri={params['uri']}"))
            plan += [("add-webapp", f"--config={config}", f"--vs={vs}", f"--uri={params['uri']}", params["war"]),
                     ("deploy-config", config)]
        if new_config:
            plan.append(("start-instance", f"--config={config}", node))
        result = {"changed": bool(plan), "operations": [step[0] for step in plan], "war_sha256": wanted}
        if plan and not module.check_mode:
            for step in plan:
                wadm(*step)
            try:
                with open(marker + ".tmp", "w") as record:
                    record.write(wanted + "\n")
                os.replace(marker + ".tmp", marker)
            except OSError as exc:  # deployed; only the record of what was deployed could not be kept
                module.fail_json(msg=f"deployed, but the record of the deployed WAR could not be written: "
                                     f"{os_error_problem('war', marker, exc)}", changed=True)
    finally:
        os.remove(password_file)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
