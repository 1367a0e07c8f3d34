#!/usr/bin/python
# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: tomcat_deploy
short_description: Deploy a WAR through the Tomcat manager text API, only when it changed
version_added: 0.1.0
description:
  - Deploys a WAR, such as the OSCC web components' C(HPPC.war) (manual §4.2.2.1 step 10), through the Tomcat
    manager's text interface (C(/manager/text)), by HTTP PUT with C(update=true).
  - Idempotent - the manager's C(list) says whether the context is deployed and running, and the WAR Tomcat keeps
    in its C(appBase) is compared with O(war). An unchanged, running application is left alone; a stopped one is
    started; a changed WAR is redeployed.
  - Runs on the Tomcat host. Tomcat's manager answers only local addresses by default, so the default
    O(manager_url) is on loopback.
options:
  war:
    description: The WAR to deploy, on the host the module runs on.
    type: path
    required: true
  context_path:
    description: The context path, for example C(/HPPC) (manual §4.2.2.1 step 4).
    type: str
    default: /HPPC
  manager_url:
    description: The manager's text interface.
    type: str
    default: http://127.0.0.1:8080/manager/text
  manager_username:
    description: A Tomcat user with the C(manager-script) role.
    type: str
    required: true
  manager_password:
    description: Its password. Keep it in a vault.
    type: str
    required: true
  app_base:
    description:
      - The C(appBase) of the Tomcat host, where Tomcat keeps each uploaded WAR as C(<name>.war).
      - The deployed WAR is compared with O(war) there; if it is missing, the WAR is deployed again.
    type: path
    default: /var/lib/tomcat10/webapps
  timeout:
    description: Seconds to wait for each answer of the manager.
    type: int
    default: 120
  validate_certs:
    description: Check the manager's TLS certificate when O(manager_url) is C(https).
    type: bool
    default: true
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: posix
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
notes:
  - Tomcat 10 and newer run C(jakarta.*) applications only; a WAR built for C(javax.*) needs the Tomcat migration
    tool or a Tomcat 9.
author:
  - oscc.admin maintainers (@oscc-admin)
"""

EXAMPLES = r"""
- name: Deploy the Web Collaboration WAR at /HPPC
  oscc.admin.tomcat_deploy:
    war: /opt/oscc/staging/HPPC.war
    context_path: /HPPC
    manager_username: oscc-deployer
    manager_password: "{{ vault_tomcat_manager_password }}"
"""

RETURN = r"""
operation:
  description: What was done - C(none), C(deployed), C(redeployed) or C(started).
  returned: always
  type: str
  sample: redeployed
message:
  description: The manager's answer to the change, when one was made.
  returned: changed and not check mode
  type: str
  sample: OK - Deployed application at context path [/HPPC]
application:
  description: The context as the manager listed it before the task (empty when it was not deployed).
  returned: always
  type: dict
  sample: {"path": "/HPPC", "state": "running", "sessions": 0, "docbase": "HPPC"}
war_sha256:
  description: SHA-256 of O(war).
  returned: always
  type: str
"""

import os
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlsplit

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import open_url

from ansible_collections.oscc.admin.plugins.module_utils._deploy import sha256, war_digest
from ansible_collections.oscc.admin.plugins.module_utils._option_checks import seconds_problem

HTTP_HINTS = {
    401: "manager_username/manager_password were refused; the user needs the manager-script role",
    403: "the manager refused this client; by default it answers only local addresses "
         "(run the task on the Tomcat host)",
    404: "no manager text interface at manager_url (is the tomcat10-admin package installed?)",
}


def parse_list(text):
    """The manager's `list` answer: {path: {path, state, sessions, docbase}}."""
    lines = text.splitlines()
    if not lines or not lines[0].startswith("OK"):
        raise ValueError(text.strip()[:300])
    apps = {}
    for line in lines[1:]:
        fields = line.split(":", 3)
        if len(fields) == 4:
            apps[fields[0]] = {"path": fields[0], "state": fields[1],
                               "sessions": int(fields[2]) if fields[2].isdigit() else fields[2], "docbase": fields[3]}
    return apps


