"""Review 19c F6: a controller is named by a random id kept in the user's Ansible directory, not by its host name
and pid, so a clone with the same host name never breaks this controller's lock, nor this one a clone's; a lock
this controller breaks (a dead run of its own, or take_over) is said in the result."""
import multiprocessing
import os
import socket
import stat
import subprocess
import sys

import pytest
from ansible import constants
from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._host import controller
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import lock as server_lock

PATH = "D:\\ifx\\etc\\.oscc-ol_main.lock"


@pytest.fixture(autouse=True)
def ansible_home(tmp_path, monkeypatch):
    home = tmp_path / "ansible-home"
    monkeypatch.setattr(constants, "ANSIBLE_HOME", str(home))
    return home


def dead_pid():
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    return ended.pid


def record(**changes):
    found = {"operation": "restore", "token": "t0k3n", "controller": socket.gethostname(),
             "controller_id": controller.controller_id(), "controller_pid": dead_pid(),
             "started": "2026-12-07T10:00:00.000Z", "host": "lab-main", "pid": 777, "owner": "batch",
             "expires": 4102444800.0, "path": PATH}
    found.update(changes)
    return {key: value for key, value in found.items() if value is not None}


def test_the_id_is_made_once_private_and_kept(ansible_home):
    made = controller.controller_id()
    path = ansible_home / controller.ID_FILE
    assert len(made) == 32 and int(made, 16) >= 0
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(ansible_home).st_mode) == 0o700
    assert controller.controller_id() == made == path.read_text().strip()
    assert os.listdir(ansible_home) == [controller.ID_FILE]  # no draft left behind


def _make(directory, start, answers):
    start.wait()
    answers.put(controller.controller_id(directory))


def test_runs_making_the_id_at_once_all_agree(tmp_path):
    context = multiprocessing.get_context("fork")
    start, answers = context.Event(), context.Queue()
    directory = str(tmp_path / "shared-home")
    makers = [context.Process(target=_make, args=(directory, start, answers)) for _maker in range(8)]
    for maker in makers:
        maker.start()
    start.set()
    found = {answers.get(timeout=30) for _maker in makers}
    for maker in makers:
        maker.join(timeout=30)
    assert len(found) == 1 and found == {controller.controller_id(directory)}
    assert os.listdir(directory) == [controller.ID_FILE]


def test_an_id_file_without_an_id_is_refused_naming_it(ansible_home):
    ansible_home.mkdir()
    (ansible_home / controller.ID_FILE).write_text("")
    with pytest.raises(AnsibleActionFail, match="does not hold a controller id"):
        controller.controller_id()


def test_the_lock_record_names_the_controller_by_its_id():
    informix = type("Informix", (), {"lock_path": PATH})()
    written = server_lock.lock_op(informix, "backup", "tok", 60)["record"]
    assert written["controller_id"] == controller.controller_id()
    assert written["controller"] == socket.gethostname() and written["controller_pid"] == os.getpid()


def test_a_dead_run_of_this_controller_is_broken_and_said():
    dead = record()
    assert server_lock.lock_to_break(dead) == "t0k3n"
    broke, warnings = server_lock.broke_lock(dead, None)
    assert broke["broke_lock"]["holder"]["controller_id"] == dead["controller_id"]
    assert broke["broke_lock"]["holder"]["controller_pid"] == dead["controller_pid"]
    assert broke["broke_lock"]["controller_pid_running"] is False and broke["broke_lock"]["live"] is False
    assert warnings == [f"broke the lock of dead run pid {dead['controller_pid']} of this controller "
                        "(started 2026-12-07T10:00:00.000Z, restore)"]
    assert "dead run pid" in server_lock.lock_warning(dead)[0]  # check mode says it too


@pytest.mark.parametrize("why, changes", [
    ("another machine with the same host name (a clone)", {"controller_id": "f" * 32}),
    ("an earlier version's record: no id, so a clone's as likely as this controller's", {"controller_id": None}),
    ("the same id on another host name (a home directory shared by two machines)", {"controller": "other-host"}),
    ("this controller's run whose worker still runs", {"controller_pid": os.getpid()}),
])
def test_no_other_lock_is_broken_without_take_over(why, changes):
    held = record(**changes)
    assert server_lock.lock_to_break(held) is None, why
    assert server_lock.broke_lock(held, None) == ({}, [])
    assert "a real run waits for nothing" in server_lock.lock_warning(held)[0]


def test_a_clones_live_run_is_refused_naming_it_never_told_to_wait_as_this_controllers():
    """The clone's worker pid may exist here too, as some other process: only the id makes it this controller's."""
    clone = record(controller_id="f" * 32, controller_pid=os.getpid())
    refused = str(server_lock.lock_refused({"holder": clone, "live": False}, PATH))
    assert f"from controller {socket.gethostname()} (id ffffffff), pid {os.getpid()}" in refused
    assert "still runs here" not in refused and "take_over: true" in refused
    own = record(controller_pid=os.getpid())
    assert "still runs here" in str(server_lock.lock_refused({"holder": own, "live": False}, PATH))


def test_a_take_over_is_said_in_a_warning_too():
    clone = record(controller_id="f" * 32)
    broke, warnings = server_lock.broke_lock(clone, {"took_over": True, "holder": {}})
    assert broke == {}  # the result's take_over holds what was found
    assert warnings[0].startswith(f"took over the lock of the restore from controller {socket.gethostname()} "
                                  "(id ffffffff)")
    assert server_lock.broke_lock(None, {"took_over": False}) == ({}, [])
