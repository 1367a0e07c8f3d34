#!/usr/bin/env python3
"""Lab test equipment: osccregistersnmpextension.exe, the OSCC tool that registers the SNMP extension agent
osccsnmp.dll with the Windows SNMP service again (manual §6.4.1), on the simulated host's registry (registry.json):
an ExtensionAgents entry under the next free number pointing at the agent's key, whose Pathname is osccsnmp.dll in
the folder the tool lies in; exit 0. Without the SNMP service installed it changes nothing and exits 1. The key's
path, the texts and the exit codes are `sim:` (the manual names only the tool).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "collections", "ansible_collections",
                                "ansible", "windows", "plugins", "module_utils"))
import lab_registry  # noqa: E402 - test equipment beside the stand-ins

AGENTS = lab_registry.SNMP + "\\ExtensionAgents"
AGENT_KEY = "SOFTWARE\\Siemens\\OSCCSNMP\\CurrentVersion"  # sim: the product's real key is not documented
OSCC_DIR = "C:\\Program Files\\OpenScape Contact Center"


def register(keys):
    agents = next((k for k in keys if k.lower() == AGENTS.lower()), None)
    if agents is None:
        return False
    if AGENT_KEY not in [entry["value"] for entry in keys[agents].values()]:
        numbers = [int(n) for n in keys[agents] if n.isdigit()]
        keys[agents][str(max(numbers, default=0) + 1)] = {"type": "String", "value": AGENT_KEY}
    keys[AGENT_KEY] = {"Pathname": {"type": "String", "value": OSCC_DIR + "\\osccsnmp.dll"}}
    return True


def main(argv):
    if argv:
        print("sim: osccregistersnmpextension takes no arguments")
        return 2
    if not lab_registry.change(register):
        print("sim: the SNMP service is not installed; osccsnmp.dll was not registered")
        return 1
    print("sim: osccsnmp.dll registered with the SNMP service")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
