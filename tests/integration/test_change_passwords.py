"""Role credentials and playbooks/change_passwords.yml against the lab (manual §6.2): every place changed in the
manual's order, a second run a no-op, bad Informix passwords refused before any call, no password in the output at
-vvvv, in the hosts' records or in any file under the lab, and a service left with the old password detected."""
import json
import os
import subprocess

import labctl
import pytest
from playbook_lab import INVENTORY, ROOT, Lab

PLAYBOOK = os.path.join(ROOT, "playbooks", "change_passwords.yml")
HOST = "lab-main"
OLD = {"hppc": "Old-hppc-9", "informix": "Old-ifx-7"}
NEW = {"hppc": "Neu-hppc!Pass42", "informix": "Ifx#2026neu"}
IDS = "IBM Informix Database Server - ol_main"  # the lab's name for the manual's "Informix IDS - ol_main"
SERVICES = {}  # the Informix service found by its two names, as on a host (maintenance_plan.informix_service)


@pytest.fixture
def lab(tmp_path):
    lab = Lab(tmp_path / "lab", HOST)
    labctl.init_accounts(lab.root, "main", "ol_main", OLD)
    return lab


def run(lab, tmp_path, *args, passwords=NEW, **extra):
    """The playbook with the passwords in a vars file outside the lab (as a vault would hand them over)."""
    values = {"credentials_hppc_password": passwords.get("hppc", ""),
              "credentials_informix_password": passwords.get("informix", ""), "credentials_services": SERVICES,
              **extra}
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps(values))
    return lab.playbook(PLAYBOOK, "-e", f"@{path}", *args)


def changes(lab, since=0.0):
    """The calls that changed something on the host, in order: (module, service or user, what)."""
    found = []
    for call in lab.windows_calls():
        if call["time"] < since:
            continue
        args = call["args"]
        if call["module"] == "win_service":
            found.append(("win_service", args["name"], args.get("state") or f"logon {args.get('username')}"))
        elif call["module"] == "win_user":
            found.append(("win_user", args["name"], "password"))
        elif "write" in (args.get("executor") or []):
            found.append(("record", None, "write"))
    return found


def lab_text(lab):
    """Every file under the lab root, as text."""
    for folder, _dirs, files in os.walk(lab.root):
        for name in files:
            with open(os.path.join(folder, name), "rb") as handle:
                yield os.path.join(folder, name), handle.read().decode("utf-8", "replace")


def test_every_place_in_order_then_a_second_run_changes_nothing(lab, tmp_path):
    first = run(lab, tmp_path, credentials_startup_configuration_done=True)
    assert first.rc == 0, first.stdout[-4000:]
    oscc = ["OpenScape Contact Center", "OpenScape Contact Center AutoPA"]
    informix = ["IBM Informix Dynamic Server Message Service", IDS, "Informix Server Discovery Process for SNMP"]
    expected = [("win_service", name, "stopped") for name in oscc + informix]  # §6.2 steps 2a, 3a
    expected += [("win_service", name, "logon .\\hppc") for name in oscc]  # step 2b
    expected += [("win_service", name, "logon .\\informix") for name in informix[1:]]  # steps 3b, 3c
    expected += [("win_user", "hppc", "password"), ("win_user", "informix", "password")]  # steps 7, 8
    expected += [("record", None, "write")]
    expected += [("win_service", name, "started") for name in informix + oscc]  # steps 14, 15
    expected += [("record", None, "write")]  # the operator's steps 10-13 confirmed
    assert [c for c in changes(lab)] == expected
    state = labctl.windows_state(lab.root, "main")
    assert all(state["services"][name]["state"] == "running" for name in oscc + informix)
    second = run(lab, tmp_path, credentials_startup_configuration_done=True)
    assert second.rc == 0 and second.stats(HOST)["changed"] == 0, second.stdout[-4000:]
    assert [c for c in changes(lab) if c[2] != "started"] == [c for c in expected if c[2] != "started"]


