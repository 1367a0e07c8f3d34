"""The lab's failover cluster (lab_cluster.py): a drain no other node can take ends Failed, as DrainStatus says."""
import importlib.util
import json
import os

import labctl

HERE = os.path.dirname(os.path.abspath(__file__))
UTILS = os.path.join(HERE, "collections", "ansible_collections", "ansible", "windows", "plugins", "module_utils")


def stand_in(name):
    spec = importlib.util.spec_from_file_location(f"cluster_{name}", os.path.join(UTILS, f"{name}.py"))
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


lab_cmdlets, lab_cluster = stand_in("lab_cmdlets"), stand_in("lab_cluster")
lab_cluster.register(lab_cmdlets)


class State:
    def __init__(self, data):
        self.data = data


def test_a_drain_that_no_other_node_can_take_ends_failed_and_leaves_the_group(tmp_path, monkeypatch):
    root = str(tmp_path / "lab")
    for host in ("main", "backup"):
        labctl.init_host(root, host, f"ol_{host}", platform="windows")
    labctl.init_cluster(root)
    monkeypatch.setenv("OSCC_LAB_HOST_DIR", os.path.join(root, "main"))
    session = lab_cmdlets.Session(State(labctl.windows_state(root, "main")))

    def suspend(name):
        return session.run({"op": "cmdlet", "name": "Suspend-ClusterNode", "module": "FailoverClusters",
                            "parameters": {"Name": name, "Drain": True, "Wait": True}})

    assert suspend("lab-backup")["ok"]
    answer = suspend("lab-main")
    assert answer["ok"] and answer["objects"][0]["DrainStatus"] == "Failed", answer
    with open(os.path.join(root, "cluster.json")) as handle:
        cluster = json.load(handle)
    assert cluster["nodes"]["lab-main"]["state"] == "Paused"
    assert cluster["groups"]["HPPC Group"]["owner"] == "lab-main"
