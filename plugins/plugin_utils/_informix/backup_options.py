# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: the one builder of a verified backup's arguments, for informix_backup, the restore's safety
# backup and informix_backup_schedule: every option informix_backup documents, with its documented
# default, then the values given. A new documented option reaches plan_backup with no other edit.
from __future__ import annotations

import copy

from ansible_collections.oscc.admin.plugins.plugin_utils._host.options import module_spec


def backup_arguments(given: dict) -> dict:
    """informix_backup's arguments: each documented option at its default (None when it has none), then the given
    values (a given None stays None)."""
    documented = module_spec("informix_backup")
    defaults = {name: copy.deepcopy(option.get("default")) for name, option in documented.items()}
    return {**defaults, **given}