def base_name(context_path):
    """Tomcat's file name for a context path: /HPPC -> HPPC, / -> ROOT, /a/b -> a#b."""
    return context_path.strip("/").replace("/", "#") or "ROOT"


class Manager:
    def __init__(self, module):
        self.module = module
        self.params = module.params

    def call(self, command, method="GET", data=None):
        url = f"{self.params['manager_url'].rstrip('/')}/{command}"
        try:
            answer = open_url(url, method=method, data=data, url_username=self.params["manager_username"],
                              url_password=self.params["manager_password"], force_basic_auth=True,
                              timeout=self.params["timeout"], validate_certs=self.params["validate_certs"],
                              headers={"Content-Type": "application/octet-stream"} if data is not None else None)
            return answer.read().decode("utf-8", "replace")
        except HTTPError as exc:
            self.module.fail_json(msg=f"Tomcat manager {url.split('?', maxsplit=1)[0]} answered HTTP {exc.code}: "
                                      f"{HTTP_HINTS.get(exc.code, exc.reason)}")
        except (URLError, OSError) as exc:
            self.module.fail_json(msg=f"cannot reach the Tomcat manager at {self.params['manager_url']}: "
                                      f"{getattr(exc, 'reason', exc)}")


def main():
    module = AnsibleModule(
        argument_spec={
            "war": {"type": "path", "required": True},
            "context_path": {"type": "str", "default": "/HPPC"},
            "manager_url": {"type": "str", "default": "http://127.0.0.1:8080/manager/text"},
            "manager_username": {"type": "str", "required": True},
            "manager_password": {"type": "str", "required": True, "no_log": True},
            "app_base": {"type": "path", "default": "/var/lib/tomcat10/webapps"},
            "timeout": {"type": "int", "default": 120},
            "validate_certs": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    params = module.params
    path = params["context_path"]
    if not path.startswith("/") or any(c in path for c in "?&#% "):
        module.fail_json(msg=f"context_path must start with / and hold no ?, &, #, % or blank; got {path!r}")
    problem = seconds_problem({"timeout": params["timeout"]})
    if problem:
        module.fail_json(msg=problem)
    url = urlsplit(params["manager_url"])
    if url.scheme not in ("http", "https") or not url.hostname:
        module.fail_json(msg="manager_url must be the manager's http:// or https:// URL, "
                             f"got {params['manager_url']!r}")
    wanted = war_digest(module, params["war"])
    manager = Manager(module)
    try:
        apps = parse_list(manager.call("list"))
    except ValueError as exc:
        module.fail_json(msg=f"the Tomcat manager did not list its applications: {exc}")
    app = apps.get(path, {})
    deployed_war = os.path.join(params["app_base"], base_name(path) + ".war")
    deployed = sha256(deployed_war) if app and os.path.isfile(deployed_war) else None
    if wanted is not None and deployed == wanted:
        operation, command = ("none", None) if app["state"] == "running" else ("started", f"start?path={quote(path)}")
    else:
        operation = "redeployed" if app else "deployed"
        command = f"deploy?path={quote(path)}&update=true"
    result = {"changed": operation != "none", "operation": operation, "application": app, "war_sha256": wanted}
    if module._diff and operation != "none":
        result["diff"] = {"before": f"{path}: {app.get('state', 'absent')}, WAR sha256 {deployed}\n",
                          "after": f"{path}: running, WAR sha256 {wanted}\n"}
    if command and not module.check_mode:
        if command.startswith("deploy"):
            with open(params["war"], "rb") as handle:
                answer = manager.call(command, method="PUT", data=handle.read())
        else:
            answer = manager.call(command)
        result["message"] = answer.strip()
        if not answer.startswith("OK"):
            verb = command.split("?", maxsplit=1)[0]
            module.fail_json(msg=f"Tomcat manager refused to {verb} {path}: {answer.strip()}", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
