#!/usr/bin/python
# Lab stand-in for ansible.windows.win_get_url (test equipment): downloads onto the simulated
# Windows server's drives from this machine.
from __future__ import annotations

import hashlib
import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import open_url

from ansible_collections.ansible.windows.plugins.module_utils.lab_host import State, given, real_spec, to_here


def main():
    module = AnsibleModule(argument_spec=real_spec("win_get_url"), supports_check_mode=True)
    params = module.params
    state = State()
    state.record("win_get_url", given(params))
    state.save()
    dest = to_here(params["dest"])
    try:
        data = open_url(params["url"], timeout=int(params.get("timeout") or 30)).read()
    except Exception as exc:  # noqa: BLE001 - reported as the real module reports a failed download
        module.fail_json(msg=f"Error downloading '{params['url']}' to '{params['dest']}': {exc}", status_code=-1)
    algorithm = (params.get("checksum_algorithm") or "sha1").lower()
    if params.get("checksum") and hashlib.new(algorithm, data).hexdigest() != params["checksum"].lower():
        module.fail_json(msg=f"The checksum for {params['dest']} did not match {params['checksum']}")
    changed = not os.path.isfile(dest) or open(dest, "rb").read() != data
    if changed and not module.check_mode:
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "wb") as handle:
            handle.write(data)
    module.exit_json(changed=changed, dest=params["dest"], url=params["url"], status_code=200)


if __name__ == "__main__":
    main()
