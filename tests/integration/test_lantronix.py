"""lantronix_info and lantronix_device against the emulated units (manual chapter 2)."""
import lantronix
import pytest

UNITS = [("127.0.0.51", "00:20:4a:00:00:51", "xport", ""), ("127.0.0.52", "00:20:4a:00:00:52", "uds100", ""),
         ("127.0.0.53", "00:20:4a:00:00:53", "xport", "wb42")]


@pytest.fixture
def fleet():
    units = [lantronix.Unit(ip, mac, style=style, password=password, local_port=10001 + i)
             for i, (ip, mac, style, password) in enumerate(UNITS)]
    started = lantronix.Fleet(units).start()
    yield started
    started.stop()


def device_args(fleet, **extra):
    return {"host": "127.0.0.51", "query_port": fleet.query_port, "setup_port": fleet.setup_port, "timeout": 5, **extra}


def test_discovery_finds_every_unit_with_its_mac_and_port(linux_lab, fleet, tmp_path):
    _, result = linux_lab.task("oscc.admin.lantronix_info", {"broadcast": "127.255.255.255", "port": fleet.query_port,
                                                             "timeout": 1}, tmp_path)
    found = {d["ip"]: (d["mac"], d["local_port"], d["device_type"], d["firmware"]) for d in result["devices"]}
    assert found == {"127.0.0.51": ("00:20:4a:00:00:51", 10001, "X5K", "6.5.0.7"),
                     "127.0.0.52": ("00:20:4a:00:00:52", 10002, "3Q", "5.8.0.1"),
                     "127.0.0.53": ("00:20:4a:00:00:53", 10003, "X5K", "6.5.0.7")}
    assert all("password" not in str(d) and "wb42" not in str(d) for d in result["devices"])


@pytest.mark.parametrize("ip", ["127.0.0.51", "127.0.0.52"])  # the 6.x menu and the older UDS100 labels
def test_only_what_differs_is_changed_then_nothing(linux_lab, fleet, tmp_path, ip):
    unit = fleet.units[ip]
    args = device_args(fleet, host=ip, local_port=10020, baud_rate=19200, flow_control="xon_xoff",
                       interface_mode="4C", netmask="255.255.255.0")
    _, result = linux_lab.task("oscc.admin.lantronix_device", args, tmp_path, diff=True)
    assert result["changed"] and result["rebooted"] and unit.saves == 1
    assert result["after"]["local_port"] == 10020 and result["after"]["baud_rate"] == 19200
    assert result["after"]["flow_control"] == "xon_xoff" and result["after"]["ip"] == ip
    assert unit.values()["gateway"] == "0.0.0.0" and unit.values()["host_bits"] == 8
    _, again = linux_lab.task("oscc.admin.lantronix_device", args, tmp_path)
    assert not again["changed"] and not again["rebooted"] and unit.saves == 1


def test_a_new_address_and_the_password(linux_lab, fleet, tmp_path):
    args = device_args(fleet, host="127.0.0.53", ip="127.0.0.63", gateway="127.0.0.1", setup_password="wb42")
    _, result = linux_lab.task("oscc.admin.lantronix_device", args, tmp_path)
    assert result["changed"] and result["after"]["ip"] == "127.0.0.63" and result["after"]["gateway"] == "127.0.0.1"
    assert "wb42" not in str(result)


def test_check_mode_never_saves(linux_lab, fleet, tmp_path):
    _, result = linux_lab.task("oscc.admin.lantronix_device", device_args(fleet, local_port=10030), tmp_path, check=True)
    assert result["changed"] and result["after"]["local_port"] == 10030 and not result["rebooted"]
    assert fleet.units["127.0.0.51"].saves == 0 and fleet.units["127.0.0.51"].values()["local_port"] == 10001


@pytest.mark.parametrize("args, words", [
    ({"host": "127.0.0.53", "local_port": 10040, "setup_password": "nope"}, "127.0.0.53 refused the setup password"),
    ({"host": "127.0.0.53", "local_port": 10040}, "asks for a setup password: give setup_password"),
    ({"host": "127.0.0.59", "local_port": 10040}, "unreachable: no answer from 127.0.0.59"),
    ({"local_port": 10040, "setup_port": "closed"}, "refused a connection to its setup port"),
    ({"mac": "00:20:4a:99:99:99", "local_port": 10040}, "has MAC 00:20:4a:00:00:51, not 00:20:4a:99:99:99"),
])
def test_each_failure_is_distinct(linux_lab, fleet, tmp_path, args, words):
    import mailpeers

    if args.get("setup_port") == "closed":
        args = dict(args, setup_port=mailpeers.free_port())
    run, result = linux_lab.task("oscc.admin.lantronix_device", device_args(fleet, **args), tmp_path)
    assert result["failed"] and words in result["msg"], result["msg"]
    assert "nope" not in run.stdout and all(u.saves == 0 for u in fleet.units.values())


@pytest.mark.parametrize("args, words", [
    ({"local_port": 9999}, "local_port 9999 is reserved"),
    ({"local_port": 70000}, "local_port must be between 1 and 65535, got 70000"),
    ({"mac": "00:20:4a:zz:00:51"}, "mac must be six hex bytes"),
    ({"ip": "127.0.0.300"}, "ip must be an IPv4 address"),
    ({"netmask": "255.0.255.0"}, "netmask must be a contiguous netmask"),
    ({"baud_rate": 9601}, "baud_rate"),
])
def test_bad_input_is_named(linux_lab, fleet, tmp_path, args, words):
    _, result = linux_lab.task("oscc.admin.lantronix_device", device_args(fleet, **args), tmp_path)
    assert result["failed"] and words in result["msg"] and "\n" not in result["msg"]
