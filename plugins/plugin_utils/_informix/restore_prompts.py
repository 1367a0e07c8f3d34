# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: The ontape restore prompt table
# (docs/vendor-facts.md, Informix: ontape prompts and messages; manual §6.3.3 steps 6-10). The
# remote procedures drive ontape by matching these patterns, case-insensitively, against what it
# printed so far - never by counting prompts. The first matching entry wins.
from __future__ import annotations

import re

from ansible_collections.oscc.admin.plugins.plugin_utils._host.contract import ABORT, NEXT_LEVEL, RETURN

RESTORE_PROMPTS = [
    (r"press Return to continue", RETURN),
    (r"Continue restore\? \(y/n\)", "=y"),
    (r"Do you want to back up the logs\? \(y/n\)", "=n"),  # "y" opens the open-ended log salvage dialogue
    (r"Restore a level ([12]) archive \(y/n\)", NEXT_LEVEL),  # group 1: the level (hosts read numbered groups)
    (r"Do you want to restore log tapes\? \(y/n\)", "=n"),  # OSCC runs with LTAPEDEV NUL: no logs to replay
    (r"Please enter the level of archive", ABORT),
    (r"Would you like to back up|Enter the id of the oldest log", ABORT),
    (r"\(y/n\)", ABORT),
]
FINISHED = r"Program over\."


def reply_for(prompt_text: str, levels_planned: int):
    """What the driver answers to one prompt: (pattern index, reply, archive level now due).

    The host executor's prompted operation in miniature, used to test the table.
    """
    for index, (pattern, action) in enumerate(RESTORE_PROMPTS):
        match = re.search(pattern, prompt_text, re.I)
        if not match:
            continue
        if action == NEXT_LEVEL:
            level = int(match.group(1))
            return (index, "y", level) if level < levels_planned else (index, "n", None)
        return index, action.removeprefix("="), None
    return None
