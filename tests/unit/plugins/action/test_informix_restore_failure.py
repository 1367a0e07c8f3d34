"""What a restore that fails after the services were stopped does with them, decided from what it knows."""
from types import SimpleNamespace
from unittest.mock import MagicMock

import pytest

from ansible_collections.oscc.admin.plugins.action.informix_restore import ActionModule
from ansible_collections.oscc.admin.plugins.plugin_utils._host.target import RemoteFailure

SERVICES = ["OpenScape Contact Center", "OpenScape Contact Center AutoPA"]
SAFETY = {"safety_backup": {"manifest": "D:\\OSCC-Backups\\safety\\ol_main_20261201T010000000_L0.json"}}


def fail(details, restoring, mode_now=None):
    plugin, target = MagicMock(), MagicMock()
    plugin._start = ActionModule._start
    plugin.probe.return_value = SimpleNamespace(onstat_rc=mode_now)
    with pytest.raises(RemoteFailure) as caught:
        ActionModule._failed(plugin, target, {}, RemoteFailure("restore failed: x", details), list(SERVICES), restoring,
                             dict(SAFETY))
    started = [c.args for c in target.service.call_args_list]
    return caught.value, started, plugin.probe.called


def test_a_restore_that_died_without_a_word_is_asked_for_the_mode_and_leaves_the_services_stopped():
    """The restore procedure's process or connection died: it may have touched the server."""
    exc, started, probed = fail({"msg": "lab stand-in: procedure restore crashed"}, restoring=True, mode_now=255)
    assert probed and started == []
    assert exc.details["server_mode"] == "Off-Line" and exc.details["services_stopped"] == SERVICES
    assert "stay stopped" in str(exc) and f"manifest={SAFETY['safety_backup']['manifest']}" in str(exc)
    assert str(exc).count("restore failed: x") == 1


def test_a_touched_server_keeps_its_services_stopped_even_when_on_line():
    exc, started, _probed = fail({"touched": True, "onstat_rc": 5}, restoring=True)
    assert started == [] and exc.details["server_mode"] == "On-Line"


def test_a_stop_that_failed_before_the_restore_starts_the_stopped_services_again():
    exc, started, probed = fail({"msg": "could not stop"}, restoring=False)
    assert not probed and started == [(name, "started") for name in SERVICES]
    assert "Nothing was restored" in str(exc)


def test_an_untouched_on_line_server_gets_its_services_back():
    exc, started, _probed = fail({"touched": False, "onstat_rc": 5}, restoring=True)
    assert started == [(name, "started") for name in SERVICES] and "started again" in str(exc)
