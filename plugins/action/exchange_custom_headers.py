# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# The custom headers defined on Exchange by osccmseheaders.exe (docs: plugins/modules/exchange_custom_headers.py).
# Manual §3.4.1: the utility on the main server, its prompts answered by the host executor, recorded once done.
from __future__ import annotations

import json

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.module_utils._option_checks import (
    address_problem,
    line_value_problem,
    port_problem,
)
from ansible_collections.oscc.admin.plugins.plugin_utils._host.action import OsccAction
from ansible_collections.oscc.admin.plugins.plugin_utils._host.prompted import run_prompted
from ansible_collections.oscc.admin.plugins.plugin_utils._mail.header_tool_prompts import (
    HEADER_TOOL_LABELS,
    header_tool_prompts,
)

# What Windows starts as a program by its name alone.
PROGRAM_EXTENSIONS = (".exe", ".com")


def paths_problem(program, record, found):
    """Refuse, before the utility runs, a program that is not there or a folder, and a record that is a folder."""
    if not found["program"]["exists"]:
        raise AnsibleActionFail(f"program {program} does not exist")
    if found["program"]["dir"]:
        raise AnsibleActionFail(f"program {program} is a folder, not a program file")
    if found["record_kind"]["dir"]:
        raise AnsibleActionFail(f"record {record} is a folder, not a file")


class ActionModule(OsccAction):
    PATH_OPTIONS = ("program", "record")
    PLATFORMS = ("windows",)

    def act(self, args, target, task_vars):
        answers = {key: args[key] for key, _pattern in HEADER_TOOL_LABELS}
        # The utility reads one line per prompt: a line break would answer the next prompt.
        problem = (address_problem({o: args[o] for o in ("from_address", "to_address")})
                   or port_problem({"smtp_port": args["smtp_port"]})
                   or line_value_problem({**answers, "smtp_password": args["smtp_password"]},
                                         secret=("smtp_password",)))
        if problem:
            raise AnsibleActionFail(problem)
        for key, value in {**answers, "smtp_password": args["smtp_password"]}.items():
            if not str(value).strip():
                raise AnsibleActionFail(f"{key} must not be empty: the utility reads one answer per prompt")
        if not args["program"].lower().endswith(PROGRAM_EXTENSIONS):
            raise AnsibleActionFail(f"program {args['program']} is not a program (an .exe or .com file)")
        record = args["record"] or target.path.join(target.path.dirname(args["program"]),
                                                    "osccmseheaders.oscc-done.json")
        # What the record holds: the answers without the password, so another server or account runs it again.
        content = json.dumps(answers, sort_keys=True) + "\n"
        check = bool(self._task.check_mode)
        stats = {"program": {"op": "stat", "path": args["program"]}, "record_kind": {"op": "stat", "path": record}}
        done = run_prompted(target, [[args["program"]]], header_tool_prompts(answers), args["timeout"],
                            cwd=target.path.dirname(args["program"]), secrets={"smtp_password": args["smtp_password"]},
                            record={"path": record, "content": content}, force=args["force"], check=check,
                            preflight=(stats, lambda found: paths_problem(args["program"], record, found)))
        result = {"changed": done["changed"], "ran": done["ran"], "record": record}
        if done.get("output") is not None:
            result["output"] = done["output"]
        if done["changed"] and self._task.diff:
            result["diff"] = {"before": "",
                              "after": f"custom headers defined through {args['smtp_host']}:{args['smtp_port']}"
                                       f" as {args['smtp_user']}\n"}
        return result
