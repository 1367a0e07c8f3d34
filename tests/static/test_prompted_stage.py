"""A prompted program still running at its deadline: both executors say the stage it reached in the words of
contract.PROMPTED_LATE, which the controller reads back to name the likely cause (a program reading the console, or
holding its prompts in a buffer; docs/windows.md, First-run checklist). The .ps1 cannot run here: its message is
filled in from its text and compared with the contract's form, and with what the controller reads."""
import os
import re

import pwsh_checks
import pytest

from ansible_collections.oscc.admin.plugins.plugin_utils._host import contract
from ansible_collections.oscc.admin.plugins.plugin_utils._host import executor_posix as posix
from ansible_collections.oscc.admin.plugins.plugin_utils._host.prompted import late_cause

SCRIPT = os.path.join(pwsh_checks.ROOT, "plugins", "plugin_utils", "_host", "executor.ps1")
STAGE = {"name": "ontape.exe", "timeout": 60, "answers": 2, "printed": 90, "since": 0, "last": "Continue? (y/n)"}
PS_VALUES = {"$name": "ontape.exe", "$seconds": "60", "$($talk.answers)": "2",
             "$($talk.transcript.Trim().Length)": "90", "$since": "0", "$($talk.last)": "Continue? (y/n)"}


def windows_message(source: str) -> str:
    """The deadline's error as the .ps1 builds it, its variables replaced by the values of STAGE."""
    stage = re.search(r'\$stage = "([^"]*)"', source).group(1)
    text = re.search(r'throw "(\$name did not finish within [^"]*)"', source).group(1).replace("$stage", stage)
    for variable in sorted(PS_VALUES, key=len, reverse=True):
        text = text.replace(variable, PS_VALUES[variable])
    return text


def posix_message() -> str:
    talk = posix._Conversation({"argv": ["/opt/informix/bin/ontape.exe"], "timeout": 60}, "latin-1")
    talk.transcript, talk.consumed = "x" * 90 + "\n", 91
    talk.answers, talk.last = 2, "Continue? (y/n)"
    return talk.late()


def test_both_executors_say_the_stage_in_the_contracts_words():
    expected = contract.PROMPTED_LATE.format(**STAGE)
    with open(SCRIPT, encoding="utf-8") as handle:
        assert windows_message(handle.read()) == expected
    assert posix_message() == expected
    assert late_cause(expected.split(" ", 1)[1]).startswith(
        "did not finish within 60 seconds: it printed nothing after the answer to 'Continue? (y/n)' (answer 2)")


@pytest.mark.parametrize("old, new", [
    ("since the last answer\"", "after the last answer\""),
    ("[$stage $since, last answered: $($talk.last)]", "[$stage $since]"),
])
def test_a_copy_that_says_the_stage_otherwise_fails(old, new):
    with open(SCRIPT, encoding="utf-8") as handle:
        source = handle.read()
    assert old in source
    assert windows_message(source.replace(old, new)) != contract.PROMPTED_LATE.format(**STAGE)
