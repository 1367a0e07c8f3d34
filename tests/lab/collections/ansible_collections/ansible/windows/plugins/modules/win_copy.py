#!/usr/bin/python
# Lab stand-in for ansible.windows.win_copy (test equipment). The real module's action plugin
# sends the controller's file; the lab's servers live on the controller, so this reads it directly.
from __future__ import annotations

import hashlib
import os
import shutil

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ansible.windows.plugins.module_utils.lab_host import State, given, real_spec, to_here


def digest(path):
    with open(path, "rb") as handle:
        return hashlib.sha1(handle.read()).hexdigest()


def main():
    module = AnsibleModule(argument_spec=real_spec("win_copy"), supports_check_mode=True)
    params = module.params
    state = State()
    state.record("win_copy", given(params, "content"))
    state.save()
    source = to_here(params["src"]) if params.get("remote_src") else params["src"]
    if not source or not os.path.isfile(source):
        module.fail_json(msg=f"Cannot copy src file: '{params.get('src')}' as it does not exist")
    dest = to_here(params["dest"])
    if os.path.isdir(dest):
        dest = os.path.join(dest, os.path.basename(source))
    checksum = digest(source)
    changed = not os.path.isfile(dest) or digest(dest) != checksum
    if changed and not module.check_mode:
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copyfile(source, dest + ".tmp")
        os.replace(dest + ".tmp", dest)
    module.exit_json(changed=changed, checksum=checksum, dest=params["dest"], src=params["src"])


if __name__ == "__main__":
    main()
