"""force_quorum.yml (manual §8.7) and replace_cluster_node.yml (§8.8) against the lab's two-node cluster: what each
did is read from the calls both simulated nodes recorded, host by host, in order."""
import os
import time

import labctl
import pytest
from playbook_lab import ESTATE, ROOT, Lab, replication_estate

PLAYBOOKS = os.path.join(ROOT, "playbooks")
HOSTS = ("main", "backup")
CHANGING = ("Suspend-", "Resume-", "Start-", "Stop-", "Move-", "Set-", "Remove-", "New-")
SERVICES = ("OpenScape Contact Center", "OpenScape Contact Center AutoPA")
WINDOW = ("Suspend-ClusterNode", "Resume-ClusterNode", "Stop-ClusterGroup", "Start-ClusterGroup", "Move-ClusterGroup",
          "Start-ScheduledTask")


@pytest.fixture
def nodes(tmp_path):
    """lab-main and lab-backup as the nodes of one cluster, the HPPC Group online on lab-main, with lab-report in
    one simulated Enterprise Replication domain (the replaced node's administration data is synchronised, §8.2)."""
    lab = replication_estate(tmp_path / "lab")
    labctl.init_cluster(lab.root)
    return lab


@pytest.fixture(scope="session")  # not module: a module fixture would keep the file's tests on one xdist worker
def backed_up_template(tmp_path_factory):
    """The cluster of the `nodes` fixture with lab-backup backed up, built once per worker; the folder."""
    lab = replication_estate(tmp_path_factory.mktemp("cluster-backed-up") / "lab")
    labctl.init_cluster(lab.root)
    back_up_the_backup_node(lab)
    return lab.root


@pytest.fixture
def backed_up(backed_up_template, tmp_path):
    """The nodes with lab-backup backed up: a private copy of backed_up_template, as if built here."""
    labctl.copy_lab(backed_up_template, tmp_path / "lab")
    return Lab(tmp_path / "lab", "lab-main", build=False)


def failures(run):
    return " ".join(str(r.get("msg")) for play in run.json["plays"] for t in play["tasks"]
                    for r in t["hosts"].values() if r.get("failed"))


def changes(lab, since=0.0):
    """Every recorded call after `since` that changes something, as (host, what): a service, a changing cmdlet, a
    file written or removed, a program run that restores or changes the server's mode."""
    found = []
    for host in HOSTS:
        for call in labctl.windows_state(lab.root, host)["calls"]:
            if call["time"] < since:
                continue
            if call["module"] in ("win_service", "win_scheduled_task"):
                found.append((host, call["args"].get("name")))
            for op in ((call["args"] or {}).get("batch") or {}).get("ops", []):
                argv = [os.path.basename(a.replace("\\", "/")) for a in op.get("argv") or []]
                if op["op"] in ("write", "remove", "move", "copy") or \
                        (op["op"] == "cmdlet" and op["name"].startswith(CHANGING)) or \
                        (op["op"] in ("run", "prompted") and argv[:1] in (["ontape.exe"], ["onmode.exe"])
                         and argv[1:2] != ["-l"]):
                    found.append((host, op.get("name") or " ".join(argv[:2]) or op["op"]))
    return found


def replace(lab, check=False, **extra):
    """The playbook on lab-backup, its progress record in the lab's folder."""
    record = os.path.join(str(lab.root), "replace_cluster_node.json")
    return lab.playbook(os.path.join(PLAYBOOKS, "replace_cluster_node.yml"), limit="lab-backup", check=check,
                        extra={"failover_cluster_confirm": True, "failover_cluster_progress_file": record,
                               "replication_poll_interval": 1, **extra})


# lab-backup's other two networks (§8.8 step 3: three per node), addresses nothing answers on in the lab
PEER_ADDRESSES = ["127.0.1.22", "127.0.1.23"]


