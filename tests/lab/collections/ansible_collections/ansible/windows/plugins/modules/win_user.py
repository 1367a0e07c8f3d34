#!/usr/bin/python
# Lab stand-in for ansible.windows.win_user (test equipment): local users with a password, kept as a hash in the
# host's windows.json (users), so a service's stored password can be compared with its account's (win_service).
from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ansible.windows.plugins.module_utils.lab_host import State, given, password_hash, real_spec

# What the lab models of the real module; any other option it documents is refused here rather than ignored.
MODELLED = {"name", "password", "update_password", "state"}


def main():
    module = AnsibleModule(argument_spec=real_spec("win_user"), supports_check_mode=True)
    extra = sorted(k for k, v in module.params.items() if v is not None and k not in MODELLED)
    if extra:
        module.fail_json(msg=f"lab stand-in: win_user is simulated without {', '.join(extra)}")
    state = State()
    state.record("win_user", given(module.params))
    users = state.data.setdefault("users", {})
    name = module.params["name"].lower()
    if (module.params.get("state") or "present") != "present":
        state.save()
        module.fail_json(msg="lab stand-in: win_user is simulated with state present only")
    user = users.get(name)
    password = module.params.get("password")
    changed = user is None
    if password is not None and (user is None or (module.params.get("update_password") or "always") == "always"):
        # As the real module: the password is tested by a logon first and set only when it differs.
        changed = changed or user.get("password_sha256") != password_hash(password)
        if changed and not module.check_mode:
            users[name] = dict(user or {}, password_sha256=password_hash(password))
    elif user is None and not module.check_mode:
        users[name] = {}
    state.save()
    module.exit_json(changed=changed, name=module.params["name"], state="present")


if __name__ == "__main__":
    main()
