"""Chains, parents and retention: what may be deleted and what a restore takes."""
import ntpath
import posixpath

import pytest

from ansible_collections.oscc.admin.plugins.plugin_utils._informix import archives as arc
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import signing

# These manifests are written by hand, unsigned: taken as the explicit opt-in takes them (signing: test_signing.py).
UNSIGNED_ACCEPTED = signing.Trust(accept_unsigned=True)


def own_manifests(*args, **kwargs):
    return arc.own_manifests(*args, trust=UNSIGNED_ACCEPTED, **kwargs)[:3]


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


# ---------------------------------------------------------------- whose manifests, and which to trust

DEST = "\\\\backupsrv\\oscc"
ROOTS = ["D:\\CCDATA"]


def on_share(name, server="ol_main", **extra):
    return {"format": 1, "name": name, "informixserver": server, "level": 0, "verified": True, "start": name[-20:],
            "manifest": f"{DEST}\\{name}.json", "archive": name + ".arc", "sha256": "0" * 64, "size": 1,
            "chunks": ["D:\\CCDATA\\rootdbs.000"], **extra}


@pytest.mark.parametrize("archive", ["..\\..\\Windows\\win.ini", "D:\\other.arc", "C:victim.arc", "\\\\host\\s\\x.arc",
                                     "a/../b.arc", "x\x00.arc", "", ".."])
def test_a_manifest_naming_an_archive_outside_the_destination_is_skipped_with_its_reason(archive):
    own, skipped, others = own_manifests([on_share("ol_main_20261201T010000000_L0", archive=archive)],
                                         "ol_main", ntpath, DEST, None, ROOTS)
    assert own == [] and others == 0 and len(skipped) == 1
    assert skipped[0]["reason"].startswith("archive ")


@pytest.mark.parametrize("chunk, words", [("rootdbs.000", "not an absolute path"), ("\\CCDATA\\x", "not an absolute"),
                                          ("D:\\CCDATA\\..\\Windows\\x", "'..'"), ("C:\\Windows\\x", "outside"),
                                          ("D:\\CCDATA-evil\\x", "outside"), ("", "empty")])
def test_chunk_paths_must_lie_in_the_servers_chunk_locations(chunk, words):
    own, skipped, others = own_manifests([on_share("ol_main_20261201T010000000_L0", chunks=[chunk])], "ol_main",
                                         ntpath, DEST, None, ROOTS)
    assert others == 0
    assert own == [] and words in skipped[0]["reason"]


def test_other_servers_and_foreign_files_are_counted_never_taken():
    manifests = [on_share("ol_main_20261201T010000000_L0"), on_share("ol_backup_20261201T010000000_L0", "ol_backup"),
                 {"manifest": f"{DEST}\\export.json", "unreadable": "not a JSON object"},
                 {"manifest": f"{DEST}\\ol_main_20261202T010000000_L0.json", "unreadable": "Expecting value"},
                 on_share("ol_backup_20261203T010000000_L0", "ol_main"),  # relabelled: names ol_main, file is not
                 dict(on_share("ol_main_20261204T010000000_L0"), name="ol_main_20261204T010000000_L1")]
    own, skipped, others = own_manifests(manifests, "ol_main", ntpath, DEST, None, ROOTS)
    assert [m["name"] for m in own] == ["ol_main_20261201T010000000_L0"] and others == 2
    assert own[0]["archive_path"] == DEST + "\\ol_main_20261201T010000000_L0.arc"
    reasons = [s["reason"] for s in skipped]
    assert reasons[0].startswith("not a readable manifest") and "file name is not one of ol_main's" in reasons[1]
    assert "is not its file name" in reasons[2]
    assert arc.newer_than(skipped, own[0], ntpath) == [s["manifest"] for s in skipped]


