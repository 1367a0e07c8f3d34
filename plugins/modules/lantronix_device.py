#!/usr/bin/python
# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: lantronix_device
short_description: Make a Lantronix device server in front of a wallboard match its inventory
version_added: 0.1.0
description:
  - Manual §2.2 - the static address of the converter and its channel 1 local port (the port OSCC's wallboard
    server connects to, step 9), and the serial settings of the wallboard line.
  - Reads the unit first over UDP port 30718 (read only). When everything matches, nothing else happens - saving
    reboots the unit and interrupts the wallboard, so an unneeded save is avoided.
  - Otherwise walks the telnet setup menu (O(setup_port)), answering each prompt by what it asks (never by
    counting prompts or matching menu labels), Y/N prompts with a single keypress, then stores with C(9). The unit
    reboots; the module waits for it to answer again and checks the new values.
  - The setup port greets with an invitation to press Enter for Setup Mode, worded differently by firmware generation
    (6.x and older UDS firmware); it is recognised by that meaning, not by one sentence. A port that greets with
    anything else gets nothing sent and the task fails naming what it said.
  - A unit without an address (O(host) silent, O(mac) and O(ip) given) gets O(ip) the way the vendor describes - a
    static ARP entry for O(mac) and a knock on TCP port 1 - which needs root on the controller and the controller on
    the unit's network segment.
options:
  host:
    description: The unit's current address; default O(ip).
    type: str
  mac:
    description: The unit's MAC address; checked against what the unit reports.
    type: str
  ip:
    description: The static address the unit must have.
    type: str
  netmask:
    description: Its netmask.
    type: str
  gateway:
    description: Its gateway; an empty string removes it.
    type: str
  local_port:
    description: Channel 1 local port - where OSCC's wallboard server connects (not 9999 or 30718).
    type: int
  baud_rate:
    description: Channel 1 baud rate.
    type: int
    choices: [300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600]
  interface_mode:
    description: Channel 1 I/F mode byte in hex, for example C(4C) (8 data bits, no parity, 1 stop bit).
    type: str
  flow_control:
    description: Channel 1 flow control.
    type: str
    choices: [none, xon_xoff, rts_cts, xon_xoff_host]
  setup_password:
    description: The setup password, if the unit has one (at most 4 printable ASCII characters, as the unit stores it).
    type: str
  setup_port:
    description: The telnet setup port.
    type: int
    default: 9999
  query_port:
    description: The 77FEh query port.
    type: int
    default: 30718
  timeout:
    description: Seconds for each answer; the unit may take three times as long to come back after a save.
    type: float
    default: 10
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: posix
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
author:
  - oscc.admin maintainers (@oscc-admin)
"""

EXAMPLES = r"""
- name: Wallboard converter of floor 1 on its static address, port 10001, 9600 baud
  oscc.admin.lantronix_device:
    host: 192.168.12.53
    mac: 00:20:4a:ad:64:70
    ip: 192.168.12.53
    netmask: 255.255.255.0
    gateway: 192.168.12.1
    local_port: 10001
    baud_rate: 9600
    setup_password: "{{ vault_wallboard_setup_password }}"
  delegate_to: localhost
"""

RETURN = r"""
before:
  description: The unit's settings before the task.
  returned: when the unit answered
  type: dict
after:
  description: The unit's settings after the task (as read back after the reboot).
  returned: when the unit answered
  type: dict
rebooted:
  description: Whether the unit stored new settings and rebooted.
  returned: always
  type: bool
