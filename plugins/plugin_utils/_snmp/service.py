# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: The Windows SNMP service of an OSCC main or central report server (manual §6.4): the feature, the
# communities (read-only, never public or private), the permitted managers (exactly the inventory's), the OSCC
# extension agent (§6.4.1) and the CAP FM configuration file (§6.4.2). The reads, what differs, and the operations
# that change it, planned from what one read batch answered. No I/O.
from __future__ import annotations

import ntpath

from ansible_collections.oscc.admin.plugins.module_utils._option_checks import host_problem
from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._host.cmdlet import CmdletError, cmdlet, first, objects

FEATURE = "SNMP-Service"
SERVICE = "SNMP"
PARAMETERS = "HKLM:\\SYSTEM\\CurrentControlSet\\Services\\SNMP\\Parameters"
COMMUNITIES = PARAMETERS + "\\ValidCommunities"
MANAGERS = PARAMETERS + "\\PermittedManagers"
AGENTS = PARAMETERS + "\\ExtensionAgents"
# Where extension agents keep their DLL: SOFTWARE\<vendor>\<agent>\CurrentVersion, value Pathname (KB 128729).
AGENT_KEYS = "HKLM:\\SOFTWARE\\*\\*\\CurrentVersion"
AGENT_DLL = "osccsnmp.dll"
REGISTER_TOOL = "osccregistersnmpextension.exe"
# ValidCommunities' DWORD rights: 4 is READ ONLY (1 NONE, 2 NOTIFY, 8 READ WRITE, 16 READ CREATE).
READ_ONLY = 4
REFUSED_COMMUNITIES = ("public", "private")
# A fresh installation permits localhost only (the feature's own defaults, before anything is set).
FRESH_MANAGERS = {"1": "localhost"}
# Properties the registry provider adds to what Get-ItemProperty returns; they are no values of the key.
PROVIDER_PROPERTIES = ("PSPath", "PSParentPath", "PSChildName", "PSDrive", "PSProvider")
CAPFM_FILES = {"all": "capfm_procenter.ini", "noc": "capfm_procenter_service.ini"}


def options_problem(args: dict) -> str | None:
    """The error for the first option the service must not get, else None: no community, public or private, an
    empty list of managers (Windows then answers every host), a manager that is no host name or address."""
    communities = args["communities"]
    if not communities:
        return "communities must name at least one community (never public or private, manual §6.4)"
    for index, community in enumerate(communities):
        text = str(community)
        if text.strip().lower() in REFUSED_COMMUNITIES:
            return (f"communities[{index}] is {text.strip().lower()!r}, which the manual forbids (§6.4); "
                    "choose a community name of your own and keep it in a vault")
        if not text.strip() or any(ord(char) < 32 or ord(char) == 127 for char in text) or text != text.strip():
            return f"communities[{index}] must be a name without control characters or spaces around it"
    folded = [str(c).casefold() for c in communities]
    if len(set(folded)) != len(folded):
        return "communities: names that differ only in case are one registry value on Windows; list each once"
    managers = args["permitted_managers"]
    if not managers:
        return ("permitted_managers must list the hosts allowed to ask (manual §6.4); an empty list would let "
                "every host ask")
    for index, manager in enumerate(managers):
        problem = host_problem(f"permitted_managers[{index}]", manager)
        if problem:
            return problem
    if args.get("capfm_messages") and not (args.get("capfm_config") and args.get("capfm_source")):
        return ("capfm_messages needs capfm_config (the file CAP FM reads) and capfm_source "
                "(the DVD's \\Utilities\\Install)")
    return None


def wildcard_literal(name: str) -> str:
    """A value name as Remove-ItemProperty's -Name reads it literally: that parameter takes wildcards, so * ? [ ] and
    the escape character ` itself are escaped with ` (WildcardPattern.Escape); a stray community named `*` would
    otherwise remove every community."""
    return "".join("`" + char if char in "*?[]`" else char for char in str(name))


def _registry(name, **parameters):
    return cmdlet(name, ErrorAction="SilentlyContinue", **parameters)


