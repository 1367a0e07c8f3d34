"""The replication plugin refuses options that do not fit together with one line naming them, before the host is
reached: the rules its argument spec holds (RULES) and the ones only code can say (check_options)."""
import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.action.replication import ActionModule

REFUSED_BY_THE_SPEC = [
    ({"state": "paused", "sync": "admin_data", "partner": "lab-main"}, "parameters are mutually exclusive: state|sync"),
    ({"sync": "admin_data"}, "missing parameter(s) required by 'sync': partner"),
    ({"state": "paused", "partner": "lab-main"}, "missing parameter(s) required by 'partner': sync"),
    ({"sync": "admin_data", "partner": "lab-main", "task_update_password": True},
     "task_update_password is True but all of the following are missing: task_password"),
]
REFUSED_BY_THE_PLUGIN = [
    ({}, "one of state, sync or activate is required"),
    ({"state": "paused", "activate": True}, "state and activate are mutually exclusive: one action per task"),
    ({"state": "stopped"}, "state=stopped needs confirm=true"),
    ({"state": "restarted", "confirm": False}, "state=restarted needs confirm=true"),
    ({"sync": "admin_data", "partner": "nowhere"}, "partner: 'nowhere' is not a host of the inventory"),
    ({"state": "paused", "run_for_hours": 2}, "run_for_hours applies to sync report_data_all"),
    ({"sync": "admin_data", "partner": "lab-main", "task_update_password": True, "task_password": ""},
     "task_update_password needs a task_password that is not empty"),
]


@pytest.mark.parametrize("args,message", REFUSED_BY_THE_SPEC)
def test_rules_between_options_are_the_argument_specs(host, args, message):
    with pytest.raises(AnsibleActionFail) as refused:
        host.run(ActionModule, args)
    assert message in str(refused.value)
    assert host.batches == []


@pytest.mark.parametrize("args,message", REFUSED_BY_THE_PLUGIN)
def test_what_a_spec_cannot_say_is_refused_before_the_host(host, args, message):
    result = host.run(ActionModule, args)
    assert result["failed"] and message in result["msg"] and "\n" not in result["msg"]
    assert host.batches == []


def test_activate_false_is_no_action_and_no_conflict(host):
    result = host.run(ActionModule, {"activate": False})
    assert result["failed"] and result["msg"] == "one of state, sync or activate is required"