"""

import ipaddress
import os
import re
import socket
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.oscc.admin.plugins.module_utils import _lantronix as lx
from ansible_collections.oscc.admin.plugins.module_utils._option_checks import port_problem

FLOW_CODES = {"none": "00", "xon_xoff": "01", "rts_cts": "02", "xon_xoff_host": "05"}
MANAGED = ("ip", "netmask", "gateway", "local_port", "baud_rate", "interface_mode", "flow_control")


def validate(module):
    p = module.params
    for option in ("host", "ip", "gateway", "netmask"):
        if p[option]:
            try:
                ipaddress.IPv4Address(p[option])
            except ValueError:
                module.fail_json(msg=f"{option} must be an IPv4 address, got {p[option]!r}")
    if p["netmask"]:
        try:
            lx.host_bits_of(p["netmask"])
        except ValueError:
            module.fail_json(msg=f"netmask must be a contiguous netmask such as 255.255.255.0, got {p['netmask']!r}")
    if p["mac"] and not re.fullmatch(r"[0-9A-Fa-f]{2}([:-]?[0-9A-Fa-f]{2}){5}", p["mac"]):
        module.fail_json(msg=f"mac must be six hex bytes such as 00:20:4a:ad:64:70, got {p['mac']!r}")
    problem = port_problem({option: p[option] for option in ("setup_port", "query_port", "local_port")})
    if problem:
        module.fail_json(msg=problem)
    if p["local_port"] in lx.RESERVED_PORTS:
        module.fail_json(msg=f"local_port {p['local_port']} is reserved by the unit (9999 setup, 30718 queries)")
    if p["interface_mode"] is not None and not re.fullmatch(r"[0-9A-Fa-f]{2}", p["interface_mode"]):
        module.fail_json(msg=f"interface_mode must be one hex byte such as 4C, got {p['interface_mode']!r}")
    if not (p["host"] or p["ip"]):
        module.fail_json(msg="host or ip is required")
    if not 0 < p["timeout"] <= 300:
        module.fail_json(msg=f"timeout must be between 0 and 300 seconds, got {p['timeout']}")
    password = p["setup_password"]
    if password is not None and (len(password) > lx.PASSWORD_LENGTH or not password.isascii()
                                 or not password.isprintable()):
        # the unit stores bytes 8-11 of its setup record: a longer one could never be answered (not shown)
        module.fail_json(msg=f"setup_password must be at most {lx.PASSWORD_LENGTH} printable ASCII characters, "
                             f"as the unit stores it; got {len(password)} characters")


def wanted_values(p):
    wanted = {}
    if p["ip"]:
        wanted["ip"] = p["ip"]
    if p["netmask"]:
        wanted["netmask"] = p["netmask"]
    if p["gateway"] is not None:
        wanted["gateway"] = p["gateway"] or "0.0.0.0"
    for option in ("local_port", "baud_rate", "flow_control"):
        if p[option] is not None:
            wanted[option] = p[option]
    if p["interface_mode"]:
        wanted["interface_mode"] = p["interface_mode"].upper()
    return wanted


def menu_answers(differences, current, p):
    """What the menu walk enters: the server walk takes all three address fields together."""
    answers = {}
    if {"ip", "netmask", "gateway"} & set(differences):
        answers["ip"] = p["ip"] or current["ip"]
        gateway = p["gateway"] if p["gateway"] is not None else current["gateway"]
        answers["gateway"] = None if gateway in ("", "0.0.0.0") else gateway
        answers["host_bits"] = lx.host_bits_of(p["netmask"]) if p["netmask"] else current["host_bits"]
    for key in ("local_port", "baud_rate", "interface_mode"):
        if key in differences:
            answers[key] = differences[key]
    if "flow_control" in differences:
        answers["flow_control"] = FLOW_CODES[differences["flow_control"]]
    return answers


def assign_by_mac(module, ip, mac):
    """The vendor's method for a unit without an address: a static ARP entry, then a knock on TCP port 1."""
    if os.geteuid() != 0:
        module.fail_json(msg=f"no unit answers at {ip}; assigning it to {mac} needs root on the controller "
                             "(a static ARP entry) and the controller on the unit's network segment")
    ip_tool = module.get_bin_path("ip", required=True)
    route = module.run_command([ip_tool, "route", "get", ip])[1]
    device = re.search(r"\bdev (\S+)", route)
    if not device or " via " in route or device.group(1) == "lo":
        module.fail_json(msg=f"no unit answers at {ip}; assigning it by MAC needs the controller on the unit's "
                             f"network segment, but {ip} is not on a directly connected Ethernet "
                             f"({route.strip() or 'no route'})")
    neighbour = [ip_tool, "neigh", "replace", ip, "lladdr", mac, "dev", device.group(1), "nud", "permanent"]
    rc, _out, err = module.run_command(neighbour)
    if rc != 0:
        module.fail_json(msg=f"could not add the ARP entry for {mac} at {ip}: {err.strip()}")
    try:
        socket.create_connection((ip, 1), timeout=3).close()
    except OSError:
        pass  # the knock fails by design; the unit takes the address from it


