"""lantronix_info and lantronix_device against the emulated units (manual chapter 2)."""
import random
import time

import lantronix
import pytest
from playbook_lab import Lab

# last octet, MAC, menu style, setup password; the first three octets differ per test (parallel workers)
UNITS = [("51", "00:20:4a:00:00:51", "xport", ""), ("52", "00:20:4a:00:00:52", "uds100", ""),
         ("53", "00:20:4a:00:00:53", "xport", "wb42")]
HUNG = ("54", "00:20:4a:00:00:54")  # answers queries, never its setup menu


def start_fleet():
    base = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}"
    units = [lantronix.Unit(f"{base}.{last}", mac, style=style, password=password, local_port=10001 + i)
             for i, (last, mac, style, password) in enumerate(UNITS)]
    units.append(lantronix.Unit(f"{base}.{HUNG[0]}", HUNG[1], local_port=10004, stall_setup=True))
    started = lantronix.Fleet(units).start()
    started.at = lambda last: f"{base}.{last}"
    return started


@pytest.fixture
def fleet():
    started = start_fleet()
    yield started
    started.stop()


@pytest.fixture(scope="module")
def shared_fleet():
    """One fleet for the tables of refusals: none of their rows saves, so none changes a unit for the next."""
    started = start_fleet()
    yield started
    started.stop()


def device_args(fleet, **extra):
    return {"host": fleet.at(51), "query_port": fleet.query_port, "setup_port": fleet.setup_port, "timeout": 5, **extra}


def test_discovery_finds_every_unit_with_its_mac_and_port(linux_lab, fleet, tmp_path):
    _, result = linux_lab.task("oscc.admin.lantronix_info", {"broadcast": "127.255.255.255", "port": fleet.query_port,
                                                             "timeout": 1}, tmp_path)
    found = {d["ip"]: (d["mac"], d["local_port"], d["device_type"], d["firmware"]) for d in result["devices"]
             if d["ip"] != fleet.at(HUNG[0])}
    assert found == {fleet.at(51): ("00:20:4a:00:00:51", 10001, "X5K", "6.5.0.7"),
                     fleet.at(52): ("00:20:4a:00:00:52", 10002, "3Q", "5.8.0.1"),
                     fleet.at(53): ("00:20:4a:00:00:53", 10003, "X5K", "6.5.0.7")}
    assert all("password" not in str(d) and "wb42" not in str(d) for d in result["devices"])


@pytest.mark.parametrize("last", [51, 52])  # the 6.x menu and the older UDS100 labels
def test_only_what_differs_is_changed_then_nothing(linux_lab, fleet, tmp_path, last):
    ip = fleet.at(last)
    unit = fleet.units[ip]
    args = device_args(fleet, host=ip, local_port=10020, baud_rate=19200, flow_control="xon_xoff",
                       interface_mode="4C", netmask="255.255.255.0")
    # The change and the run after it back to back in one playbook: one save in all.
    _, (result, again) = linux_lab.tasks([("oscc.admin.lantronix_device", args, {"diff": True}),
                                          ("oscc.admin.lantronix_device", args)], tmp_path)
    assert result["changed"] and result["rebooted"] and unit.saves == 1
    assert result["after"]["local_port"] == 10020 and result["after"]["baud_rate"] == 19200
    assert result["after"]["flow_control"] == "xon_xoff" and result["after"]["ip"] == ip
    assert unit.values()["gateway"] == "0.0.0.0" and unit.values()["host_bits"] == 8
    assert not again["changed"] and not again["rebooted"] and unit.saves == 1


def test_a_new_address_and_the_password(linux_lab, fleet, tmp_path):
    args = device_args(fleet, host=fleet.at(53), ip=fleet.at(63), gateway="127.0.0.1", setup_password="wb42")
    _, result = linux_lab.task("oscc.admin.lantronix_device", args, tmp_path)
    assert result["changed"] and result["after"]["ip"] == fleet.at(63) and result["after"]["gateway"] == "127.0.0.1"
    assert "wb42" not in str(result)


def test_check_mode_never_saves(linux_lab, fleet, tmp_path):
    _, result = linux_lab.task("oscc.admin.lantronix_device", device_args(fleet, local_port=10030), tmp_path,
                               check=True)
    assert result["changed"] and result["after"]["local_port"] == 10030 and not result["rebooted"]
    assert fleet.units[fleet.at(51)].saves == 0 and fleet.units[fleet.at(51)].values()["local_port"] == 10001


