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


def test_whole_numbers_as_text_or_float_are_days():
    shortfall = retention_shortfall({"a": " 90 ", "b": 365.0}, {"a": 365, "b": 365}, today="2026-12-02")
    assert shortfall[0]["report_days"] == 90


def test_equal_or_longer_keeps_everything():
    assert retention_shortfall({"contacts": 400}, {"contacts": 365}) == []
    assert retention_shortfall({}, {"contacts": 365}) == []


@pytest.mark.parametrize("report,main,word", [
    ({"a": "x"}, {"a": 1}, "report server's a"), ({"a": 1}, {"a": -1}, "between 0 and 36500"), ([], {}, "mappings"),
    ({"a": 90.5}, {"a": 365}, "whole number"), ({"a": 90}, {"a": 1e20}, "between 0 and 36500"),
    ({"a": 90}, {"a": float("inf")}, "whole number"), ({"a": True}, {"a": 365}, "whole number"),
    ({"a": "3.5"}, {"a": 365}, "whole number")])
def test_bad_values_get_one_line(report, main, word):
    with pytest.raises(AnsibleFilterError, match=word):
        retention_shortfall(report, main)
