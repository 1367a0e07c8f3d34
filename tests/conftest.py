"""Makes `ansible_collections.oscc.admin` importable from this checkout in every test."""
import os
import pathlib
import sys

import pytest

try:
    from _pytest.nodeid import NodeId  # pytest 9.2: a node's id is structured (see _name_the_group)
except ImportError:
    NodeId = None

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, ".collections")
sys.path.insert(0, os.path.join(ROOT, "tests", "lab"))
sys.path.insert(0, os.path.join(ROOT, "tests", "bench"))  # doc_figures: the round trips docs/windows.md states

from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder  # noqa: E402

_AnsibleCollectionFinder(paths=[COLLECTIONS])._install()

# Slowest first (longest-processing-time order): xdist hands out tests one by one as a worker gets free, so the long
# playbook tests start early and the quick unit and static tests fill the gaps at the end. Files named here lead,
# by the seconds one of their tests took in a full run (--durations); the rest keep their collected order. (xdist's
# loadgroup hands out a module's group, e.g. the AWX tests, before single tests anyway: the largest groups first.)
SLOW_FILES = ("test_ha_restores.py", "test_ha_replication.py", "test_cluster_playbooks.py",
              "test_replication_playbooks.py", "test_shared_destination.py", "test_backup_restore.py",
              "test_restore_swapped_archive.py", "test_web_components_iis.py", "test_latest_choice.py",
              "test_replication_modules.py", "test_restore_take_over.py", "test_web_components_sunjava.py",
              "test_web_components_tomcat.py", "test_java_keystore_cert.py", "test_replication_preflight.py",
              "test_schedule.py", "test_schedule_forged_records.py", "test_schedule_records.py",
              "test_first_run_risks.py", "test_wallboard.py", "test_role_booleans.py")
SUITE_ORDER = ("integration", "lab", "unit", "static")


def _rank(item):
    path = item.path
    tests = pathlib.Path(ROOT, "tests")
    suite = path.relative_to(tests).parts[0] if path.is_relative_to(tests) else ""
    slow = SLOW_FILES.index(path.name) if path.name in SLOW_FILES else len(SLOW_FILES)
    return (SUITE_ORDER.index(suite) if suite in SUITE_ORDER else len(SUITE_ORDER), slow)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the xdist_group marks
def pytest_collection_modifyitems(config, items):
    """A module's tests that share a module-scoped fixture (a lab run, a Tomcat, Dovecot and Postfix) stay on one
    worker: spread over both, each worker would build it again every time it returns from another module."""
    for item in items:
        if not item.get_closest_marker("xdist_group"):
            fixtures = getattr(item, "_fixtureinfo", None)
            definitions = fixtures.name2fixturedefs.values() if fixtures else ()
            if any(d[-1].scope == "module" for d in definitions if d):
                item.add_marker(pytest.mark.xdist_group(f"{item.path.stem}-module"))
        if getattr(config.option, "loadgroup", False):  # an xdist worker of --dist loadgroup
            _name_the_group(item)
    items.sort(key=_rank)


def _name_the_group(item):
    """The `@group` suffix xdist's loadgroup scheduler reads from a worker's node ids. pytest 9.2 keeps the id in a
    structured field that xdist 3.8 does not write (pytest-dev/pytest-xdist#1386): without this, every group's tests
    were spread over both workers, each building the module's fixture again."""
    groups = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                     for m in item.iter_markers("xdist_group")})
    if not groups or NodeId is None or not isinstance(getattr(item, "_id", None), NodeId):
        return
    if "@" in item.nodeid.rsplit("]", 1)[-1]:  # named already
        return
    item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(groups)}")
