# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# What the WAR deploy modules share: the WAR's digest, and a WAR an earlier task builds in a real run.
from __future__ import annotations

import hashlib
import os

from ansible_collections.oscc.admin.plugins.module_utils._option_checks import file_problem, os_error_problem


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def war_digest(module, war):
    """SHA-256 of the WAR; None in check mode when an earlier task would have built it (it is then deployed)."""
    if module.check_mode and not os.path.lexists(war):
        return None
    problem = file_problem("war", war)
    if problem:
        module.fail_json(msg=problem)
    try:
        return sha256(war)
    except OSError as exc:
        module.fail_json(msg=os_error_problem("war", war, exc))