def test_the_startup_configuration_is_the_operators_checkpoint(lab, tmp_path):
    first = run(lab, tmp_path, passwords={"informix": NEW["informix"]})
    assert first.rc != 0
    message = first.result("database-server password is the operator's step (§6.2 steps 10-13)", HOST)
    assert "tcfmain" in message["msg"] and "credentials_startup_configuration_done=true" in message["msg"]
    state = labctl.windows_state(lab.root, "main")
    assert state["services"][IDS]["state"] == "stopped"
    assert state["services"]["OpenScape Contact Center"]["state"] == "stopped"
    since = lab.windows_calls()[-1]["time"]
    second = run(lab, tmp_path, passwords={"informix": NEW["informix"]}, credentials_startup_configuration_done=True)
    assert second.rc == 0, second.stdout[-4000:]
    assert not [c for c in changes(lab, since) if c[0] == "win_user" or "logon" in c[2]]  # nothing set twice
    assert labctl.windows_state(lab.root, "main")["services"][IDS]["state"] == "running"


@pytest.mark.parametrize("password, rule", [("A" * 17, "17 characters long"), ("two words", "contains a space"),
                                            ("line\nbreak", "control character")])
def test_a_bad_informix_password_is_refused_before_any_call(lab, tmp_path, password, rule):
    before = len(lab.windows_calls())
    refused = run(lab, tmp_path, passwords={"hppc": NEW["hppc"], "informix": password})
    assert refused.rc != 0
    assert rule in refused.result("Stop when the passwords were refused or the change failed", HOST)["msg"]
    assert len(lab.windows_calls()) == before
    assert password not in refused.stdout + refused.stderr


