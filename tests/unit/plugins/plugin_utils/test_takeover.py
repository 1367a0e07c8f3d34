"""Issue 19 item 3: another controller takes over the lock a killed run left, only once the host shows nothing of that
run alive (its batch does not hold the lock live, no archive program runs); the result says what it found."""
from types import SimpleNamespace

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._host import contract
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import takeover
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.lock import lock_refused, take_over

LOCK = {"operation": "restore", "token": "t0k3n", "controller": "ctl-a", "controller_pid": 4242,
        "started": "2026-12-07T08:00:00.000Z", "host": "OSCC1", "pid": 77, "expires": 1.0, "owner": "batch",
        "path": "D:\\ifx\\etc\\.oscc-ol_main.lock"}
# The lab's ontape: an interpreter running the simulator (python -S -c <launcher> ontape ...), and a real one.
PS = ("    1 /sbin/init\n"
      "  812 /usr/bin/python3 -S -c import sys; import ifxsim; sys.exit(ifxsim.main()) ontape -r\n"
      "  900 /opt/informix/bin/onbar_d -b\n"
      "  901 grep -r ontapes /var/log\n"
      "  902 ps -eo pid=,args=\n")


@pytest.mark.parametrize("platform", ["windows", "posix"])
def test_the_probes_questions_are_read_only_requests_of_the_contract(platform):
    ops = takeover.probe_ops(platform, "/ifx/etc/.oscc-ol_main.lock")
    assert ops[0] == ("lock_live", {"op": "lock_live", "path": "/ifx/etc/.oscc-ol_main.lock"})
    for _name, op in ops:
        assert contract.request_problems(op) == []
        assert contract.what_if_refusal(op, read_only=True) is None  # check mode asks them too
    listed = [op for _name, op in ops[1:]]
    if platform == "windows":
        assert [op["parameters"]["Filter"] for op in listed] == [
            "Name = 'ontape.exe'", "Name = 'onbar.exe'", "Name = 'onbar_d.exe'"]
    else:
        assert listed == [{"op": "run", "argv": ["ps", "-eo", "pid=,args="], "timeout": 60, "encoding": "utf-8",
                           "ok_rc": [0]}]


def test_the_archive_programs_are_read_from_ps_and_from_win32_process():
    posix = {("archive_programs", "ps"): {"ok": True, "rc": 0, "stdout": PS, "output": PS}}
    assert takeover.archive_programs(posix, "posix") == ([
        {"pid": 812, "command": "/usr/bin/python3 -S -c import sys; import ifxsim; sys.exit(ifxsim.main()) ontape -r"},
        {"pid": 900, "command": "/opt/informix/bin/onbar_d -b"}], None)
    windows = {("archive_programs", "ontape"): {"ok": True, "objects": [
        {"ProcessId": 31, "Name": "ontape.exe", "CommandLine": "D:\\ifx\\bin\\ontape.exe -r"}]},
        ("archive_programs", "onbar"): {"ok": True, "objects": []}}
    assert takeover.archive_programs(windows, "windows") == ([{"pid": 31, "command": "D:\\ifx\\bin\\ontape.exe -r"}],
                                                             None)
    assert takeover.archive_programs({}, "posix") == (None, None)  # not asked


@pytest.mark.parametrize("listed, error", [
    ({"ok": False, "error": "ps could not be started: No such file"}, "ps could not be started"),
    ({"ok": True, "rc": 1, "stdout": "", "stderr": "ps: bad option", "halt": True}, "ps returned 1: ps: bad option"),
])
def test_a_listing_that_failed_is_never_read_as_nothing_running(listed, error):
    programs, why = takeover.archive_programs({("archive_programs", "ps"): listed}, "posix")
    assert programs is None and why.startswith(error)
    still = takeover.alive(LOCK, False, programs, why)
    assert still and "could not be listed" in still[0]


def probe(lock=None, live=False, programs=(), error=None, unlocked=False):
    lock = None if unlocked else (lock or LOCK)
    return SimpleNamespace(lock=lock, lock_live=live, archive_programs=None if programs is None else list(programs),
                           archive_listing_error=error, lock_path=LOCK["path"], server_mode="On-Line")


