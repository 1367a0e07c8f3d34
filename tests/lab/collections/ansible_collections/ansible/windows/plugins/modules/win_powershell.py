#!/usr/bin/python
# Lab stand-in for ansible.windows.win_powershell (test equipment): runs oscc.admin's remote
# procedures through their POSIX twin, translating the host's drive paths.
from __future__ import annotations

import json
import os
import subprocess
import sys

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ansible.windows.plugins.module_utils.lab_host import State, real_spec, to_here, to_host

MARKER = "# oscc.admin remote procedures"


def main():
    module = AnsibleModule(argument_spec=real_spec("win_powershell"), supports_check_mode=True)
    script = module.params.get("script") or ""
    if not script.startswith(MARKER):
        module.fail_json(msg="lab stand-in: win_powershell runs only oscc.admin's remote procedures here")
    if module.check_mode and "SupportsShouldProcess" not in script:
        module.exit_json(changed=False, skipped=True, msg="script does not support check mode")
    parameters = module.params.get("parameters") or {}
    procedure = parameters["Procedure"]
    params = to_here(json.loads(parameters["Json"]))
    state = State()
    state.record("win_powershell", {"procedure": procedure})
    state.save()
    twin = os.path.join(os.environ["OSCC_LAB_REPO"], "plugins", "plugin_utils", "_remote_posix.py")
    proc = subprocess.run([sys.executable, twin, procedure, json.dumps(params)], capture_output=True, check=False)
    try:
        result = to_host(json.loads(proc.stdout))
    except ValueError:
        module.fail_json(msg=f"lab stand-in: procedure {procedure} crashed: {proc.stderr.decode()[-2000:]}")
    module.exit_json(changed=bool(result.get("changed")), output=[json.dumps(result)], error=[], result={},
                     host_out="", host_err="", information=[], verbose=[], warning=[], debug=[])


if __name__ == "__main__":
    main()