def test_links_and_archives_resolving_outside_are_skipped_on_posix():
    base = {"format": 1, "informixserver": "ol_x", "level": 0, "verified": True,
            "archive": "ol_x_20261201T010000000_L0.arc",
            "start": "2026-12-01T01:00:00.000Z", "sha256": "0" * 64, "size": 1,
            "name": "ol_x_20261201T010000000_L0", "manifest": "/b/ol_x_20261201T010000000_L0.json", "chunks": []}
    for extra, words in (({"archive_link": True}, "is a link"), ({"manifest_link": True}, "manifest is a link"),
                         ({"archive_resolved": "/etc/passwd"}, "leads outside the destination")):
        skipped = own_manifests([dict(base, **extra)], "ol_x", posixpath, "/b", "/b", [])[1]
        assert words in skipped[0]["reason"], extra
    own = own_manifests([dict(base, archive_resolved="/b/ol_x_20261201T010000000_L0.arc")], "ol_x", posixpath,
                        "/b", "/b", [])[0]
    assert len(own) == 1


def test_chunk_locations_come_from_onconfig_and_onstat():
    found = arc.chunk_locations(ntpath, {"ROOTPATH": "D:\\CCDATA\\rootdbs.000", "MIRRORPATH": "E:\\MIRROR\\root.000"},
                                ["F:\\More\\cc.000", "relative\\x"])
    assert found == ["D:\\CCDATA", "E:\\MIRROR", "F:\\More"]


@pytest.mark.parametrize("change, words", [
    ({"level": "0"}, "level is str"), ({"start": 5}, "start is int"), ({"level": None}, "level is NoneType"),
    ({"verified": "false"}, "verified is str"), ({"parent_checkpoint": "x"}, "parent_checkpoint is str"),
    ({"checkpoint": {"log": "28", "date": "d"}}, "checkpoint.log"), ({"sha256": None}, "no sha256 and size"),
    ({"level": 3}, "level 3 is not 0, 1 or 2"), ({"format": 2}, "format 2"), ({"chunks": "D:\\x"}, "chunks is str"),
    ({"archive": "ol_main_20000101T000000000_L0.arc"}, "is not its own archive"),
])
def test_a_manifest_of_the_wrong_shape_is_skipped_never_read(change, words):
    own, skipped, _others = own_manifests([dict(on_share("ol_main_20261201T010000000_L0"), **change)], "ol_main",
                                          ntpath, DEST, None, ROOTS)
    assert own == [] and words in skipped[0]["reason"], skipped


def test_a_missing_key_is_named_and_prefixed_server_names_stay_apart():
    manifest = on_share("ol_main_20261201T010000000_L0")
    del manifest["level"]
    assert own_manifests([manifest], "ol_main", ntpath, DEST, None, ROOTS)[1][0]["reason"] == "level is missing"
    other = on_share("ol_main_2_20261201T010000000_L0", "ol_main_2")
    unreadable = {"manifest": f"{DEST}\\ol_main_2_20261202T010000000_L0.json", "unreadable": "Expecting value"}
    own, skipped, others = own_manifests([other, unreadable], "ol_main", ntpath, DEST, None, ROOTS)
    assert own == [] and skipped == [] and others == 2


@pytest.mark.parametrize("key", ["sha256", "size", "archive", "parent", "checkpoint", "chunks", "tool"])
def test_an_optional_key_left_out_is_no_crash(key):
    manifest = on_share("ol_main_20261201T010000000_L0")
    manifest.pop(key, None)
    own, skipped, _others = own_manifests([manifest], "ol_main", ntpath, DEST, None, ROOTS)
    assert len(own) + len(skipped) == 1
    assert key not in ("sha256", "size") or skipped[0]["reason"] == "it names an archive but no sha256 and size"


# ---------------------------------------------------------------- one folder, every spelling of it (issue 19 review)

SPELLINGS_OF_DEST = ["\\\\backupsrv\\oscc\\", "\\\\backupsrv\\oscc\\.", "\\\\backupsrv\\oscc\\safety\\..",
                     "\\\\backupsrv\\OSCC\\", "\\\\?\\UNC\\backupsrv\\oscc", "\\\\?\\unc\\BACKUPSRV\\oscc\\",
                     "//backupsrv/oscc/", "\\\\backupsrv\\oscc\\\\", DEST,
                     # issue 19 second review: a repeated separator, the \\.\ prefix, \\?\\UNC
                     "\\\\backupsrv\\\\oscc", "\\\\.\\UNC\\backupsrv\\oscc", "\\\\?\\\\UNC\\backupsrv\\oscc"]


