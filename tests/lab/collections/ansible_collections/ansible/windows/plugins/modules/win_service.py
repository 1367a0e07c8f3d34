#!/usr/bin/python
# Lab stand-in for ansible.windows.win_service (test equipment).
from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ansible.windows.plugins.module_utils.lab_host import State, real_spec

RUNNING = {"started": "running", "stopped": "stopped", "restarted": "running", "paused": "paused"}


def main():
    module = AnsibleModule(argument_spec=real_spec("win_service"), supports_check_mode=True)
    state = State()
    args = {k: v for k, v in module.params.items() if v is not None and k != "password"}
    state.record("win_service", args)
    services = state.data["services"]
    name = module.params["name"]
    if name not in services:
        state.save()
        module.fail_json(msg=f"Service '{name}' is not installed, need to set 'path' to create a new service")
    service = services[name]
    wanted = module.params.get("state")
    changed = False
    if wanted in RUNNING and (service["state"] != RUNNING[wanted] or wanted == "restarted"):
        changed = True
        if not module.check_mode:
            service["state"] = RUNNING[wanted]
    if module.params.get("start_mode") and module.params["start_mode"] != service["start_mode"]:
        changed = True
        if not module.check_mode:
            service["start_mode"] = module.params["start_mode"]
    state.save()
    module.exit_json(changed=changed, exists=True, name=name, state=service["state"], start_mode=service["start_mode"])


if __name__ == "__main__":
    main()
