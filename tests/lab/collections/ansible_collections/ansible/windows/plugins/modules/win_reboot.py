#!/usr/bin/python
# Lab stand-in for ansible.windows.win_reboot (test equipment). The real one is an action plugin that restarts the
# host and waits for it; here the restart happens at once, as Windows would bring the host back: the node leaves the
# cluster for the reboot (a group it owns fails over, as the cluster would do), every service with start mode auto
# starts, the Informix instance of an auto-start Informix service comes On-Line, and the node rejoins (a paused node
# stays paused). The call record keeps the Informix mode at the moment of the reboot, so tests can assert that no
# reboot ever met a running server (manual §6.1).
from __future__ import annotations

import json
import os
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ansible.windows.plugins.module_utils import lab_cluster
from ansible_collections.ansible.windows.plugins.module_utils.lab_host import State, given, real_spec, to_here

INFORMIX_SERVICE_PREFIXES = ("IBM Informix Database Server - ", "Informix IDS - ")


def informix_state_path(data):
    environment = data.get("machine_environment") or {}
    if not environment.get("INFORMIXDIR") or not environment.get("INFORMIXSERVER"):
        return None
    return os.path.join(to_here(environment["INFORMIXDIR"]), "sim", environment["INFORMIXSERVER"] + ".json")


def rejoin(host, services, leave):
    """The node down for the reboot (leave) or back up; the cluster settled either way."""
    if not os.path.exists(lab_cluster.path()):
        return
    cluster = lab_cluster.Cluster()
    name = cluster.node_of(host)
    if name is None:
        cluster.close()
        return
    node = cluster.data["nodes"][name]
    if leave:
        node["was_paused"] = node["state"] == "Paused"
        node.update(clussvc="Stopped", state="Down")
    else:
        node.update(clussvc="Running", state="Paused" if node.pop("was_paused", False) else "Up", forced=False)
    cluster.settle(services)
    cluster.save()


def main():
    module = AnsibleModule(argument_spec=real_spec("win_reboot"), supports_check_mode=True)
    state = State()
    host = os.path.basename(os.path.dirname(state.path))
    sim = informix_state_path(state.data)
    mode = None
    if sim and os.path.exists(sim):
        with open(sim) as handle:
            mode = json.load(handle)["mode"]
    state.record("win_reboot", dict(given(module.params), informix_mode_at_reboot=mode))
    if module.check_mode:
        state.save()
        module.exit_json(changed=True, rebooted=False, elapsed=0)

    def services(where, states):
        if where == host:
            for name, value in states.items():
                if name in state.data["services"]:
                    state.data["services"][name]["state"] = value
        else:
            lab_cluster.PENDING.append((where, dict(states)))

    rejoin(host, services, leave=True)
    for service in state.data["services"].values():
        service["state"] = "stopped"
    for name, service in state.data["services"].items():
        if service.get("start_mode") == "auto":
            service["state"] = "running"
            if name.startswith(INFORMIX_SERVICE_PREFIXES) and sim and os.path.exists(sim):
                with open(sim) as handle:
                    instance = json.load(handle)
                instance.update(mode="On-Line", started=time.time())
                with open(sim, "w") as handle:
                    json.dump(instance, handle, indent=1)
    rejoin(host, services, leave=False)
    state.save()
    from ansible_collections.ansible.windows.plugins.module_utils import lab_host
    lab_cluster.flush(lab_host)
    module.exit_json(changed=True, rebooted=True, elapsed=1)


if __name__ == "__main__":
    main()
