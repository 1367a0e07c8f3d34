"""Issue 19 (stage19): every archive a restore feeds, copies or stages is checked against its manifest's sha256 by
the executor, tapedev's levels 1 and 2 (the prompted operation's stage) too."""
import ntpath
from types import SimpleNamespace

import pytest

from ansible_collections.oscc.admin.plugins.plugin_utils._host import contract
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.host import Informix
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.restore import restore_ops

CHAIN = [{"archive_path": f"D:\\OSCC-Backups\\ol_main_L{level}.arc", "sha256": str(level) * 64} for level in range(3)]
TAPEDEV = "D:\\tape\\BACKUP.001"


def ops_of(method):
    informix = Informix(SimpleNamespace(path=ntpath, platform="windows"), "C:\\Informix", "ol_main", "ONCONFIG.ol_main")
    lock = SimpleNamespace(op=lambda: {"op": "lock", "path": "D:\\x.lock", "record": {}, "ttl": 60})
    staged = [f"D:\\tape\\oscc_restore_L{level}" for level in range(3)]
    return restore_ops(informix, CHAIN, method, TAPEDEV, 60, lock, {"missing_chunks": [], "staged": staged}, True)


def test_tapedev_stages_each_level_against_its_manifest_checksum():
    ops = ops_of("tapedev")
    (prompted,) = [op for op in ops.ops if op["op"] == "prompted"]
    assert prompted["stage"] == {"files": [m["archive_path"] for m in CHAIN], "target": TAPEDEV,
                                 "sha256": [m["sha256"] for m in CHAIN]}
    assert [p for op in ops.ops + ops.cleanup for p in contract.request_problems(op)] == []


@pytest.mark.parametrize("stage, words", [
    ({"files": ["a"], "target": "b", "sha256": "0" * 64}, "sha256 is not list"),
    ({"files": ["a"]}, "target is missing"),
    ({"files": ["a"], "target": "b", "checksums": []}, "unknown key 'checksums'"),
])
def test_a_stage_outside_the_contract_is_named(stage, words):
    problems = contract.request_problems({"op": "prompted", "argv": ["ontape"], "timeout": 1, "prompts": [],
                                          "stage": stage})
    assert any(words in p for p in problems), problems