def force(lab, **extra):
    """force_quorum.yml on lab-main, every network of lab-backup given an address unless the test says otherwise."""
    return lab.playbook(os.path.join(PLAYBOOKS, "force_quorum.yml"), limit="lab-main",
                        extra={"failover_cluster_peer_addresses": PEER_ADDRESSES, **extra})


def back_up_the_backup_node(lab):
    run = lab.playbook(os.path.join(PLAYBOOKS, "backup.yml"), limit="lab-backup")
    assert run.rc == 0, run.stdout[-3000:]


def insert_on_the_new_box_only(lab, statement):
    """SQL on lab-backup whose change never reaches another server: what a new box holds that the old node did not
    (delivery from it held while the statement runs, its queued transactions dropped after)."""
    def hold(held):
        with labctl._ifxsim().Domain(labctl.er_domain_path(lab.root)) as domain:
            groups = [g for g in domain.state["servers"] if "backup" not in g]
            domain.state["suspended"] = [p for p in domain.state["suspended"] if "backup" not in p[0]]
            domain.state["suspended"] += [["g_ol_backup", g] for g in groups] if held else []
            if not held:
                domain.state["queues"]["g_ol_backup"] = {g: [] for g in domain.state["queues"]["g_ol_backup"]}
    hold(True)
    lab.sql_on("lab-backup", statement)
    hold(False)


def reverse_binding(network):
    network["tcpip_bind"].reverse()


def move_address(network):
    next(a for a in network["adapters"] if a["name"] == "Customer")["address"] = "127.0.1.9"


WRONG = {"binding_order": lambda root: labctl.set_network(root, "backup", reverse_binding),
         "name": lambda root: labctl.set_computer_name(root, "backup", "LAB-NEWBOX"),
         "address": lambda root: labctl.set_network(root, "backup", move_address),
         "patch_level": lambda root: labctl.set_oscc_version(root, "backup", "12.0.2.0")}


def test_a_node_with_a_wrong_binding_order_name_address_or_patch_level_is_refused_before_any_change(nodes):
    for option, make_wrong in WRONG.items():
        labctl.init_host(nodes.root, "backup", ESTATE["lab-backup"][1], platform="windows")
        labctl.init_cluster(nodes.root)
        back_up_the_backup_node(nodes)
        make_wrong(nodes.root)
        since = time.time()
        refused = replace(nodes)
        assert refused.rc != 0 and f"{option}: " in failures(refused), (option, failures(refused))
        assert "cannot replace the node" in failures(refused)
        assert changes(nodes, since) == [], option


def test_the_replaced_node_is_paused_restored_resumed_and_finishes_after_the_licence(backed_up):
    archived = labctl.data(backed_up.root, "backup")
    insert_on_the_new_box_only(backed_up, "insert into agents values ('1099', 'Lost Agent', 'ready')")
    since = time.time()
    first = replace(backed_up)
    assert first.rc != 0 and failures(first).startswith("licence: "), failures(first)
    assert "licence_activated=true" in failures(first) and "§8.8 step 6" in failures(first)
    assert labctl.data(backed_up.root, "backup")["hppc"]["agents"] == archived["hppc"]["agents"]
    done = changes(backed_up, since)
    # §8.6.1: the active node keeps serving but for the synchronisation's window (§8.2 steps 2 and 7)
    assert [what for host, what in done if host == "main"] == [*SERVICES, *SERVICES]
    on_backup = [what for host, what in done if host == "backup"]
    assert on_backup[0] == "Suspend-ClusterNode" and on_backup[-1] == "Resume-ClusterNode", on_backup
    assert any(w.startswith("ontape.exe -r") for w in on_backup), on_backup
    state = labctl.cluster_state(backed_up.root)
    assert state["nodes"]["lab-backup"]["state"] == "Up"
    assert state["groups"]["HPPC Group"] == {"name": "HPPC Group", "owner": "lab-main", "state": "Online",
                                             "persistent": "Online"}
    since = time.time()
    finished = replace(backed_up, licence_activated=True)
    assert finished.rc == 0, failures(finished) or finished.stdout[-3000:]
    assert "licence activated by the operator" in finished.stdout
    assert changes(backed_up, since) == []


