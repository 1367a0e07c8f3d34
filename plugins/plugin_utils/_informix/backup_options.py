# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: the one builder of a verified backup's arguments, for informix_backup, the restore's safety
# backup and informix_backup_schedule: every option informix_backup documents, with its documented
# default, then the values given. A new documented option reaches plan_backup with no other edit.
from __future__ import annotations

import copy
import functools
import importlib

import yaml

COLLECTION = "ansible_collections.oscc.admin.plugins"


@functools.cache
def documented_options(module_name: str) -> dict:
    """A module's options as its DOCUMENTATION declares them, the collection's doc fragments included.
    The one place that reads the documented spec here; the action base's spec from DOCUMENTATION plugs in here."""
    doc = yaml.safe_load(importlib.import_module(f"{COLLECTION}.modules.{module_name}").DOCUMENTATION)
    options = dict(doc.get("options") or {})
    for fragment in doc.get("extends_documentation_fragment") or []:
        if fragment.startswith("oscc.admin."):
            shared = importlib.import_module(f"{COLLECTION}.doc_fragments.{fragment.split('.')[2]}")
            options = {**(yaml.safe_load(shared.ModuleDocFragment.DOCUMENTATION).get("options") or {}), **options}
    return options


def backup_arguments(given: dict) -> dict:
    """informix_backup's arguments: each documented option at its default (None when it has none), then the given
    values (a given None stays None)."""
    documented = documented_options("informix_backup")
    defaults = {name: copy.deepcopy(option.get("default")) for name, option in documented.items()}
    return {**defaults, **given}
