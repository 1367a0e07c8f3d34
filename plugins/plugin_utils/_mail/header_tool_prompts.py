# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: The prompt table of osccmseheaders.exe (manual §3.4.1 steps 2-9), answered by the host executor's prompted
# operation (_host/contract.py).
from __future__ import annotations

from ansible_collections.oscc.admin.plugins.plugin_utils._host.contract import RETURN

# osccmseheaders.exe (manual §3.4.1 steps 2-9): its prompts in the manual's words, each answered once
# except Return. The manual gives no prompt texts beyond these labels, so a changed utility fails
# closed: an unanswered prompt runs into the timeout, a refused answer is asked again and stops it.
HEADER_TOOL_LABELS = (
    ("from_address", r"From address"),
    ("to_address", r"To address"),
    ("subject", r"Subject"),
    ("smtp_host", r"SMTP server host ?name"),
    ("smtp_port", r"SMTP server port( number)?"),
    ("smtp_user", r"SMTP user ?name"),
)


def header_tool_prompts(answers: dict) -> list:
    """The prompt table for osccmseheaders.exe; the password is answered from the secret smtp_password."""
    table = [[r"press (the )?(enter|return)|press any key", RETURN]]
    # "=" makes each answer literal: a subject "secret:smtp_password" or "abort" is sent as typed.
    table += [[pattern, "=" + str(answers[key]), "once"] for key, pattern in HEADER_TOOL_LABELS]
    table.append([r"SMTP password", "secret:smtp_password", "once"])
    return table
