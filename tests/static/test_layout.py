"""The test tree: pytest collects every directory in one run, so no two test modules may share a name."""
import collections
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_no_two_test_modules_share_a_name():
    names = collections.Counter(
        name for folder, _dirs, files in os.walk(os.path.join(ROOT, "tests")) if "collections" not in folder
        for name in files if name.startswith("test_") and name.endswith(".py"))
    assert [name for name, count in names.items() if count > 1] == []
