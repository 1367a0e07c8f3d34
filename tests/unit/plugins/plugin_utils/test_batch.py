"""A batch built by naming each operation, its results read back by name, and the operation it stopped at."""
import ast
import os

import pytest

from ansible_collections.oscc.admin.plugins.plugin_utils._host import batch as batch_module
from ansible_collections.oscc.admin.plugins.plugin_utils._host import executor_posix as posix
from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch, step_of

PURE_READERS = ("_host/batch.py", "_host/cmdlet.py", "_web/iis.py", "_mail/exchange.py", "_mail/keystore.py",
                "_replication/preflight.py")


def run(batch):
    """The batch carried out by the POSIX executor here, as Target.batch(batch.ops, batch.cleanup) answers."""
    return posix.run_batch({"ops": batch.ops, "cleanup": batch.cleanup}, {})


def test_results_are_read_by_the_names_given_cleanup_included(tmp_path):
    (tmp_path / "a").write_text("alpha")
    reads = Batch().add("a", {"op": "read", "path": str(tmp_path / "a"), "encoding": "utf-8"})
    reads.add(("stat", "b"), {"op": "stat", "path": str(tmp_path / "b")})
    reads.add_cleanup("listing", {"op": "list", "path": str(tmp_path), "pattern": "*"})
    done = run(reads)
    results = reads.results(done)
    assert sorted(results, key=str) == [("stat", "b"), "a", "listing"]
    assert results["a"]["content"] == "alpha" and results[("stat", "b")]["exists"] is False
    assert [e["name"] for e in results["listing"]["entries"]] == ["a"]
    assert reads.failed(done) is None


def test_the_failed_operation_is_named_with_its_step_and_later_ones_have_no_result(tmp_path):
    (tmp_path / "page").write_text("old")
    writes = Batch().add("folder", {"op": "mkdir", "path": str(tmp_path / "new")})
    writes.add(("page", "page"), {"op": "write", "path": str(tmp_path / "page"), "content": "new",
                                  "encoding": "utf-8", "expected_sha256": "0" * 64})
    writes.add("never", {"op": "mkdir", "path": str(tmp_path / "never")})
    done = run(writes)
    failed = writes.failed(done)
    assert failed.name == ("page", "page") and failed.step == "page" and failed.index == 1
    assert failed.op is writes.ops[1] and failed.result is done["results"][1] and not failed.result["ok"]
    assert "\n" not in failed.error and failed.error
    assert failed.line() == f"write failed: {failed.error}"
    assert failed.line(lambda op: "the page " + op["path"]) == f"the page {tmp_path / 'page'} failed: {failed.error}"
    assert set(writes.results(done)) == {"folder", ("page", "page")}
    assert writes.ran(done) == ["folder", ("page", "page")]
    assert not (tmp_path / "never").exists() and (tmp_path / "page").read_text() == "old"


def test_a_lock_not_taken_halts_the_batch_and_is_found_as_its_failure(tmp_path):
    lock = {"op": "lock", "path": str(tmp_path / "x.lock"), "record": {"token": "first"}}
    posix.run_batch({"ops": [dict(lock, ttl=3600)]}, {})
    second = Batch().add("lock", dict(lock, record={"token": "second"}))
    second.add("work", {"op": "mkdir", "path": str(tmp_path / "work")})
    failed = second.failed(run(second))
    assert failed.step == "lock" and failed.result["ok"] and failed.result["halt"] and not (tmp_path / "work").exists()


def test_a_name_given_twice_is_refused_among_operations_and_cleanup_alike():
    batch = Batch().add("lock", {"op": "stat", "path": "/"}).add_cleanup("unlock", {"op": "stat", "path": "/"})
    with pytest.raises(ValueError, match="two operations of one batch are named 'lock'"):
        batch.add("lock", {"op": "stat", "path": "/tmp"})
    with pytest.raises(ValueError, match=r"named \('delete', 'x'\)"):
        batch.add(("delete", "x"), {}).add_cleanup(("delete", "x"), {})
    with pytest.raises(ValueError, match="named 'unlock'"):
        batch.add("unlock", {})
    assert batch.names == ["lock", ("delete", "x")] and batch.cleanup_names == ["unlock"]


def test_numbered_operations_keep_their_order_and_a_step_is_a_name_without_its_item():
    ops = [{"op": "stat", "path": p} for p in ("/a", "/b")]
    batch = Batch.numbered(ops, "change")
    assert batch.names == [("change", 0), ("change", 1)] and batch.ops == ops and batch.index(("change", 1)) == 1
    assert step_of(("change", 1)) == "change" and step_of("lock") == "lock"


def test_a_damaged_answer_fails_loudly_rather_than_naming_another_operation():
    batch = Batch().add("only", {"op": "stat", "path": "/"})
    with pytest.raises(IndexError):
        batch.failed({"results": [{"ok": False}], "failed_at": 3})


@pytest.mark.parametrize("relative", PURE_READERS)
def test_the_batch_and_the_pure_planners_never_import_the_seam(relative):
    plugin_utils = os.path.dirname(os.path.dirname(batch_module.__file__))
    with open(os.path.join(plugin_utils, relative), encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    imported = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    assert not [name for name in imported if name.endswith(("_host.target", "_host.action"))]