FAILURES = {
    "wrong password": ({"host": 53, "local_port": 10040, "setup_password": "nope"}, "{53} refused the setup password"),
    "no password": ({"host": 53, "local_port": 10040}, "asks for a setup password: give setup_password"),
    "unreachable": ({"host": 59, "local_port": 10040}, "unreachable: no answer from {59}"),
    "closed setup port": ({"local_port": 10040, "setup_port": "closed"}, "refused a connection to its setup port"),
    "other mac": ({"mac": "00:20:4a:99:99:99", "local_port": 10040},
                  "has MAC 00:20:4a:00:00:51, not 00:20:4a:99:99:99"),
    "hung setup menu": ({"host": 54, "local_port": 10040, "timeout": 2},
                        "timeout: the setup menu did not answer within 2"),
}
BAD_INPUT = {
    "reserved port": ({"local_port": 9999}, "local_port 9999 is reserved"),
    "port range": ({"local_port": 70000}, "local_port must be between 1 and 65535, got 70000"),
    "mac": ({"mac": "00:20:4a:zz:00:51"}, "mac must be six hex bytes"),
    "ip": ({"ip": "127.0.0.300"}, "ip must be an IPv4 address"),
    "netmask": ({"netmask": "255.0.255.0"}, "netmask must be a contiguous netmask"),
    "baud rate": ({"baud_rate": 9601}, "baud_rate"),
}


def with_addresses(fleet, args, words):
    """A row's arguments and words with the fleet's addresses and a closed port filled in."""
    import ports

    if args.get("setup_port") == "closed":
        args = dict(args, setup_port=ports.free_port())
    if isinstance(args.get("host"), int):
        words = words.replace(f"{{{args['host']}}}", fleet.at(args["host"])).replace("{59}", fleet.at(59))
        args = dict(args, host=fleet.at(args["host"]))
    return device_args(fleet, **args), words


@pytest.fixture(scope="module")
def refusals(shared_fleet, tmp_path_factory):
    """Every row of FAILURES and BAD_INPUT as a task of one playbook on one fleet: id -> (run, result, words)."""
    tmp_path = tmp_path_factory.mktemp("refusals")
    rows = {**FAILURES, **BAD_INPUT}
    filled = {name: with_addresses(shared_fleet, *row) for name, row in rows.items()}
    run, results = Lab(tmp_path / "lab", "lab-linux").tasks(
        [("oscc.admin.lantronix_device", args) for args, _words in filled.values()], tmp_path)
    return {name: (run, result, filled[name][1]) for name, result in zip(rows, results)}


@pytest.mark.xdist_group("test_lantronix_refusals")  # one worker runs the shared playbook (--dist loadgroup)
@pytest.mark.parametrize("case", sorted(FAILURES))
def test_each_failure_is_distinct(refusals, shared_fleet, case):
    run, result, words = refusals[case]
    assert result["failed"] and words in result["msg"], result["msg"]
    assert "nope" not in run.stdout and all(u.saves == 0 for u in shared_fleet.units.values())


@pytest.mark.xdist_group("test_lantronix_refusals")
@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_is_named(refusals, case):
    _run, result, words = refusals[case]
    assert result["failed"] and words in result["msg"] and "\n" not in result["msg"]


@pytest.fixture
def lone_unit():
    """A fleet of one unit at an address of its own, started with the given Unit options."""
    fleets = []

    def start(**options):
        ip = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.71"
        fleets.append(lantronix.Fleet([lantronix.Unit(ip, "00:20:4a:00:00:71", local_port=10001, **options)]).start())
        fleets[-1].ip = ip
        return fleets[-1]

    yield start
    for started in fleets:
        started.stop()


@pytest.mark.parametrize("invitation", [
    "Hit Return within 5 seconds to reach Setup Mode",  # other words around the same meaning
    "SETUP MODE: press <ENTER> now ",
])
def test_the_setup_banner_is_recognised_by_its_meaning(linux_lab, lone_unit, tmp_path, invitation):
    fleet = lone_unit(greeting=f"MAC address 00204A000071\nSoftware version V6.5.0.7 (070919) XPTEXE\n{invitation}")
    args = {"host": fleet.ip, "query_port": fleet.query_port, "setup_port": fleet.setup_port, "timeout": 5,
            "local_port": 10011}
    _, result = linux_lab.task("oscc.admin.lantronix_device", args, tmp_path)
    assert result["changed"] and result["rebooted"] and result["after"]["local_port"] == 10011, result
    assert fleet.units[fleet.ip].saves == 1


