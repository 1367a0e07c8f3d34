#!/usr/bin/python
# Lab stand-in for ansible.windows.win_file (test equipment): directories and absent paths on the
# simulated Windows server's drives.
from __future__ import annotations

import os
import shutil

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ansible.windows.plugins.module_utils.lab_host import State, given, real_spec, to_here


def main():
    module = AnsibleModule(argument_spec=real_spec("win_file"), supports_check_mode=True)
    params = module.params
    state = State()
    state.record("win_file", given(params))
    state.save()
    here = to_here(params["path"])
    wanted = params.get("state") or "file"
    if wanted == "directory":
        if os.path.isfile(here):
            module.fail_json(msg=f"path {params['path']} is not a directory")
        changed = not os.path.isdir(here)
        if changed and not module.check_mode:
            os.makedirs(here)
    elif wanted == "absent":
        changed = os.path.exists(here)
        if changed and not module.check_mode:
            shutil.rmtree(here) if os.path.isdir(here) else os.remove(here)
    else:
        module.fail_json(msg=f"lab stand-in: win_file state={wanted} is not simulated")
    module.exit_json(changed=changed)


if __name__ == "__main__":
    main()
