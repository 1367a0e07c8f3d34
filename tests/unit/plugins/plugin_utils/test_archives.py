"""Chains, parents and retention: what may be deleted and what a restore takes."""
import pytest

from ansible_collections.oscc.admin.plugins.plugin_utils import _archives as arc


def m(name, level, parent=None, start=None, verified=True, **extra):
    return {"format": 1, "name": name, "level": level, "parent": parent, "start": start or name, "verified": verified,
            "checkpoint": {"date": f"d-{name}", "log": len(name)}, **extra}


A0, A1, A2 = m("a0", 0), m("a1", 1, "a0"), m("a2", 2, "a1")
B0, B1 = m("b0", 0), m("b1", 1, "b0")
C0 = m("c0", 0)


def names(manifests):
    return [x["name"] for x in manifests]


def test_chains_group_dependents_under_their_level0():
    assert [names(c) for c in arc.chains([B1, A2, C0, A0, B0, A1])] == [["a0", "a1", "a2"], ["b0", "b1"], ["c0"]]


def test_unverified_archives_belong_to_no_chain():
    assert [names(c) for c in arc.chains([A0, m("a1", 1, "a0", verified=False)])] == [["a0"]]


def test_retention_keeps_newest_chains_with_all_dependents():
    assert names(arc.retention_plan([A0, A1, A2, B0, B1, C0], keep_full=2)) == ["a0", "a1", "a2"]
    assert arc.retention_plan([A0, A1, B0], keep_full=5) == []


def test_retention_never_takes_the_newest_chain():
    with pytest.raises(arc.ChainError, match="keep_full"):
        arc.retention_plan([A0], keep_full=0)
    assert names(arc.retention_plan([A0, A1, B0], keep_full=1)) == ["a0", "a1"]


def test_retention_ignores_unverified_and_orphaned_archives():
    orphan = m("x1", 1, "gone")
    broken = m("z0", 0, verified=False)
    assert names(arc.retention_plan([orphan, broken, A0, B0], keep_full=1)) == ["a0"]


def test_parent_is_the_newest_lower_level_of_the_newest_chain():
    assert arc.parent_for([A0, A1, B0], 1)["name"] == "b0"
    assert arc.parent_for([A0, A1, A2, B0, B1], 2)["name"] == "b1"
    assert arc.parent_for([A0], 0) is None


def test_incremental_without_a_base_is_refused():
    with pytest.raises(arc.ChainError, match="level 0"):
        arc.parent_for([], 1)
    with pytest.raises(arc.ChainError, match="level 1"):
        arc.parent_for([A0, A1, B0], 2)


def test_incremental_refused_when_the_server_archived_elsewhere_since():
    server_knows = {0: {"date": "d-b0", "log": 2}}
    assert arc.parent_for([B0], 1, server_knows)["name"] == "b0"
    with pytest.raises(arc.ChainError, match="another tool archived"):
        arc.parent_for([B0], 1, {0: {"date": "later", "log": 9}})


def test_restore_takes_the_newest_point_of_the_newest_chain():
    later_l1 = m("b1x", 1, "b0", start="b9")
    assert names(arc.restore_chain([A0, A1, B0, B1, later_l1])) == ["b0", "b1x"]
    assert names(arc.restore_chain([A0, A1, A2])) == ["a0", "a1", "a2"]


def test_restore_of_a_named_manifest_walks_back_to_level0():
    assert names(arc.restore_chain([A0, A1, A2, B0], "a1")) == ["a0", "a1"]
    with pytest.raises(arc.ChainError, match="not part of"):
        arc.restore_chain([A0], "nope")


def test_include_levels():
    assert names(arc.restore_chain([A0, A1, A2], include_levels=[0])) == ["a0"]
    with pytest.raises(arc.ChainError, match="must contain 0"):
        arc.restore_chain([A0, A1], include_levels=[1])
    with pytest.raises(arc.ChainError, match="gap"):
        arc.restore_chain([A0, A1, A2], include_levels=[0, 2])


def test_no_chain_no_restore():
    with pytest.raises(arc.ChainError, match="no verified backup chain"):
        arc.restore_chain([m("z0", 0, verified=False)])


def test_a_scheduled_run_is_linked_to_its_base_by_the_server_checkpoint():
    scheduled = m("s1", 1, start="b5", parent_checkpoint={"date": "d-b0", "log": 2})
    orphan = m("s2", 1, start="b6", parent_checkpoint={"date": "elsewhere", "log": 99})
    assert [names(c) for c in arc.chains([A0, B0, scheduled, orphan])] == [["a0"], ["b0", "s1"]]
    assert names(arc.restore_chain([A0, B0, scheduled])) == ["b0", "s1"]
