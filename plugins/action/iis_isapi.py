# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# IIS settings of the OSCC ISAPI application that no microsoft.iis module covers (docs: plugins/modules/iis_isapi.py).
from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.module_utils._option_checks import name_problem
from ansible_collections.oscc.admin.plugins.plugin_utils._action import OsccAction

ACCESS = ("Read", "Write", "Script", "Execute", "Source", "NoRemoteRead", "NoRemoteWrite", "NoRemoteScript",
          "NoRemoteExecute")


class ActionModule(OsccAction):
    ARGSPEC = {
        "site": {"type": "str", "default": "Default Web Site"},
        "application": {"type": "str", "required": True},
        "isapi_path": {"type": "str", "required": True},
        "isapi_description": {"type": "str", "default": "OpenScape Contact Center Web Interaction"},
        "access_policy": {"type": "list", "elements": "str", "default": ["Read", "Script", "Execute"]},
        "mime_types": {"type": "dict", "default": {".vxml": "application/voicexml+xml"}},
        "default_documents": {"type": "list", "elements": "str", "default": ["Default.htm"]},
    }
    PATH_OPTIONS = ("isapi_path",)
    PLATFORMS = ("windows",)

    def act(self, args, target, task_vars):
        unknown = [a for a in args["access_policy"] if a not in ACCESS]
        if unknown:
            raise AnsibleActionFail(f"access_policy: {', '.join(unknown)} unknown; use {', '.join(ACCESS)}")
        bad = [e for e in args["mime_types"] if not str(e).startswith(".")]
        if bad:
            raise AnsibleActionFail(f"mime_types: extensions start with a dot, got {', '.join(bad)}")
        problem = name_problem({"isapi_path": args["isapi_path"]}, windows=True)
        if problem:
            raise AnsibleActionFail(problem)
        check = bool(self._task.check_mode)
        params = dict(args, application="/" + args["application"].strip("/"), access_policy=",".join(args["access_policy"]),
                      check=check)
        result = target.procedure("iis_isapi", params, read_only=check)
        return {"changed": result["changed"], "changes": result.get("changes", {})}