def window_steps(lab, host, since):
    """(time, what) on one lab host after `since`, in order: services stopped or started, the cluster and task
    cmdlets of §8.6.1 and §8.2, and the restore (ontape -r)."""
    found = []
    for call in labctl.windows_state(lab.root, host)["calls"]:
        if call["time"] < since:
            continue
        if call["module"] == "win_service" and call["args"].get("name") in SERVICES:
            found.append((call["time"], f"{call['args']['state']} {call['args']['name']}"))
        for op in ((call["args"] or {}).get("batch") or {}).get("ops", []):
            argv = [os.path.basename(a.replace("\\", "/")) for a in op.get("argv") or []]
            if op["op"] == "cmdlet" and op["name"] in WINDOW:
                found.append((call["time"], op["name"]))
            elif op["op"] in ("run", "prompted") and argv[:2] == ["ontape.exe", "-r"]:
                found.append((call["time"], "ontape -r"))
    return found


def test_the_replaced_node_is_synchronised_only_in_the_window_of_section_8_2_host_by_host(backed_up):
    since = time.time()
    first = replace(backed_up)
    assert failures(first).startswith("licence: "), failures(first)
    main, backup, report = (window_steps(backed_up, h, since) for h in ("main", "backup", "report"))
    stopped, started = [f"stopped {s}" for s in SERVICES], [f"started {s}" for s in SERVICES]
    # the new node: paused (§8.6.1 step 2), its services stopped (step 3), restored (step 4), then §8.2 (step 5):
    # the group offline, synchronised, services and group back; resumed last (step 6)
    assert [n for _t, n in backup] == ["Suspend-ClusterNode", *stopped, "ontape -r", "Stop-ClusterGroup",
                                       "Start-ScheduledTask", *started, "Start-ClusterGroup",
                                       "Resume-ClusterNode"], backup
    # the active node and the central report server: OSCC stopped only for the synchronisation (§8.2 steps 2, 7)
    assert [n for _t, n in main] == [*stopped, *started], main
    assert [n for _t, n in report] == [*stopped, *started], report
    at = {n: t for t, n in backup}
    for other in (main, report):
        assert at["ontape -r"] < at["Stop-ClusterGroup"] < other[0][0], (backup, other)
        assert other[1][0] < at["Start-ScheduledTask"] < other[2][0], (backup, other)
        assert other[-1][0] < at["Start-ClusterGroup"] < at["Resume-ClusterNode"], (backup, other)
    # the manual's end state: the group online on the node that served, OSCC running on both nodes
    state = labctl.cluster_state(backed_up.root)
    assert (state["groups"]["HPPC Group"]["owner"], state["groups"]["HPPC Group"]["state"]) == ("lab-main", "Online")
    assert state["nodes"]["lab-backup"]["state"] == "Up"
    for host in ("main", "backup", "report"):
        running = labctl.windows_state(backed_up.root, host)["services"]
        assert {running[s]["state"] for s in SERVICES if s in running} == {"running"}, host


def test_force_quorum_is_refused_with_both_nodes_up_and_runs_once_with_the_other_isolated(nodes):
    unconfirmed = force(nodes)
    assert unconfirmed.rc != 0 and failures(unconfirmed).startswith("confirm: ")
    both_up = force(nodes, failover_cluster_confirm=True)
    assert both_up.rc != 0 and "quorum: refused: lab-backup answers" in failures(both_up), failures(both_up)
    assert changes(nodes) == []
    labctl.set_witness(nodes.root, False)
    labctl.set_reachable(nodes.root, "backup", False)
    forced = force(nodes, failover_cluster_confirm=True)
    assert forced.rc == 0, failures(forced)
    assert "a reboot of LAB-MAIN drops it" in forced.stdout
    assert [what for _host, what in changes(nodes)] == ["Stop-Service", "Start-ClusterNode"]
    again = force(nodes, failover_cluster_confirm=True)
    assert again.rc == 0 and "already forced" in again.stdout
    assert [what for _host, what in changes(nodes)] == ["Stop-Service", "Start-ClusterNode"]


