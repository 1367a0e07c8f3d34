"""Paths Windows cannot hold and names with control characters are refused in one line naming the option, before
the host is reached and in check mode too; whatever message a plugin ends with is one line."""
import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.action import informix_info
from ansible_collections.oscc.admin.plugins.action.informix_backup import ActionModule as Backup
from ansible_collections.oscc.admin.plugins.action.informix_restore import ActionModule as Restore
from ansible_collections.oscc.admin.plugins.action.replication import ActionModule as Replication

LOCATION = {"informixdir": "C:\\Program Files\\Informix", "informixserver": "ol_main"}
RESTORE = {**LOCATION, "destination": "D:\\OSCC-Backups", "confirm": True}
REFUSED = [
    (Backup, {**LOCATION, "destination": "D:\\OSCC-Backups\\a\nb"}, "destination must be one line without CR, LF"),
    (Backup, {**LOCATION, "destination": 'D:\\x\\a"b'}, "destination holds '\"', which Windows forbids"),
    (Backup, {**LOCATION, "informixdir": "C:\\Informix|x", "destination": "D:\\b"}, "informixdir holds '|'"),
    (Backup, {**LOCATION, "informixserver": "ol_main\nx", "destination": "D:\\b"},
     "informixserver must be a name without control characters, got 'ol_main\\nx'"),
    (Restore, {**RESTORE, "chunks": ["D:\\x\n.000"]}, "chunks[0] must be one line without CR, LF or NUL"),
    (Restore, {**RESTORE, "manifest": "D:\\OSCC-Backups\\x\ny.json"}, "manifest must be one line"),
    (Restore, {**RESTORE, "services": ["OpenScape Contact Center\nx"]},
     "services[0] must be a name without control characters, got 'OpenScape Contact Center\\nx'"),
    (Replication, {"state": "paused", "task_username": "SYSTEM\nx"}, "task_username must be a name without control"),
    (Replication, {"state": "paused", "task_username": 'a"b'},
     "task_username must be a name without control characters or any of \", got 'a\"b'"),
]


@pytest.mark.parametrize("check", [False, True])
@pytest.mark.parametrize("plugin, args, message", REFUSED)
def test_a_hostile_value_is_refused_in_one_line_before_the_host(host, plugin, args, message, check):
    with pytest.raises(AnsibleActionFail) as refused:
        host.run(plugin, args, check=check, platform="windows")
    assert message in str(refused.value) and "\n" not in str(refused.value)
    assert host.batches == []


def test_a_device_path_prefix_is_no_forbidden_character(host):
    host.recorded.append(lambda ops: None)  # the probe's answers do not matter here: it got past the checks
    try:
        host.run(Backup, {**LOCATION, "destination": "\\\\?\\D:\\OSCC-Backups"}, check=True, platform="windows")
    except AnsibleActionFail as exc:
        assert "Windows forbids" not in str(exc)
    assert host.batches


class Raises(informix_info.ActionModule):
    __module__ = informix_info.__name__  # its options are informix_info's

    def act(self, args, target, task_vars):
        raise AnsibleActionFail("cannot read 'x'\nsecond line")


class Returns(informix_info.ActionModule):
    __module__ = informix_info.__name__

    def act(self, args, target, task_vars):
        return {"failed": True, "msg": "refused\r\nsecond line"}


def test_a_message_with_a_line_break_left_in_it_ends_as_one_line(host):
    assert host.run(Raises, LOCATION, platform="windows")["msg"] == "cannot read 'x'\\nsecond line"
    assert host.run(Returns, LOCATION, platform="windows")["msg"] == "refused\\r\\nsecond line"
