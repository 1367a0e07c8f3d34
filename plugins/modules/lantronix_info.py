#!/usr/bin/python
# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: lantronix_info
short_description: Find Lantronix device servers in front of wallboards and read their settings
version_added: 0.1.0
description:
  - Manual §2 - the serial wallboards reach OSCC through Lantronix serial-to-IP converters (UDS100 class). This
    module asks one unit (O(host)) or every unit behind a broadcast address (O(broadcast)) over UDP port 30718
    (77FEh) for its type and MAC, firmware version and setup record, all questions at once.
  - Read only - it sends only the 4-byte query frames; nothing is ever written over port 30718, and the setup
    password stored in the record is never returned.
options:
  host:
    description: The address of one unit.
    type: str
  broadcast:
    description: A broadcast address to ask every unit behind, for example C(192.168.12.255).
    type: str
  port:
    description: The query port.
    type: int
    default: 30718
  timeout:
    description: Seconds to wait for answers.
    type: float
    default: 2
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
author:
  - oscc.admin maintainers (@oscc-admin)
"""

EXAMPLES = r"""
- name: Find every wallboard converter on the floor network
  oscc.admin.lantronix_info:
    broadcast: 192.168.12.255
  delegate_to: localhost
  register: wallboard_units
"""

RETURN = r"""
devices:
  description: One entry per unit that answered, sorted by address.
  returned: always
  type: list
  elements: dict
  sample: [{"ip": "192.168.12.53", "mac": "00:20:4a:ad:64:70", "device_type": "X5K", "firmware": "6.5.0.7",
            "local_port": 10001, "baud_rate": 9600, "interface_mode": "4C", "flow_control": "rts_cts",
            "netmask": "255.255.255.0", "gateway": "192.168.12.1"}]
"""

import socket

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.oscc.admin.plugins.module_utils._lantronix import parse, query
from ansible_collections.oscc.admin.plugins.module_utils._option_checks import port_problem


def main():
    module = AnsibleModule(
        argument_spec={
            "host": {"type": "str"},
            "broadcast": {"type": "str"},
            "port": {"type": "int", "default": 30718},
            "timeout": {"type": "float", "default": 2},
        },
        mutually_exclusive=[("host", "broadcast")],
        required_one_of=[("host", "broadcast")],
        supports_check_mode=True,
    )
    params = module.params
    problem = port_problem({"port": params["port"]})
    if problem:
        module.fail_json(msg=problem)
    if not 0 < params["timeout"] <= 300:
        module.fail_json(msg=f"timeout must be between 0 and 300 seconds, got {params['timeout']}")
    try:
        target = params["host"] or params["broadcast"]
        socket.getaddrinfo(target, None, socket.AF_INET)
    except socket.gaierror:
        module.fail_json(msg=f"{'host' if params['host'] else 'broadcast'}: cannot resolve {target!r}")
    answers = query([params["host"]] if params["host"] else [], params["port"], timeout=params["timeout"],
                    broadcast=params["broadcast"])
    devices = [parse(ip, replies) for ip, replies in answers.items()]
    for device in devices:
        device.pop("host_bits", None)
    devices.sort(key=lambda d: socket.inet_aton(d["ip"]))
    if params["host"] and not devices:
        module.fail_json(msg=f"no answer from {params['host']} on UDP {params['port']} within {params['timeout']}s: "
                             "the unit is off or unreachable, or its port 77FEh is disabled", devices=[])
    module.exit_json(changed=False, devices=devices)


if __name__ == "__main__":
    main()