def test_force_quorum_refuses_fewer_known_peer_addresses_than_networks_before_any_change(nodes):
    labctl.set_witness(nodes.root, False)
    labctl.set_reachable(nodes.root, "backup", False)
    refused = force(nodes, failover_cluster_confirm=True, failover_cluster_peer_addresses=[])
    message = failures(refused)
    assert refused.rc != 0 and message.startswith("oscc_cluster_addresses: lab-backup has 3 networks"), message
    assert "only 1 address(es) are known" in message and len(message.splitlines()) == 1, message
    assert changes(nodes) == []


def test_force_quorum_stops_on_the_report_servers_clock_and_names_the_peer_not_checked(nodes):
    labctl.set_witness(nodes.root, False)
    labctl.set_reachable(nodes.root, "backup", False)
    labctl.set_clock_offset(nodes.root, "report", 2.5)
    refused = force(nodes, failover_cluster_confirm=True)
    message = failures(refused)
    assert refused.rc != 0 and "Replication preflight failed, nothing was changed" in message, message
    assert "clock spread across lab-main, lab-report" in message and "not checked: lab-backup" in message, message
    assert changes(nodes) == []


def test_force_quorum_refuses_a_host_that_is_not_a_node_before_any_change(nodes):
    labctl.init_host(nodes.root, "report", ESTATE["lab-report"][1], platform="windows")
    labctl.set_reachable(nodes.root, "main", False)
    labctl.set_reachable(nodes.root, "backup", False)
    refused = nodes.playbook(os.path.join(PLAYBOOKS, "force_quorum.yml"), limit="lab-report",
                             extra={"failover_cluster_confirm": True, "oscc_cluster_nodes": "all"})
    assert refused.rc != 0, refused.stdout[-2000:]
    assert failures(refused).startswith("failover_cluster_nodes: lab-report is not a node of the cluster "
                                        "(lab-main, lab-backup)"), failures(refused)
    assert labctl.windows_state(nodes.root, "report")["calls"] == []
    # Named as a node by mistake, the module still finds no cluster service there and changes nothing.
    module = nodes.playbook(os.path.join(PLAYBOOKS, "force_quorum.yml"), limit="lab-report",
                            extra={"failover_cluster_confirm": True, "oscc_cluster_nodes": "all",
                                   "failover_cluster_nodes": ["lab-main", "lab-report"],
                                   "failover_cluster_peer_addresses": PEER_ADDRESSES})
    assert module.rc != 0 and failures(module).startswith("quorum: LAB-REPORT is not a node of a cluster: it has no "
                                                          "cluster service (ClusSvc)"), failures(module)
    ran = [op["name"] for call in labctl.windows_state(nodes.root, "report")["calls"]
           for op in ((call["args"] or {}).get("batch") or {}).get("ops", []) if op["op"] == "cmdlet"]
    assert ran and not [name for name in ran if name.startswith(CHANGING)], ran


def test_a_bad_variable_is_refused_by_the_argument_specs_before_any_task(nodes):
    refused = force(nodes, failover_cluster_confirm="maybe")
    assert refused.rc != 0 and "failover_cluster_confirm" in failures(refused), failures(refused)
    first_task = [t["task"]["name"] for play in refused.json["plays"] for t in play["tasks"]][0]
    assert "Validating arguments against arg spec 'force_quorum'" in first_task
    assert changes(nodes) == []


