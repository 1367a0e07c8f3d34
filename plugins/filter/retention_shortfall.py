# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Manual §7.2 note: report data kept longer on the main server than on the central report server
# are dropped again by the report server's next data maintenance after a synchronisation.
from __future__ import annotations

import datetime as dt

from ansible.errors import AnsibleFilterError

MAX_DAYS = 36500  # a hundred years: longer is a typo, and dates before year 1 cannot be shown


def _days(value, what):
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        days = None
    else:
        try:
            days = int(value.strip() if isinstance(value, str) else value)
        except (TypeError, ValueError, OverflowError):
            days = None
    if days is None:
        raise AnsibleFilterError(f"retention_shortfall: {what} must be a whole number of days, got {value!r}")
    if not 0 <= days <= MAX_DAYS:
        raise AnsibleFilterError(f"retention_shortfall: {what} must be between 0 and {MAX_DAYS} days, got {days}")
    return days


def retention_shortfall(report: dict, main: dict, today: str | None = None) -> list[dict]:
    """The categories whose retention on the central report server is shorter than on the main server, with the
    days of synchronised data the next data maintenance would drop."""
    if not isinstance(report, dict) or not isinstance(main, dict):
        raise AnsibleFilterError("retention_shortfall: both retention periods must be mappings of category to days")
    day = dt.date.fromisoformat(today) if today else dt.date.today()
    short = []
    for category in sorted(main):
        kept_main = _days(main[category], f"the main server's {category}")
        if category not in report:
            continue
        kept_report = _days(report[category], f"the report server's {category}")
        if kept_report < kept_main:
            short.append({"category": category, "main_days": kept_main, "report_days": kept_report,
                          "dropped_from": (day - dt.timedelta(days=kept_main)).isoformat(),
                          "dropped_until": (day - dt.timedelta(days=kept_report)).isoformat()})
    return short


class FilterModule:
    def filters(self):
        return {"retention_shortfall": retention_shortfall}
