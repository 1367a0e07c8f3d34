"""snmp_query's options checked before anything is sent (manual §6.4)."""
import pytest

from ansible_collections.oscc.admin.plugins.modules import snmp_query

PARAMS = {"host": "oscc-main", "port": 161, "community": "ops-ro", "oids": [], "timeout": 2, "retries": 1}


def test_good_options_pass():
    assert snmp_query.options_problem({**PARAMS, "oids": ["1.3.6.1.4.1.4329.1.0", ".1.3.6.1.2.1.1.5.0"]}) is None


@pytest.mark.parametrize("changed, expected", [
    ({"community": ""}, "community must be a community name of the agent"),
    ({"community": "ops\nro"}, "community must be a community name of the agent"),
    ({"oids": ["sysDescr.0"]}, "oids: 'sysDescr.0' are not numeric OIDs"),
    ({"oids": ["1.3.6.01"]}, "oids: '1.3.6.01' are not numeric OIDs"),
    ({"timeout": 0}, "timeout must be at least 1"),
    ({"retries": -1}, "timeout must be at least 1, retries at least 0"),
    ({"port": 70000}, "timeout must be at least 1, retries at least 0 and port between 1 and 65535"),
])
def test_options_that_cannot_be_sent_are_named(changed, expected):
    assert snmp_query.options_problem({**PARAMS, **changed}).startswith(expected)


def test_the_community_is_not_shown_in_its_refusal():
    assert "ops\nro" not in snmp_query.options_problem({**PARAMS, "community": "ops\nro"})
