#!/usr/bin/python
# Lab stand-in for microsoft.iis.web_application (test equipment).
from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ansible.windows.plugins.module_utils.lab_host import State, given, real_spec


def main():
    module = AnsibleModule(argument_spec=real_spec("web_application", "microsoft/iis"), supports_check_mode=True)
    params = module.params
    state = State()
    state.record("microsoft.iis.web_application", given(params))
    iis = state.data.setdefault("iis", {})
    if params["site"] not in iis.get("sites", {}):
        state.save()
        module.fail_json(msg=f"Unable to find website '{params['site']}'")
    key = f"{params['site']}|/{params['name'].strip('/')}"
    apps = iis.setdefault("applications", {})
    app = apps.get(key)
    if (params.get("state") or "present") == "absent":
        changed = app is not None
        if changed and not module.check_mode:
            del apps[key]
    else:
        if app is None and not params.get("physical_path"):
            state.save()
            module.fail_json(msg="missing required arguments: physical_path")
        pool = params.get("application_pool") or (app or {}).get("application_pool") or "DefaultAppPool"
        if pool not in iis.get("app_pools", {}):
            state.save()
            module.fail_json(msg=f"Application pool '{pool}' does not exist")
        after = {"physical_path": params.get("physical_path") or app["physical_path"], "application_pool": pool}
        changed = after != app
        if changed and not module.check_mode:
            apps[key] = after
    state.save()
    module.exit_json(changed=changed, **(apps.get(key) or {}))


if __name__ == "__main__":
    main()