@pytest.mark.parametrize("spelling", SPELLINGS_OF_DEST)
def test_every_spelling_of_a_share_root_is_the_same_folder(spelling):
    assert arc.is_within(ntpath, spelling, DEST) and arc.is_within(ntpath, DEST, spelling)
    assert arc.is_within(ntpath, spelling, DEST + "\\ol_main_x.json")
    assert not arc.is_within(ntpath, spelling + "\\safety", DEST)


@pytest.mark.parametrize("spelling", SPELLINGS_OF_DEST)
def test_a_safety_destination_spelled_as_the_destination_is_refused(spelling):
    """The share root with a trailing backslash was taken for another folder (normpath keeps that backslash)."""
    from ansible.errors import AnsibleActionFail

    from ansible_collections.oscc.admin.plugins.plugin_utils._informix.restore_plan import safety_folder

    with pytest.raises(AnsibleActionFail, match="is the destination"):
        safety_folder({"safety_destination": spelling}, DEST, ntpath)
    assert safety_folder({"safety_destination": DEST + "\\safety\\"}, DEST, ntpath) == DEST + "\\safety\\"


@pytest.mark.parametrize("root, path, within", [
    ("\\\\?\\D:\\OSCC-Backups", "d:\\oscc-backups\\x", True), ("D:\\", "D:\\x", True), ("D:\\", "d:", True),
    ("D:\\OSCC-Backups\\", "D:\\OSCC-Backups-evil", False), ("\\\\backupsrv\\oscc", "\\\\backupsrv\\oscc2\\x", False),
    ("/lab/share/", "/lab/share", True), ("/", "/lab", True), ("/lab/share", "/lab/Share", False),
])
def test_is_within_compares_folders_not_spellings(root, path, within):
    module = posixpath if root.startswith("/") else ntpath
    assert arc.is_within(module, root, path) is within


# ---------------------------------------------------------------- review 19c: how `latest` may not choose
def at(log, position, start, name, level=0, parent=None, **extra):
    checkpoint = {"log": log, "position": position, "date": "12/07/2026.10:41"}
    return dict(m(name, level, parent, start=start), checkpoint=checkpoint, **extra)


def test_latest_never_chooses_an_unsigned_manifest_even_with_no_signed_one():
    signed, unsigned = at(10, "0x1018", "1", "s0"), at(10, "0x2018", "2", "u0", unsigned=True)
    assert names(arc.newest_candidates([signed, unsigned])) == ["s0"]
    assert arc.newest_candidates([unsigned]) == []


def test_the_servers_newest_archive_in_no_trusted_manifest_refuses_the_older_chain():
    a, b = at(10, "0x1018", "1", "a0"), at(10, "0x2018", "2", "b0")
    record = {0: {"log": 10, "position": "0x2018", "date": "12/07/2026.10:41"}}
    problem = arc.unrecorded_newest([a], record, [a])  # b's manifest deleted from the share
    assert "level 0, 12/07/2026.10:41, log 10 position 0x2018" in problem and "older chain a0 ending at a0" in problem
    assert arc.unrecorded_newest([a], record, [a, b]) is None  # b trusted but passed over (a damaged archive)
    assert arc.unrecorded_newest([b], record, [a, b]) is None
    assert arc.unrecorded_newest([a], {}, [a]) is None  # no record: the order check decides


def test_checkpoint_and_start_order_disagreeing_is_found():
    a, b = at(10, "0x1018", "1", "a0"), at(10, "0x2118", "2", "b0")
    c = at(10, "0x2018", "3", "c0")  # taken after a rollback to a: its log position continues from a's
    by_checkpoint, by_start = arc.order_disagreement(arc.chains([a, b, c]))
    assert (by_checkpoint["name"], by_start["name"]) == ("b0", "c0")
    assert arc.order_disagreement(arc.chains([a, b])) is None
    level1 = at(10, "0x2218", "4", "b1", level=1, parent="b0")  # a later point of the newest chain agrees
    assert arc.order_disagreement(arc.chains([a, b, level1])) is None
