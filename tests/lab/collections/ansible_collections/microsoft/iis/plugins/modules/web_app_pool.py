#!/usr/bin/python
# Lab stand-in for microsoft.iis.web_app_pool (test equipment).
from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ansible.windows.plugins.module_utils.lab_host import State, given, real_spec

STATES = {"started": "Started", "stopped": "Stopped", "restarted": "Started"}


def main():
    module = AnsibleModule(argument_spec=real_spec("web_app_pool", "microsoft/iis"), supports_check_mode=True)
    params = module.params
    wanted = params.get("state") or "present"
    state = State()
    state.record("microsoft.iis.web_app_pool", given(params))
    iis = state.data.setdefault("iis", {})
    if "W3SVC" not in state.data.get("services", {}):
        state.save()
        module.fail_json(msg="Failed to load WebAdministration module: IIS is not installed")
    pools = iis.setdefault("app_pools", {})
    name = params["name"]
    pool = pools.get(name)
    changed = False
    if wanted == "absent":
        changed = pool is not None
        if changed and not module.check_mode:
            del pools[name]
    else:
        after = dict(pool or {"attributes": {}, "state": "Started"})
        after["attributes"] = dict(after["attributes"])
        for key, value in (params.get("attributes") or {}).items():
            # The real module compares as strings, as IIS stores every attribute.
            text = str(value).lower() if isinstance(value, bool) else str(value)
            if after["attributes"].get(key) != text:
                after["attributes"][key] = text
        if wanted in STATES:
            after["state"] = STATES[wanted]
        changed = after != pool or wanted == "restarted"
        if changed and not module.check_mode:
            pools[name] = after
    state.save()
    info = pools.get(name) or {}
    module.exit_json(changed=changed,
                     info={"name": name, "state": info.get("state"), "attributes": info.get("attributes", {})})


if __name__ == "__main__":
    main()