def test_a_replacement_is_recorded_licence_first_is_refused_and_a_rerun_does_not_restore_again(backed_up):
    since = time.time()
    licence_first = replace(backed_up, licence_activated=True)
    assert licence_first.rc != 0 and failures(licence_first).startswith("licence_activated: "), \
        failures(licence_first)
    assert "run it without licence_activated first" in failures(licence_first)
    assert changes(backed_up, since) == []
    first = replace(backed_up)
    assert failures(first).startswith("licence: "), failures(first)
    on_backup = [what for host, what in changes(backed_up, since) if host == "backup"]
    # §8.6.1 step 5 before step 6: the admin-data synchronisation runs while the node is still paused
    assert on_backup.index("Start-ScheduledTask") < on_backup.index("Resume-ClusterNode"), on_backup
    since = time.time()
    again = replace(backed_up)
    assert failures(again).startswith("licence: "), failures(again)
    assert changes(backed_up, since) == []
    finished = replace(backed_up, licence_activated=True)
    assert finished.rc == 0, failures(finished)
    assert "synchronised with lab-main" in finished.stdout and changes(backed_up, since) == []


def test_the_node_that_owns_the_group_or_whose_partner_is_paused_is_refused_before_any_change(backed_up, tmp_path):
    backed_up.tasks([("oscc.admin.failover_cluster", {"owner": "lab-backup"}),
                 ("oscc.admin.failover_cluster", {"node": "lab-main", "node_state": "paused"})], tmp_path)
    since = time.time()
    refused = replace(backed_up)
    assert refused.rc != 0 and failures(refused).startswith("active: "), failures(refused)
    assert "§8.6.1 step 1" in failures(refused)
    assert changes(backed_up, since) == []
    assert labctl.cluster_state(backed_up.root)["groups"]["HPPC Group"]["owner"] == "lab-backup"


def test_a_clock_off_by_30_seconds_stops_before_any_change(backed_up):
    labctl.set_clock_offset(backed_up.root, "backup", 30)
    since = time.time()
    refused = replace(backed_up)
    assert refused.rc != 0 and "Replication preflight failed, nothing was changed" in failures(refused)
    assert changes(backed_up, since) == []


def test_a_report_server_clock_off_by_2_5_seconds_stops_before_the_pause(backed_up):
    labctl.set_clock_offset(backed_up.root, "report", 2.5)
    since = time.time()
    refused = replace(backed_up)
    message = failures(refused)
    assert refused.rc != 0 and "Replication preflight failed, nothing was changed" in message, message
    assert "clock spread across lab-backup, lab-main, lab-report" in message, message
    assert changes(backed_up, since) == []
    assert labctl.cluster_state(backed_up.root)["groups"]["HPPC Group"]["state"] == "Online"


def test_check_mode_says_what_would_happen_and_changes_nothing(backed_up):
    since = time.time()
    run = replace(backed_up, check=True)
    assert run.rc == 0, failures(run)
    assert "check mode: LAB-BACKUP would be paused, restored from" in run.stdout
    assert "is restored" not in run.stdout
    # the lab records win_service calls without their check flag: every other change counts
    services = ("OpenScape Contact Center", "OpenScape Contact Center AutoPA")
    assert [what for _host, what in changes(backed_up, since) if what not in services] == []


def test_an_adapter_bound_ahead_of_customer_is_refused_before_any_change(backed_up):

    def management_first(network):
        guid = "{00000040-0002-4000-8000-00155D000000}"
        network["adapters"].append({"name": "Management", "address": "10.253.0.2", "metric": 1, "index": 40,
                                    "guid": guid})
        network["tcpip_bind"].insert(0, "\\Device\\" + guid)
    labctl.set_network(backed_up.root, "backup", management_first)
    since = time.time()
    refused = replace(backed_up)
    assert refused.rc != 0 and "binding_order: Management -> Customer" in failures(refused), failures(refused)
    assert "Management bound ahead of them" in failures(refused)
    assert changes(backed_up, since) == []
