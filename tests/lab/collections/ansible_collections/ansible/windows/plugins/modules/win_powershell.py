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


def iis_isapi(state, p):
    """What Invoke-IisIsapi does with WebAdministration, on the simulated server's IIS objects."""
    iis, key, changes = state.data["iis"], p["site"] + p["application"], {}
    entry = iis["isapi_cgi_restrictions"].get(p["isapi_path"].lower())
    if not (entry and entry["allowed"]):
        changes["isapi_cgi_restriction"] = {"before": bool(entry and entry["allowed"]), "after": True}
        if not p["check"]:
            iis["isapi_cgi_restrictions"][p["isapi_path"].lower()] = {"allowed": True, "description": p["isapi_description"]}
    current = ",".join(sorted(x for x in iis["handlers_access"].get(key, "Read,Script").split(",") if x))
    wanted = ",".join(sorted(x.strip() for x in p["access_policy"].split(",") if x.strip()))
    if current != wanted:
        changes["access_policy"] = {"before": current, "after": wanted}
        if not p["check"]:
            iis["handlers_access"][key] = wanted
    for extension, mime in p["mime_types"].items():
        before = iis["mime_types"].get(key, {}).get(extension)
        if before != mime:
            changes[f"mime_type {extension}"] = {"before": before, "after": mime}
            if not p["check"]:
                iis["mime_types"].setdefault(key, {})[extension] = mime
    for document in p["default_documents"]:
        if document not in iis["default_documents"].get(key, []):
            changes[f"default_document {document}"] = {"before": None, "after": document}
            if not p["check"]:
                iis["default_documents"].setdefault(key, []).append(document)
    return {"changed": bool(changes), "changes": changes}


# Procedures only Windows has: simulated here on the host's state, not by the POSIX twin.
SIMULATED = {"iis_isapi": iis_isapi}


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
    if procedure in SIMULATED:
        if "iis" not in state.data:
            state.save()
            module.fail_json(msg="The term 'Import-Module WebAdministration' failed: IIS is not installed")
        result = SIMULATED[procedure](state, json.loads(parameters["Json"]))
        state.save()
        module.exit_json(changed=result["changed"], output=[json.dumps(result)], error=[], result={}, host_out="",
                         host_err="", information=[], verbose=[], warning=[], debug=[])
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
