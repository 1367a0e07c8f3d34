"""The collection's one rule each for ports and e-mail addresses."""
import pytest

from ansible_collections.oscc.admin.plugins.module_utils._option_checks import address_problem, port_problem


@pytest.mark.parametrize("values, problem", [
    ({"port": 1, "tls_port": 65535, "other": None}, None),
    ({"port": 0}, "port must be between 1 and 65535, got 0"),
    ({"port": 80, "tls_port": 65536}, "tls_port must be between 1 and 65535, got 65536"),
    ({"a": -1, "b": 70000}, "a must be between 1 and 65535, got -1"),
])
def test_the_first_port_outside_the_range_is_named(values, problem):
    assert port_problem(values) == problem


@pytest.mark.parametrize("values, problem", [
    ({"account": "oscc@x.example", "report_sender": None}, None),
    ({"account": "oscc"}, "account must be an e-mail address, got 'oscc'"),
    ({"account": "a@x", "report_sender": "reports"}, "report_sender must be an e-mail address, got 'reports'"),
])
def test_the_first_option_that_is_no_address_is_named(values, problem):
    assert address_problem(values) == problem
