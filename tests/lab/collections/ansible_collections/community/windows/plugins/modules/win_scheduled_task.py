#!/usr/bin/python
# Lab stand-in for community.windows.win_scheduled_task (test equipment).
from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ansible.windows.plugins.module_utils.lab_host import State, given, real_spec

KEPT = ("actions", "triggers", "username", "logon_type", "run_level", "description", "multiple_instances",
        "execution_time_limit", "enabled")


def main():
    module = AnsibleModule(argument_spec=real_spec("win_scheduled_task", "community/windows"), supports_check_mode=True)
    params = module.params
    state = State()
    state.record("win_scheduled_task", given(params))
    tasks = state.data.setdefault("scheduled_tasks", {})
    key = (params.get("path") or "\\") + params["name"]
    wanted = {k: params[k] for k in KEPT if params.get(k) is not None}
    if params["state"] == "absent":
        changed = key in tasks
        if changed and not module.check_mode:
            del tasks[key]
    else:
        changed = tasks.get(key) != wanted
        if changed and not module.check_mode:
            tasks[key] = wanted
    state.save()
    module.exit_json(changed=changed)


if __name__ == "__main__":
    main()
