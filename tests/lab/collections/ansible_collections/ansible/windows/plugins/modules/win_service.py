#!/usr/bin/python
# Lab stand-in for ansible.windows.win_service (test equipment).
from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ansible.windows.plugins.module_utils.lab_host import State, password_hash, real_spec

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
    changed = logon(module, service)
    if wanted in ("started", "restarted") and not module.check_mode and logon_fails(state.data, service):
        # As the service control manager: the stored password is not the account's (ERROR_SERVICE_LOGON_FAILED)
        state.save()
        module.fail_json(msg=f"sim: Failed to start service '{name}': The service did not start due to a logon "
                             "failure.")
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


def logon(module, service):
    """The Log On tab: the account, and its password kept as the service control manager keeps it (here a hash, so
    the lab's files never hold a password). Changing the account sets the password, as the real module does."""
    username, password = module.params.get("username"), module.params.get("password")
    account_changed = username is not None and username != service.get("account")
    password_changed = password is not None and (account_changed or module.params.get("update_password") == "always")
    if not module.check_mode:
        if account_changed:
            service["account"] = username
        if password_changed:
            service["password_sha256"] = password_hash(password)
    # The real module cannot read a password back either: setting one always reports a change.
    return account_changed or password_changed


def logon_fails(data, service):
    """A service that logs on as a local user of the lab whose password is not the one the service keeps."""
    account = service.get("account") or ""
    user = data.get("users", {}).get(account.split("\\")[-1].lower())
    return user is not None and user.get("password_sha256") != service.get("password_sha256")


if __name__ == "__main__":
    main()
