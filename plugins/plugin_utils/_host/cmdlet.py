# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: The executor's cmdlet operation (contract.OPERATIONS["cmdlet"]) as the Windows-only plugins use it: requests
# built here, and what a cmdlet returned read from a batch's results by name (_host/batch.py). No I/O.
from __future__ import annotations


class CmdletError(Exception):
    """What a plan cannot go on from, in one line."""


def cmdlet(name: str, *, module: str | None = None, snapin: str | None = None, select: list | None = None,
           **parameters) -> dict:
    """One cmdlet operation. Parameters are splatted as given: a dict becomes a hashtable, a list an array."""
    op = {"op": "cmdlet", "name": name}
    if module:
        op["module"] = module
    if snapin:
        op["snapin"] = snapin
    if parameters:
        op["parameters"] = parameters
    if select:
        op["select"] = list(select)
    return op


def services_read(names, **parameters) -> dict:
    """Get-Service of the named services, name and status; one not installed is left out, not an error."""
    return cmdlet("Get-Service", Name=list(names), ErrorAction="SilentlyContinue", select=["Name", "Status"],
                  **parameters)


def objects(results: dict, key) -> list:
    """The objects a cmdlet returned; None when it did not run or failed."""
    result = results.get(key)
    if not result or not result.get("ok"):
        return None
    return list(result.get("objects") or [])


def first(results: dict, key) -> dict | None:
    found = objects(results, key)
    return found[0] if found else None


def truthy(value) -> bool:
    """A boolean as PowerShell gives it: a bool, or its text from an adapter that returns strings."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)