def test_no_password_in_the_output_at_vvvv_the_records_or_the_lab(lab, tmp_path):
    lab.env = dict(lab.env, ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default")  # what an operator reads
    path = tmp_path / "secrets.json"
    values = {"credentials_hppc_password": NEW["hppc"], "credentials_informix_password": NEW["informix"],
              "credentials_startup_configuration_done": True, "credentials_services": SERVICES,
              "oscc_lab_root": lab.root}
    path.write_text(json.dumps(values))
    argv = ["ansible-playbook", "-i", INVENTORY, PLAYBOOK, "-l", HOST, "-e", f"@{path}", "-vvvv"]
    done = subprocess.run(argv, env=lab.env, stdin=subprocess.DEVNULL, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-4000:]
    assert "changed=" in done.stdout and "ESTABLISH" in done.stdout  # the verbose output, not a JSON document
    for secret in NEW.values():
        assert secret not in done.stdout and secret not in done.stderr
        assert secret not in json.dumps(lab.windows_calls())
        for path, text in lab_text(lab):
            assert secret not in text, path


def test_a_service_left_with_the_old_password_is_detected(lab, tmp_path):
    assert run(lab, tmp_path, credentials_startup_configuration_done=True).rc == 0
    # Someone typed the old password on the Log On tab and the server restarted: the service is stopped.
    labctl.set_service_password(lab.root, "main", "Informix Server Discovery Process for SNMP", OLD["informix"],
                                state="stopped")
    again = run(lab, tmp_path, credentials_startup_configuration_done=True)
    assert again.rc != 0
    message = again.result("Stop when a service did not start", HOST)["msg"]
    assert "Informix Server Discovery Process for SNMP" in message and "logon failure" in message


OSCC = ("OpenScape Contact Center", "OpenScape Contact Center AutoPA")


def states(lab, names=OSCC + (IDS,)):
    services = labctl.windows_state(lab.root, "main")["services"]
    return {name: services[name]["state"] for name in names}


def test_an_hppc_only_run_does_not_start_oscc_while_an_informix_change_is_pending(lab, tmp_path):
    # Review 21 finding 1: the two passwords rotated in two jobs, the Informix one still waiting for tcfmain.
    assert run(lab, tmp_path, passwords={"informix": NEW["informix"]}).rc != 0  # stops at the checkpoint
    second = run(lab, tmp_path, passwords={"hppc": NEW["hppc"]}, credentials_startup_configuration_done=True)
    assert second.rc != 0
    message = second.result("Stop when a service did not start", HOST)["msg"]
    assert "informix" in message and "tcfmain" in message and "credentials_informix_password" in message
    assert set(states(lab).values()) == {"stopped"}
    third = run(lab, tmp_path, passwords=NEW, credentials_startup_configuration_done=True)
    assert third.rc == 0, third.stdout[-4000:]
    assert set(states(lab).values()) == {"running"}


def test_oscc_is_started_only_with_informix_running_and_verified_on_line(lab, tmp_path):
    hppc_only = run(lab, tmp_path, passwords={"hppc": NEW["hppc"]})
    assert hppc_only.rc == 0, hppc_only.stdout[-4000:]
    verified = hppc_only.result("its service logged on with the new password (§6.2 step 14)")
    assert not verified.get("skipped"), verified
    labctl.set_service_password(lab.root, "main", IDS, OLD["informix"], state="stopped")  # someone stopped Informix
    refused = run(lab, tmp_path, passwords={"hppc": "Another-hppc-3"})
    assert refused.rc != 0
    message = refused.result("Stop when a service did not start", HOST)["msg"]
    assert f"{IDS} is not running" in message and "start Informix first" in message
    assert set(states(lab).values()) == {"stopped"}


def test_check_mode_says_what_it_would_do_and_never_fails_for_what_it_did_not_do(lab, tmp_path):
    checked = run(lab, tmp_path, "--check", "--diff", credentials_startup_configuration_done=True)
    assert checked.rc == 0, checked.stdout[-4000:]
    change = checked.result("Report the change (§6.2 steps 1-9)", HOST)["msg"]
    assert change.startswith(f"would set the passwords of: hppc, informix; would stop: {OSCC[0]}, {OSCC[1]}, ")
    assert "passwords set" not in change and "; stopped" not in change
    start = checked.result("Report the start (§6.2 steps 14-15)", HOST)["msg"]
    assert start.endswith(f"would start: IBM Informix Dynamic Server Message Service, {IDS}, "
                          f"Informix Server Discovery Process for SNMP, {OSCC[0]}, {OSCC[1]}"), start
    unconfirmed = run(lab, tmp_path, "--check")
    assert unconfirmed.rc == 0, unconfirmed.stdout[-4000:]
    start = unconfirmed.result("Report the start (§6.2 steps 14-15)", HOST)["msg"]
    assert "a real run would stop at the operator's startup configuration checkpoint" in start
    assert "would start: none" in start
    assert not changes(lab) and set(states(lab).values()) == {"running"}


def test_the_confirmation_holds_only_for_the_password_that_was_pending(lab, tmp_path):
    assert run(lab, tmp_path, passwords={"informix": NEW["informix"]}).rc != 0  # A pending, entered in tcfmain
    other = "Ifx#2026other"
    second = run(lab, tmp_path, passwords={"informix": other}, credentials_startup_configuration_done=True)
    assert second.rc != 0
    report = second.result("Report the change (§6.2 steps 1-9)", HOST)["msg"]
    assert "this Informix password is not the one that waited for the startup configuration" in report
    message = second.result("database-server password is the operator's step (§6.2 steps 10-13)", HOST)["msg"]
    assert message.startswith("This Informix password is not the one that waited for the startup configuration")
    assert set(states(lab).values()) == {"stopped"}
    third = run(lab, tmp_path, passwords={"informix": other}, credentials_startup_configuration_done=True)
    assert third.rc == 0, third.stdout[-4000:]
    assert set(states(lab).values()) == {"running"}


def test_a_password_marked_unsafe_is_set_as_its_literal_text(lab, tmp_path):
    literal = {"hppc": "ab{{ cd }}x{% if %}", "informix": "if{{HOME}}{%y"}
    path = tmp_path / "secrets.yml"  # as a vault file with !unsafe hands them over (docs/credentials.md)
    path.write_text("credentials_hppc_password: !unsafe 'ab{{ cd }}x{% if %}'\n"
                    "credentials_informix_password: !unsafe 'if{{HOME}}{%y'\n"
                    "credentials_startup_configuration_done: true\n")
    done = lab.playbook(PLAYBOOK, "-e", f"@{path}", "-e", json.dumps({"credentials_services": SERVICES}))
    assert done.rc == 0, done.stdout[-4000:]
    users = labctl.windows_state(lab.root, "main")["users"]
    for user, password in literal.items():
        assert users[user]["password_sha256"] == labctl._lab_host().password_hash(password), user
