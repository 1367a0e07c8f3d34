# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# One rule, and one wording of its error, for the options every module checks alike: ports and e-mail addresses.
from __future__ import annotations


def port_problem(values):
    """The error for the first of `values` (option name -> port, None when not given) outside 1-65535, else None."""
    for option, value in values.items():
        if value is not None and not 1 <= value <= 65535:
            return f"{option} must be between 1 and 65535, got {value}"
    return None


def address_problem(values):
    """The error for the first of `values` (option name -> address, None when not given) that is no e-mail address."""
    for option, value in values.items():
        if value is not None and "@" not in value:
            return f"{option} must be an e-mail address, got {value!r}"
    return None
