# Lab test equipment: what the replication preflight (manual §7.3 steps 1-3) reads on a simulated Windows server
# besides files and programs: the system environment variables (the executor's env operation with scope machine,
# from windows.json's machine_environment) and the DnsClient / Microsoft.PowerShell.Management cmdlets
# Resolve-DnsName and Test-Connection, answered from the lab-wide <root>/dns.json (forward, reverse, the hosts at
# each address, the unreachable addresses). Only the cmdlets' documented parameters are taken. register() adds the
# cmdlets to lab_cmdlets' table (this file imports nothing of it, so both load alone). Standard library only.
from __future__ import annotations

import ipaddress
import json
import os
import socket

RESOLVE_DNS_NAME = {"Name", "Type", "Server", "DnsOnly", "CacheOnly", "DnssecOk", "DnssecCd", "NoHostsFile",
                    "LlmnrNetbiosOnly", "LlmnrFallback", "LlmnrOnly", "NetbiosFallback", "NoIdn", "NoRecursion",
                    "QuickTimeout", "TcpOnly"}
# Windows PowerShell 5.1's Test-Connection.
TEST_CONNECTION = {"ComputerName", "Count", "Quiet", "AsJob", "DcomAuthentication", "WsmanAuthentication", "Protocol",
                   "BufferSize", "Delay", "Impersonation", "ThrottleLimit", "TimeToLive", "Source", "Credential"}
TTL = 3600


def dns(host_dir=None):
    """The lab's names and addresses (labctl.init_dns)."""
    host_dir = host_dir or os.environ["OSCC_LAB_HOST_DIR"]
    with open(os.path.join(os.path.dirname(host_dir), "dns.json")) as handle:
        return json.load(handle)


def machine_env(data, op):
    """The env operation with scope machine: System Properties' system variables (names compare case-insensitively,
    as Windows' do), and the computer's name as the POSIX executor gives it."""
    machine = data.get("machine_environment") or {}
    values = {}
    for name in op.get("names") or []:
        values[name] = next((v for k, v in machine.items() if k.lower() == str(name).lower()), None)
    return {"op": "env", "ok": True, "values": values, "computer_name": socket.gethostname()}


def _address(text):
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def forward(table, name):
    return next((a for n, a in table["forward"].items() if n.lower() == str(name).lower().rstrip(".")), None)


def register(cmdlets):
    """Resolve-DnsName and Test-Connection, in lab_cmdlets' table (once)."""
    if "Resolve-DnsName" in cmdlets.TABLE:
        return
    define, Failure, NotFound = cmdlets.define, cmdlets.Failure, cmdlets.NotFound

    @define("Resolve-DnsName", "module:DnsClient", RESOLVE_DNS_NAME)
    def resolve_dns_name(session, p):
        """-Type A: objects with Name and IPAddress; -Type PTR (an address, or its in-addr.arpa name): objects
        with Name and NameHost. A name without an answer: "<name> : DNS name does not exist"."""
        table, name, kind = dns(), str(p.get("Name", "")), str(p.get("Type", "A_AAAA")).upper()
        if kind in ("A", "A_AAAA"):
            address = _address(name) or forward(table, name)
            if address is None:
                raise NotFound(f"{name} : DNS name does not exist")
            return [{"Name": name, "Type": "A", "TTL": TTL, "Section": "Answer", "IPAddress": address}]
        if kind == "PTR":
            address = _address(name)
            if address is None and name.lower().endswith(".in-addr.arpa"):
                address = _address(".".join(reversed(name[:-len(".in-addr.arpa")].split("."))))
            if address is None:
                raise NotFound(f"{name} : DNS name does not exist")
            arpa = ipaddress.ip_address(address).reverse_pointer
            host = table["reverse"].get(address)
            if host is None:
                raise NotFound(f"{arpa} : DNS name does not exist")
            return [{"Name": arpa, "Type": "PTR", "TTL": TTL, "Section": "Answer", "NameHost": host}]
        raise Failure(f"lab stand-in: Resolve-DnsName -Type {kind} is not simulated (A, PTR)")

    @define("Test-Connection", "core", TEST_CONNECTION)
    def test_connection(session, p):
        """One Win32_PingStatus object per reply (Address, IPV4Address, ResponseTime, StatusCode 0); no reply is a
        non-terminating error. With -Quiet it returns one boolean, which has no properties: the executor's
        Select-Object gives an object without any, so -Quiet tells a caller nothing through it."""
        table = dns()
        names = p.get("ComputerName", [])
        count = int(p.get("Count", 4))
        found = []
        for name in names if isinstance(names, list) else [names]:
            address = _address(str(name)) or forward(table, name)
            reply = address is not None and address in table["hosts"] and address not in table["unreachable"]
            if p.get("Quiet"):
                found.append({})
                continue
            if address is None:
                raise NotFound(f"Testing connection to computer '{name}' failed: No such host is known")
            if not reply:
                raise NotFound(f"Testing connection to computer '{name}' failed: Error due to lack of resources")
            found += [{"Address": str(name), "IPV4Address": address, "ResponseTime": 0, "StatusCode": 0,
                       "Source": socket.gethostname()} for _ in range(max(count, 1))]
        return found