class Target:
    platform = "windows"

    def __init__(self, states):
        self.states, self.asked = states, []

    def module(self, name, args):
        self.asked.append((name, args))
        assert set(args) == {"name"}  # a question: no state given, nothing changes
        return {"exists": True, "state": self.states[args["name"]]}


SERVICES = ["OpenScape Contact Center", "OpenScape Contact Center AutoPA"]


def test_a_lock_nothing_of_whose_run_is_alive_is_taken_with_its_token_and_the_result_says_what_was_found():
    target = Target({SERVICES[0]: "stopped", SERVICES[1]: "stopped"})
    token, found = take_over(target, probe(), SERVICES)
    assert token == "t0k3n" and found["took_over"] is True
    shown = ("operation", "controller", "controller_pid", "started", "host", "pid", "expires")
    assert found["holder"] == {k: LOCK[k] for k in shown}
    assert found["live"] is False and found["archive_programs"] == [] and found["server_mode"] == "On-Line"
    assert found["services_stopped"] == SERVICES and len(target.asked) == 2


@pytest.mark.parametrize("live, programs, error, words", [
    (True, [], None, "the batch that holds the lock still runs on the host"),
    (False, [{"pid": 31, "command": "D:\\ifx\\bin\\ontape.exe -r"}], None, "D:\\ifx\\bin\\ontape.exe -r (pid 31) runs"),
    (None, [], None, "whether the lock's batch still runs could not be read"),
    (False, None, "Access denied", "could not be listed (Access denied)"),
])
def test_a_take_over_while_anything_of_the_run_is_alive_is_refused_naming_it(live, programs, error, words):
    target = Target({})
    with pytest.raises(AnsibleActionFail) as refused:
        take_over(target, probe(live=live, programs=programs, error=error), SERVICES)
    assert str(refused.value).startswith("take_over refused: the restore that holds the server's lock is not over")
    assert words in str(refused.value) and target.asked == []  # refused before anything else is asked


def test_without_a_lock_there_is_nothing_to_take_over():
    token, found = take_over(Target({}), probe(unlocked=True, live=False, programs=[]), SERVICES)
    assert token is None and found["took_over"] is False and found["holder"] is None


def test_the_refusal_without_take_over_says_whether_the_holders_batch_still_runs():
    running = str(lock_refused({"holder": LOCK, "live": True}, LOCK["path"]))
    assert "another restore is running on this server" in running
    assert "its batch is still running on the host" in running
    assert "take_over" not in running
    killed = str(lock_refused({"holder": LOCK, "live": False}, LOCK["path"]))
    assert "no batch of it is running on the host" in killed and "take_over: true takes the server over" in killed
    assert "since 2026-12-07T08:00:00.000Z" in killed and killed.endswith(f"lock {LOCK['path']}")


def test_a_take_over_that_finds_another_lock_than_its_probe_saw_does_not_suggest_take_over_again():
    """Issue 19 review: two take-overs at once; the one refused was told 'take_over: true takes the server over',
    which it had given. It is told another run took the server since its probe."""
    refused = str(lock_refused({"holder": LOCK, "live": False}, LOCK["path"], taking_over=True))
    assert "another run took the server since" in refused and "take_over: true" not in refused


def test_a_refusal_by_a_live_run_of_this_controller_says_wait_not_take_over(tmp_path, monkeypatch):
    """Issue 19 second review: five runs at once from one controller; one refused was told take_over would take the
    server, though the holder was this controller's live worker between two round trips."""
    import os
    import socket

    from ansible import constants

    from ansible_collections.oscc.admin.plugins.plugin_utils._host import controller
    monkeypatch.setattr(constants, "ANSIBLE_HOME", str(tmp_path))  # this controller is named by its id (review 19c)
    alive = dict(LOCK, controller=socket.gethostname(), controller_id=controller.controller_id(),
                 controller_pid=os.getpid())
    refused = str(lock_refused({"holder": alive, "live": False}, LOCK["path"]))
    assert f"its worker (pid {os.getpid()}) still runs here" in refused and "wait for it" in refused
    assert "take_over" not in refused
