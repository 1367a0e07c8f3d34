"""The restore prompt table against the prompts in docs/vendor-facts.md.

See docs/vendor-facts.md (Informix: ontape prompts and messages) and manual §6.3.3."""
import re

import pytest

from ansible_collections.oscc.admin.plugins.plugin_utils._host import contract
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import restore_prompts as prompts
from ansible_collections.oscc.admin.plugins.plugin_utils._mail.header_tool_prompts import header_tool_prompts


@pytest.mark.parametrize("text, levels, reply, due", [
    ("Please mount tape 1 on C:\\Backups\\Backup.001 and press Return to continue ...", 1, contract.RETURN, None),
    ("Restore will use level 0 archive file /b/x_L0. Press Return to continue ...", 1, contract.RETURN, None),
    ("Continue restore? (y/n)", 1, "y", None),
    ("Do you want to back up the logs? (y/n)", 1, "n", None),
    ("Restore a level 1 archive (y/n) ", 1, "n", None),
    ("Restore a level 1 archive (y/n) ", 2, "y", 1),
    ("Restore a level 1 archive (y/N) ", 2, "y", 1),
    ("Restore a level 2 archive (y/n) ", 2, "n", None),
    ("Restore a level 2 archive (y/n) ", 3, "y", 2),
    ("Do you want to restore log tapes? (y/n)", 3, "n", None),
    ("Please enter the level of archive to be performed (0, 1, or 2) ", 1, contract.ABORT, None),
    ("Would you like to back up log 7? (y/n) ", 1, contract.ABORT, None),
    ("Enter the id of the oldest log that you would like to backup? ", 1, contract.ABORT, None),
    ("Overwrite everything? (y/n)", 1, contract.ABORT, None),
])
def test_reply_for_each_documented_prompt(text, levels, reply, due):
    answer, level = prompts.reply_for(text, levels)[1:]
    assert (answer, level) == (reply, due)


def test_plain_output_is_no_prompt():
    assert prompts.reply_for("Archive Tape Information\nArchive level:  0\n", 1) is None


def test_the_header_tool_is_answered_in_the_manuals_order_with_the_password_as_a_secret():
    answers = {"from_address": "a@x", "to_address": "b@x", "subject": "s", "smtp_host": "mail", "smtp_port": 587,
               "smtp_user": "a@x"}
    table = header_tool_prompts(answers)
    assert [entry[1] for entry in table] == ["return", "=a@x", "=b@x", "=s", "=mail", "=587", "=a@x",
                                             "secret:smtp_password"]
    assert all(entry[2:] == ["once"] for entry in table[1:])
    printed = "From address: To address: Subject: SMTP server host name: SMTP server port number: SMTP user name: "
    starts = [re.search(entry[0], printed + "SMTP password: ", re.I).start() for entry in table[1:]]
    assert starts == sorted(starts)  # each label is found where the manual puts it, none inside another
