"""The retention comparison before a report data synchronisation (manual §7.2 note)."""
import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.oscc.admin.plugins.filter.retention_shortfall import retention_shortfall


def test_shorter_categories_and_the_days_they_would_lose():
    short = retention_shortfall({"contacts": 90, "agents": "400", "calls": 365}, {"contacts": 365, "agents": 365,
                                                                                  "calls": 365, "ivr": 30},
                                today="2026-12-02")
    assert short == [{"category": "contacts", "main_days": 365, "report_days": 90, "dropped_from": "2025-12-02",
                      "dropped_until": "2026-09-03"}]


def test_equal_or_longer_keeps_everything():
    assert retention_shortfall({"contacts": 400}, {"contacts": 365}) == []
    assert retention_shortfall({}, {"contacts": 365}) == []


@pytest.mark.parametrize("report,main,word", [({"a": "x"}, {"a": 1}, "report server's a"), ({"a": 1}, {"a": -1}, "negative"),
                                              ([], {}, "mappings")])
def test_bad_values_get_one_line(report, main, word):
    with pytest.raises(AnsibleFilterError, match=word):
        retention_shortfall(report, main)
