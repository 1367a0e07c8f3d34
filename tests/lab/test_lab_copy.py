"""labctl.copy_lab: a copy of a built estate is a lab of its own, as if built at its own folder (the tests copy an
estate backed up once instead of backing it up for each test)."""
import os
import subprocess

import labctl

SERVERS = {"main": "ol_main", "backup": "ol_backup", "report": "ol_report"}


def estate(root):
    for host, server in SERVERS.items():
        labctl.init_host(str(root), host, server, platform="windows")
    labctl.init_replication(str(root))
    labctl.init_cluster(str(root))
    return str(root)


def files_naming(root, text):
    found = []
    for folder, _dirs, files in os.walk(root):
        for name in files:
            with open(os.path.join(folder, name), "rb") as handle:
                if text.encode() in handle.read():
                    found.append(os.path.join(folder, name))
    return found


def test_a_copied_estate_names_only_its_own_folder_and_keeps_the_files_times(tmp_path):
    source = estate(tmp_path / "built")
    copy = labctl.copy_lab(source, tmp_path / "copy")
    assert files_naming(copy, source + os.sep) == []
    assert files_naming(copy, copy + os.sep)  # the wrappers, the instances' states, the replication domain
    chunk = os.path.join("main", "drives", "D", "CCDATA", "rootdbs.000")
    assert os.stat(os.path.join(copy, chunk)).st_mtime_ns == os.stat(os.path.join(source, chunk)).st_mtime_ns


def test_sql_and_replication_on_the_copy_leave_the_source_unchanged(tmp_path):
    source = estate(tmp_path / "built")
    copy = labctl.copy_lab(source, tmp_path / "copy")
    env = dict(os.environ, **labctl.environment(copy, "main", SERVERS["main"]))
    statement = b"insert into agents values ('1099', 'Nina Vogt', 'ready')"
    subprocess.run(["dbaccess", "hppc", "-"], input=statement, env=env, check=True, capture_output=True)
    labctl.er_pump(copy)
    row = ["1099", "Nina Vogt", "ready"]
    assert row in labctl.data(copy, "main")["hppc"]["agents"]
    assert row in labctl.data(copy, "backup")["hppc"]["agents"]  # replicated inside the copy's own domain
    assert all(row not in labctl.data(source, host)["hppc"]["agents"] for host in SERVERS)
    assert labctl.cluster_state(copy) == labctl.cluster_state(source)