@pytest.mark.parametrize("greeting, shown", [
    ("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\n", "'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3'"),
    ("MAC address 00204A000071\nSetup Mode is disabled on this unit\n",  # names Setup Mode, offers none
     "'MAC address 00204A000071 / Setup Mode is disabled on this unit'"),
])
def test_a_greeting_that_offers_no_setup_mode_fails_at_once_in_one_line(linux_lab, lone_unit, tmp_path, greeting,
                                                                        shown):
    fleet = lone_unit(greeting=greeting)
    args = {"host": fleet.ip, "query_port": fleet.query_port, "setup_port": fleet.setup_port, "timeout": 60,
            "local_port": 10011}
    started = time.monotonic()
    _, result = linux_lab.task("oscc.admin.lantronix_device", args, tmp_path)
    assert result["failed"] and not result["rebooted"]
    assert result["msg"] == (f"{fleet.ip}:{fleet.setup_port} is not a Lantronix setup port: its greeting {shown} "
                             "does not offer Setup Mode")
    assert time.monotonic() - started < 40  # a greeting that has ended is not waited on for the whole timeout
    assert fleet.units[fleet.ip].saves == 0


@pytest.fixture
def segment(tmp_path):
    """A real Ethernet segment: a veth pair, the far end in a network namespace holding a new unit
    without an address (tests/lab/lantronix.py unconfigured)."""
    import json
    import os
    import shutil
    import signal
    import subprocess
    import sys
    import uuid

    if os.geteuid() != 0 or not shutil.which("ip"):
        pytest.skip("needs root and iproute2 for a network namespace")
    tag = uuid.uuid4().hex[:6]
    namespace, near, far, subnet = f"owb{tag}", f"owa{tag}", f"owb{tag}", f"10.77.{int(tag, 16) % 250}"
    mac = "00:20:4a:00:09:50"

    def ip(*args, ns=None):
        subprocess.run((["ip", "netns", "exec", ns] if ns else []) + ["ip", *args], check=True, capture_output=True)

    ip("netns", "add", namespace)
    try:
        ip("link", "add", near, "type", "veth", "peer", "name", far)
        ip("link", "set", far, "netns", namespace)
        ip("addr", "add", f"{subnet}.1/24", "dev", near)
        ip("link", "set", near, "up")
        for args in (("link", "set", far, "address", mac), ("link", "set", far, "up"), ("link", "set", "lo", "up")):
            ip(*args, ns=namespace)
        root = tmp_path / "segment"
        root.mkdir()
        emulator = subprocess.Popen(["ip", "netns", "exec", namespace, sys.executable, lantronix.__file__,
                                     "unconfigured", str(root), far, mac, "30718", "9999"], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.time() + 10
        while not (root / "fleet.json").exists() and time.time() < deadline:
            time.sleep(0.1)
        yield {"ip": f"{subnet}.50", "mac": mac, "record": root / "fleet.json"}
        os.killpg(emulator.pid, signal.SIGTERM)
        emulator.wait(timeout=10)
        assert json.loads((root / "fleet.json").read_text())["state"] == "adopted"
    finally:
        subprocess.run(["ip", "neigh", "del", f"{subnet}.50", "dev", near], capture_output=True)
        subprocess.run(["ip", "netns", "del", namespace], capture_output=True)


def test_a_new_unit_gets_its_address_by_mac_and_its_port(linux_lab, segment, tmp_path):
    args = {"mac": segment["mac"], "ip": segment["ip"], "netmask": "255.255.255.0", "local_port": 10010, "timeout": 5}
    _, result = linux_lab.task("oscc.admin.lantronix_device", args, tmp_path)
    assert result["changed"] and result["rebooted"], result
    assert result["after"]["ip"] == segment["ip"] and result["after"]["local_port"] == 10010
    _, again = linux_lab.task("oscc.admin.lantronix_device", args, tmp_path)
    assert not again["changed"] and not again["rebooted"]