def read_unit(host, p, timeout):
    answers = lx.query([host], p["query_port"], ops=(0xF6, 0xF8), timeout=timeout).get(host)
    return lx.parse(host, answers) if answers and 0xF8 in answers else None


def main():
    module = AnsibleModule(
        argument_spec={
            "host": {"type": "str"},
            "mac": {"type": "str"},
            "ip": {"type": "str"},
            "netmask": {"type": "str"},
            "gateway": {"type": "str"},
            "local_port": {"type": "int"},
            "baud_rate": {"type": "int", "choices": sorted(lx.BAUD_CODES)},
            "interface_mode": {"type": "str"},
            "flow_control": {"type": "str", "choices": list(FLOW_CODES)},
            "setup_password": {"type": "str", "no_log": True},
            "setup_port": {"type": "int", "default": 9999},
            "query_port": {"type": "int", "default": 30718},
            "timeout": {"type": "float", "default": 10},
        },
        supports_check_mode=True,
    )
    validate(module)
    p = module.params
    host = p["host"] or p["ip"]
    current = read_unit(host, p, min(p["timeout"], 3))
    if current is None and p["mac"] and p["ip"] and not module.check_mode:
        assign_by_mac(module, p["ip"], p["mac"].replace("-", ":").lower())
        host = p["ip"]
        current = read_unit(host, p, p["timeout"])
    if current is None:
        module.fail_json(msg=f"unreachable: no answer from {host} on UDP {p['query_port']}: "
                             "the unit is off or unreachable, or its port 77FEh is disabled", rebooted=False)
    if p["mac"] and re.sub(r"[:-]", "", current["mac"] or "") != re.sub(r"[:-]", "", p["mac"]).lower():
        module.fail_json(msg=f"{host} has MAC {current['mac']}, not {p['mac']}: the inventory names another unit",
                         rebooted=False)
    before = {k: current[k] for k in MANAGED}
    differences = {k: v for k, v in wanted_values(p).items() if before.get(k) != v}
    result = {"changed": bool(differences), "before": before, "after": before, "rebooted": False}
    if differences and module._diff:
        result["diff"] = {"before": "".join(f"{k}: {before[k]}\n" for k in differences),
                          "after": "".join(f"{k}: {v}\n" for k, v in differences.items())}
    if not differences or module.check_mode:
        if module.check_mode and differences:
            result["after"] = {**before, **differences}
        module.exit_json(**result)
    try:
        lx.configure(host, p["setup_port"], p["setup_password"], menu_answers(differences, current, p), p["timeout"])
    except lx.LantronixError as exc:
        module.fail_json(msg=str(exc), **result)
    result["rebooted"] = True
    new_host = p["ip"] or host
    deadline = time.monotonic() + 3 * p["timeout"]
    after = None
    while after is None and time.monotonic() < deadline:
        time.sleep(0.5)
        after = read_unit(new_host, p, 1)
    if after is None:
        module.fail_json(msg=f"timeout: {new_host} did not answer within {3 * p['timeout']:.0f}s after saving; "
                             "check the unit before the wallboard is used", **result)
    result["after"] = {k: after[k] for k in MANAGED}
    wrong = {k: result["after"].get(k) for k, v in wanted_values(p).items() if result["after"].get(k) != v}
    if wrong:
        module.fail_json(msg=f"{new_host} came back with other values than were set: {wrong}", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
