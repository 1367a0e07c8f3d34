# Lab test equipment: what oscc.admin.snmp_service (manual §6.4) runs on a simulated Windows server besides files and
# programs: the ServerManager cmdlets Get-WindowsFeature and Install-WindowsFeature (SNMP-Service only; windows.json
# `features`), and the registry provider's Get-ItemProperty, New-ItemProperty and Remove-ItemProperty on the keys
# in the host's registry.json (a file of its own, so the simulated osccregistersnmpextension.exe can change it while
# a batch holds windows.json). Installing SNMP-Service creates the service SNMP (running, automatic) and the
# registry defaults of a fresh installation: no community, PermittedManagers 1 = localhost, the two Microsoft
# extension agents (docs/snmp.md). Only the cmdlets' documented parameters are taken. register() adds the cmdlets to
# lab_cmdlets' table; Get-ItemProperty of other paths stays lab_cmdlets' own. Standard library only.
from __future__ import annotations

import fcntl
import fnmatch
import json
import os
import re

PROVIDER = "Microsoft.PowerShell.Core\\Registry::"
SNMP = "SYSTEM\\CurrentControlSet\\Services\\SNMP\\Parameters"
FEATURES = {"SNMP-Service": "SNMP Service"}
# A fresh installation's keys (reference: Windows SNMP service registry layout; the agent DLLs of KB 128729).
FRESH = {SNMP + "\\ValidCommunities": {},
         SNMP + "\\PermittedManagers": {"1": {"type": "String", "value": "localhost"}},
         SNMP + "\\TrapConfiguration": {},
         SNMP + "\\RFC1156Agent": {"sysServices": {"type": "DWord", "value": 76}},
         SNMP + "\\ExtensionAgents": {
             "1": {"type": "String", "value": "SOFTWARE\\Microsoft\\MIBII\\CurrentVersion"},
             "2": {"type": "String", "value": "SOFTWARE\\Microsoft\\LANManagerMIB2Agent\\CurrentVersion"}},
         "SOFTWARE\\Microsoft\\MIBII\\CurrentVersion": {
             "Pathname": {"type": "ExpandString", "value": "%SystemRoot%\\System32\\inetmib1.dll"}},
         "SOFTWARE\\Microsoft\\LANManagerMIB2Agent\\CurrentVersion": {
             "Pathname": {"type": "ExpandString", "value": "%SystemRoot%\\System32\\lmmib2.dll"}}}
TYPES = {"string": "String", "dword": "DWord", "expandstring": "ExpandString", "multistring": "MultiString",
         "qword": "QWord", "binary": "Binary"}
ITEM_PROPERTY = {"Path", "LiteralPath", "Name", "Filter", "Include", "Exclude", "Credential", "UseTransaction"}


def registry_path(host_dir=None):
    return os.path.join(host_dir or os.environ["OSCC_LAB_HOST_DIR"], "registry.json")


