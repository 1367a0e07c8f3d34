# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: A run's output in one order whatever the host. A run result's output merges stdout and stderr in an order
# that differs by host (executor.ps1: stdout, then stderr; executor_posix.py: as they arrived), so a parser that
# looks at a position (a last line, a tail) reads the text given here, the same on both (docs/windows.md).
from __future__ import annotations


def in_fixed_order(result: dict | None) -> str:
    """stdout, then stderr, when the executor gave each stream alone; otherwise the output as it is (a result
    recorded before the streams came alone, or a prompted program's transcript)."""
    result = result or {}
    if result.get("stdout") is None and result.get("stderr") is None:
        return result.get("output") or ""
    return (result.get("stdout") or "") + (result.get("stderr") or "")


def last_line(result: dict | None, none: str = "no output") -> str:
    """The last line that says something, of the text in fixed order: a program's error line when it has one on
    stderr, which ends the text."""
    lines = [line.strip() for line in in_fixed_order(result).splitlines() if line.strip()]
    return lines[-1] if lines else none