def read_ops(args: dict) -> Batch:
    """Everything the plan needs, in one batch."""
    reads = Batch().add("feature", cmdlet("Get-WindowsFeature", module="ServerManager", Name=FEATURE,
                                          select=["Name", "InstallState"]))
    reads.add("communities", _registry("Get-ItemProperty", Path=COMMUNITIES))
    reads.add("managers", _registry("Get-ItemProperty", Path=MANAGERS))
    if args["extension_agent"]:
        reads.add("agents", _registry("Get-ItemProperty", Path=AGENTS))
        reads.add("agent_keys", _registry("Get-ItemProperty", Path=AGENT_KEYS, Name="Pathname",
                                          select=["PSPath", "Pathname"]))
        reads.add("tool", {"op": "stat", "path": register_tool(args)})
    if args.get("capfm_messages"):
        reads.add("capfm", {"op": "read", "path": args["capfm_config"], "encoding": "latin-1"})
        reads.add("capfm_source", {"op": "read", "path": capfm_source(args), "encoding": "latin-1"})
    return reads


def register_tool(args: dict) -> str:
    return ntpath.join(args["oscc_dir"], REGISTER_TOOL)


def capfm_source(args: dict) -> str:
    return ntpath.join(args["capfm_source"], CAPFM_FILES[args["capfm_messages"]])


def _values(found) -> dict:
    """A key's values from Get-ItemProperty's object: the provider's own properties left out."""
    return {k: v for k, v in (found or {}).items() if k not in PROVIDER_PROPERTIES}


def _key_of(ps_path: str) -> str:
    """'...Registry::HKEY_LOCAL_MACHINE\\SOFTWARE\\X\\Y' -> 'software\\x\\y', as ExtensionAgents names keys."""
    path = str(ps_path).split("::", 1)[-1]
    for prefix in ("HKEY_LOCAL_MACHINE\\", "HKLM:\\", "HKLM\\"):
        if path.upper().startswith(prefix.upper()):
            path = path[len(prefix):]
    return path.strip("\\").lower()


def current_from(reads: Batch, done: dict) -> dict:
    """What the server has, from the read batch's results; a failed read is one line naming it."""
    failed = reads.failed(done)
    if failed:
        raise CmdletError(failed.line())
    results = reads.results(done)
    feature = first(results, "feature")
    if feature is None:
        raise CmdletError(f"Get-WindowsFeature knows no feature {FEATURE} on this server")
    installed = str(feature.get("InstallState")) == "Installed"
    current = {"installed": installed,
               "communities": _values(first(results, "communities")) if installed else {},
               "managers": {k: str(v) for k, v in _values(first(results, "managers")).items()}
               if installed else dict(FRESH_MANAGERS)}
    if "agents" in reads.names:
        dlls = {_key_of(row.get("PSPath")): ntpath.basename(str(row.get("Pathname") or "")).lower()
                for row in objects(results, "agent_keys") or []}
        agents = _values(first(results, "agents")) if installed else {}
        # Uninstalling the SNMP service deregisters the agent (§6.4.1): after a fresh installation it is missing.
        current["agent"] = any(dlls.get(_key_of(key)) == AGENT_DLL for key in agents.values())
        tool = results["tool"]
        current["tool"] = bool(tool["exists"] and not tool["dir"])
    if "capfm" in reads.names:
        current["capfm"] = results["capfm"]
        current["capfm_source"] = results["capfm_source"]
    return current


def wanted_managers(managers: list) -> dict:
    """Value names 1..n as Windows numbers them, each host once (host names compare case-insensitively)."""
    seen, numbered = set(), {}
    for manager in managers:
        if str(manager).lower() not in seen:
            seen.add(str(manager).lower())
            numbered[str(len(numbered) + 1)] = str(manager)
    return numbered