def change(update, host_dir=None):
    """update(keys) on the host's registry under its lock, saved atomically; what it returns comes back."""
    path = registry_path(host_dir)
    with open(path + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        keys = load(host_dir)
        answer = update(keys)
        with open(path + ".tmp", "w") as handle:
            json.dump({"keys": keys}, handle, indent=1)
        os.replace(path + ".tmp", path)
    return answer


def load(host_dir=None):
    path = registry_path(host_dir)
    if not os.path.exists(path):
        return {}
    with open(path) as handle:
        return json.load(handle)["keys"]


def _key(path, Failure):
    text = str(path)
    for prefix in ("HKLM:\\", PROVIDER + "HKEY_LOCAL_MACHINE\\"):
        if text.upper().startswith(prefix.upper()):
            return text[len(prefix):].strip("\\")
    raise Failure(f"lab stand-in: registry paths under HKLM:\\ only are simulated, not {text}")


def _find(keys, pattern):
    """The keys a path names, wildcards (* and ?) per segment as the provider takes them, case-insensitively."""
    wanted = pattern.lower().split("\\")
    return [k for k in keys if len(k.split("\\")) == len(wanted)
            and all(fnmatch.fnmatchcase(part.lower(), w) for part, w in zip(k.split("\\"), wanted))]


def _row(key, values):
    parent, _sep, child = key.rpartition("\\")
    row = {name: entry["value"] for name, entry in values.items()}
    row.update({"PSPath": PROVIDER + "HKEY_LOCAL_MACHINE\\" + key, "PSParentPath": PROVIDER + "HKEY_LOCAL_MACHINE\\"
                + parent, "PSChildName": child, "PSDrive": "HKLM", "PSProvider": "Microsoft.PowerShell.Core\\Registry"})
    return row


def _value_name(values, name):
    return next((n for n in values if n.lower() == str(name).lower()), None)


def _wildcard(pattern):
    """A PowerShell wildcard pattern (* ? [...], ` escapes the next character) as a regular expression."""
    out, index, text = [], 0, str(pattern)
    while index < len(text):
        char = text[index]
        if char == "`" and index + 1 < len(text):
            index += 1
            out.append(re.escape(text[index]))
        elif char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[" and "]" in text[index:]:
            end = text.index("]", index)
            out.append("[" + re.escape(text[index + 1:end]) + "]")
            index = end
        else:
            out.append(re.escape(char))
        index += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def register(cmdlets):
    """The ServerManager and registry cmdlets, in lab_cmdlets' table (once)."""
    if "Get-WindowsFeature" in cmdlets.TABLE:
        return
    define, Failure, NotFound = cmdlets.define, cmdlets.Failure, cmdlets.NotFound
    cmdlets.BUILT_IN["servermanager"] = "ServerManager"
    uninstall = cmdlets.TABLE["Get-ItemProperty"][0].function  # the one answering before: uninstall entries, Tcpip

    @define("Get-WindowsFeature", "module:ServerManager", {"Name", "Vhd", "ComputerName", "Credential", "LogPath"})
    def get_windows_feature(session, p):
        features = session.data.get("features", {})
        names = p.get("Name") if isinstance(p.get("Name"), list) else [p.get("Name", "*")]
        return [{"Name": name, "DisplayName": display, "InstallState": features.get(name, "Available")}
                for name, display in FEATURES.items() if any(fnmatch.fnmatchcase(name.lower(), str(n).lower())
                                                              for n in names)]

    @define("Install-WindowsFeature", "module:ServerManager", {"Name", "Restart", "IncludeAllSubFeature",
                                                               "IncludeManagementTools", "Source", "ComputerName",
                                                               "Credential", "LogPath", "Vhd",
                                                               "ConfigurationFilePath"}, should_process=True)
    def install_windows_feature(session, p):
        names = p.get("Name") if isinstance(p.get("Name"), list) else [p.get("Name")]
        unknown = [n for n in names if n not in FEATURES]
        if unknown:
            raise Failure(f"ArgumentNotValid: The role, role service, or feature name is not valid: '{unknown[0]}'. "
                          "The name was not found.")
        features = session.data.setdefault("features", {})
        if features.get("SNMP-Service") != "Installed":
            features["SNMP-Service"] = "Installed"
            session.data.setdefault("services", {})["SNMP"] = {"state": "running", "start_mode": "auto"}
            change(lambda keys: keys.update({k: dict(v) for k, v in FRESH.items()}))
        return [{"Success": True, "RestartNeeded": "No", "ExitCode": "Success"}]

    @define("Get-ItemProperty", "core", ITEM_PROPERTY)
    def get_item_property(session, p):
        path = p.get("Path", p.get("LiteralPath"))
        uninstall_keys = (cmdlets.UNINSTALL.lower(), cmdlets.UNINSTALL_32.lower())
        if all(str(one).lower() in uninstall_keys for one in (path if isinstance(path, list) else [path])):
            return uninstall(session, p)
        keys = load()
        found = _find(keys, _key(path, Failure))
        if not found:
            if "*" in str(path) or "?" in str(path):
                return []
            try:  # a key another stand-in keeps (lab_cluster's Tcpip\Linkage), else none
                return uninstall(session, p)
            except Failure:
                raise NotFound(f"Cannot find path '{path}' because it does not exist.") from None
        rows = []
        for key in found:
            values = keys[key]
            if "Name" in p:
                name = _value_name(values, p["Name"])
                if name is None:
                    if "*" in str(path):
                        continue
                    raise NotFound(f"Property {p['Name']} does not exist at path {path}.")
                values = {name: values[name]}
            if values:  # a key without values gives no object
                rows.append(_row(key, values))
        return rows

    table = cmdlets.TABLE["Get-ItemProperty"]
    table.insert(0, table.pop())  # this one answers first; the uninstall entries stay lab_cmdlets'

    @define("New-ItemProperty", "core", {"Path", "LiteralPath", "Name", "PropertyType", "Value", "Force", "Filter",
                                         "Include", "Exclude", "Credential", "UseTransaction"}, should_process=True)
    def new_item_property(session, p):
        path = p.get("Path", p.get("LiteralPath"))
        key = _key(path, Failure)
        kind = TYPES.get(str(p.get("PropertyType", "String")).lower())
        if kind is None:
            raise Failure(f"lab stand-in: PropertyType {p.get('PropertyType')} is not simulated")

        def add(keys):
            found = next((k for k in keys if k.lower() == key.lower()), None)
            if found is None:
                raise Failure(f"Cannot find path '{path}' because it does not exist.")
            existing = _value_name(keys[found], p["Name"])
            if existing is not None and not p.get("Force"):
                raise Failure("The property already exists.")
            keys[found].pop(existing, None)
            value = int(p["Value"]) if kind == "DWord" else str(p["Value"])
            keys[found][str(p["Name"])] = {"type": kind, "value": value}
            return [_row(found, {str(p["Name"]): keys[found][str(p["Name"])]})]
        return change(add)

    @define("Remove-ItemProperty", "core", {"Path", "LiteralPath", "Name", "Force", "Filter", "Include", "Exclude",
                                            "Credential", "UseTransaction"}, should_process=True)
    def remove_item_property(session, p):
        path = p.get("Path", p.get("LiteralPath"))
        key = _key(path, Failure)

        def remove(keys):
            found = next((k for k in keys if k.lower() == key.lower()), None)
            if found is None:
                raise Failure(f"Cannot find path '{path}' because it does not exist.")
            # -Name takes wildcards (a backtick escapes one): every value it matches goes
            pattern = _wildcard(p["Name"])
            matched = [n for n in keys[found] if pattern.fullmatch(n)]
            if not matched:
                raise Failure(f"Property {p['Name']} does not exist at path {path}.")
            for name in matched:
                del keys[found][name]
        change(remove)
        return []
