#!/usr/bin/python
# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: snmp_query
short_description: Ask an OSCC server's SNMP agent over SNMP v2c, as the network management system will
version_added: 0.1.0
description:
  - Sends one SNMP v2c GET for C(sysDescr.0), C(sysUpTime.0) and every OID of O(oids) to the agent at O(host), with
    the community O(community), and fails unless every one of them is answered (manual §6.4).
  - A wrong community, a manager the agent does not permit, a stopped SNMP service and a closed port all look the
    same from outside - the agent stays silent - so each ends in one line naming the timeout and these causes.
  - The manual names no OID of the OSCC extension agent; its objects are defined in C(sen-oscc-mib.mib) in the OSCC
    installation folder of the main server (§6.4.1). Put the OIDs you monitor from that file in O(oids) to prove
    that the extension agent answers too.
  - Runs on the controller (delegated to C(localhost)); needs the Python library C(pysnmp) 7.x there.
options:
  host:
    description: The server whose SNMP service is asked, by name or address.
    type: str
    required: true
  port:
    description: Its SNMP port (UDP).
    type: int
    default: 161
  community:
    description: A read-only community of the agent (never C(public) or C(private) on OSCC servers, §6.4).
    type: str
    required: true
  oids:
    description: More OIDs to GET, numeric (C(1.3.6.1.4.1....)), for example those of C(sen-oscc-mib.mib).
    type: list
    elements: str
    default: []
  timeout:
    description: Seconds to wait for an answer, per try.
    type: int
    default: 2
  retries:
    description: Tries after the first when no answer comes.
    type: int
    default: 1
attributes:
  check_mode:
    support: full
    details: It only reads; it runs in check mode too.
  diff_mode:
    support: none
  platform:
    platforms: posix
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
requirements:
  - pysnmp >= 7.1 (on the controller)
author:
  - oscc.admin maintainers (@oscc-admin)
"""

EXAMPLES = r"""
- name: Prove that the main server's SNMP agent answers the monitoring community
  oscc.admin.snmp_query:
    host: oscc-main.contact.example.com
    community: "{{ vault_oscc_snmp_community }}"
    timeout: 2
    retries: 1
  delegate_to: localhost
"""

RETURN = r"""
sys_descr:
  description: The agent's C(sysDescr.0).
  returned: success
  type: str
  sample: "Hardware: Intel64 Family 6 ... Software: Windows Version 6.3 (Build 17763 Multiprocessor Free)"
sys_uptime:
  description: The agent's C(sysUpTime.0) in hundredths of a second.
  returned: success
  type: int
  sample: 8640000
oid_values:
  description: Every OID asked (numeric) with its value as text.
  returned: success
  type: dict
  sample: {"1.3.6.1.2.1.1.1.0": "Hardware: ...", "1.3.6.1.2.1.1.3.0": "8640000"}
"""

import asyncio
import re
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

try:
    from pysnmp.hlapi.v3arch.asyncio import (
        CommunityData,
        ContextData,
        ObjectIdentity,
        ObjectType,
        SnmpEngine,
        UdpTransportTarget,
        get_cmd,
    )
    from pysnmp.proto.rfc1905 import EndOfMibView, NoSuchInstance, NoSuchObject
except ImportError:
    PYSNMP_ERROR = traceback.format_exc()
else:
    PYSNMP_ERROR = None

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
_NUMERIC_OID = re.compile(r"\.?[0-2](\.(0|[1-9][0-9]*))+")
_V2C = 1  # pysnmp's mpModel for SNMP v2c (0 is v1)


def options_problem(params) -> str | None:
    """The error for the first option that cannot be sent, else None."""
    if not params["community"] or re.search(r"[\x00-\x1f\x7f]", params["community"]):
        return "community must be a community name of the agent, one line and not empty"
    bad = [oid for oid in params["oids"] if not _NUMERIC_OID.fullmatch(oid)]
    if bad:
        return f"oids: {', '.join(map(repr, bad))} are not numeric OIDs such as 1.3.6.1.4.1.4329.1.0"
    if params["timeout"] < 1 or params["retries"] < 0 or not 0 < params["port"] < 65536:
        return "timeout must be at least 1, retries at least 0 and port between 1 and 65535"
    return None


async def _get(params, oids):
    engine = SnmpEngine()
    try:
        target = await UdpTransportTarget.create((params["host"], params["port"]), timeout=params["timeout"],
                                                 retries=params["retries"])
        return await get_cmd(engine, CommunityData(params["community"], mpModel=_V2C), target, ContextData(),
                             *[ObjectType(ObjectIdentity(oid)) for oid in oids])
    finally:
        engine.close_dispatcher()


def query(params) -> tuple[dict | None, str | None]:
    """(values by OID, None) when every OID was answered, else (None, the reason in one line)."""
    oids = [SYS_DESCR, SYS_UPTIME] + [oid.lstrip(".") for oid in params["oids"]]
    where = f"{params['host']}:{params['port']}"
    try:
        indication, status, index, bindings = asyncio.run(_get(params, oids))
    except Exception as exc:  # a name that does not resolve, a socket refused by the controller's own stack
        return None, f"SNMP to {where} could not be sent: {' '.join(str(exc).split())}"
    if indication:
        tries = params["retries"] + 1
        return None, (f"no SNMP v2c answer from {where} within {params['timeout']} s x {tries} tries "
                      f"({indication}): the SNMP service is not running, this controller is not one of its permitted "
                      "managers, or the community is not one of its communities")
    if status:
        return None, f"the SNMP agent at {where} answered {status.prettyPrint()} at OID {index}"
    values, missing = {}, []
    for oid, (_name, value) in zip(oids, bindings):
        if isinstance(value, (NoSuchObject, NoSuchInstance, EndOfMibView)):
            missing.append(oid)
        else:
            values[oid] = value.prettyPrint()
    if missing:
        return None, f"the SNMP agent at {where} has no object at {', '.join(missing)} (No Such Object)"
    return values, None


def main():
    module = AnsibleModule(
        argument_spec={"host": {"type": "str", "required": True}, "port": {"type": "int", "default": 161},
                       "community": {"type": "str", "required": True, "no_log": True},
                       "oids": {"type": "list", "elements": "str", "default": []},
                       "timeout": {"type": "int", "default": 2}, "retries": {"type": "int", "default": 1}},
        supports_check_mode=True)
    if PYSNMP_ERROR:
        module.fail_json(msg=missing_required_lib("pysnmp"), exception=PYSNMP_ERROR)
    problem = options_problem(module.params)
    if problem:
        module.fail_json(msg=problem)
    values, problem = query(module.params)
    if problem:
        module.fail_json(msg=problem)
    module.exit_json(changed=False, sys_descr=values[SYS_DESCR], sys_uptime=int(values[SYS_UPTIME]),
                     oid_values=values)


if __name__ == "__main__":
    main()