def plan(args: dict, current: dict) -> tuple[dict, list, dict]:
    """(changes, operations, diff): what differs, the operations that change it in order, and before/after for
    --diff. Communities are credentials of SNMP v2c: changes and diff count them, never name them."""
    changes, ops = {}, []
    if not current["installed"]:
        changes["feature"] = {"before": "Available", "after": "Installed"}
        ops.append(cmdlet("Install-WindowsFeature", module="ServerManager", Name=FEATURE,
                          select=["Success", "RestartNeeded"]))
    have = current["communities"]
    wanted = list(dict.fromkeys(args["communities"]))
    removed = [name for name in have if name not in wanted]
    added = [name for name in wanted if name not in have]
    rights = [name for name in wanted if name in have and str(have[name]) != str(READ_ONLY)]
    for name in removed:
        ops.append(cmdlet("Remove-ItemProperty", Path=COMMUNITIES, Name=wildcard_literal(name)))
    for name in added + rights:
        ops.append(cmdlet("New-ItemProperty", Path=COMMUNITIES, Name=name, Value=READ_ONLY, PropertyType="DWord",
                          Force=True))
    if removed or added or rights:
        refused_removed = sorted({n.strip().lower() for n in removed} & set(REFUSED_COMMUNITIES))
        changes["communities"] = {"removed": len(removed), "added": len(added), "made_read_only": len(rights),
                                  "public_or_private_removed": refused_removed}
    managers = wanted_managers(args["permitted_managers"])
    before = current["managers"]
    if before != managers:
        changes["permitted_managers"] = {"before": [before[k] for k in sorted(before, key=_number)],
                                         "after": list(managers.values())}
        for name in [n for n in before if n not in managers]:
            ops.append(cmdlet("Remove-ItemProperty", Path=MANAGERS, Name=wildcard_literal(name)))
        for name, host in managers.items():
            if before.get(name) != host:
                ops.append(cmdlet("New-ItemProperty", Path=MANAGERS, Name=name, Value=host, PropertyType="String",
                                  Force=True))
    restart = False
    if args["extension_agent"] and not current["agent"]:
        changes["extension_agent"] = {"before": "missing", "after": "registered"}
        # The manual's own way to register osccsnmp.dll again (§6.4.1); the service reads its agents at start.
        ops.append({"op": "run", "argv": [register_tool(args)], "cwd": args["oscc_dir"], "timeout": args["timeout"],
                    "ok_rc": [0]})
        restart = True
    managers_before = changes.get("permitted_managers", {}).get("before", list(before.values()))
    diff = {"before": {"permitted_managers": managers_before},
            "after": {"permitted_managers": list(managers.values())}}
    if args.get("capfm_messages"):
        capfm, source = current["capfm"], current["capfm_source"]
        if capfm.get("sha256") != source.get("sha256"):
            changes["capfm"] = {"before": "other" if capfm.get("exists") else "missing",
                                "after": CAPFM_FILES[args["capfm_messages"]]}
            ops.append({"op": "write", "path": args["capfm_config"], "content": source["content"],
                        "encoding": "latin-1", "expected_sha256": capfm.get("sha256") or "", "backup": True})
            diff["before"]["capfm"] = capfm.get("content") or ""
            diff["after"]["capfm"] = source["content"]
    return changes, ops, {"restart_needed": restart, "diff": diff}


def _number(name: str):
    return (0, int(name)) if str(name).isdigit() else (1, str(name))


def source_problem(args: dict, current: dict) -> str | None:
    """What the server lacks for the plan, in one line, else None: the registration tool, the CAP FM file."""
    if args["extension_agent"] and not current["agent"] and not current["tool"]:
        return (f"the OSCC extension agent is not registered and {register_tool(args)} is not there to register it "
                "(manual §6.4.1); check oscc_dir")
    if args.get("capfm_messages") and not current["capfm_source"].get("exists"):
        return f"capfm_source: {capfm_source(args)} does not exist (the DVD's \\Utilities\\Install, manual §6.4.2)"
    return None


def applied_problem(apply: Batch, done: dict) -> str | None:
    failed = apply.failed(done)
    if failed:
        return failed.line(lambda op: op.get("name") or " ".join(op.get("argv", [])) or op["op"])
    return None
