# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# The HPPC Group, a node's pause and a forced quorum (docs: plugins/modules/failover_cluster.py). Manual §8.1.3.1,
# §8.6, §8.7, §8.8.
from __future__ import annotations

import time

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._cluster import cluster, host
from ansible_collections.oscc.admin.plugins.plugin_utils._host.action import OsccAction

POLL_SECONDS = 5
# No public document says how OSCC V12 shows Warm Standby: the wait can only judge by the assumed reading.
WARM_STANDBY_ASSUMPTION = ("assumption: the OpenScape Contact Center service runs on the node and it does not own the "
                           "online group (cluster.oscc_role, docs/cluster.md); not the vendor's own indicator")
REBOOT_NOTE = ("the forced quorum is a start parameter of the cluster service: a reboot of {node} drops it, and the "
               "node must be forced again while the other node stays away (manual §8.7)")


class ActionModule(OsccAction):
    PLATFORMS = ("windows",)
    RULES = {"required_one_of": [["state", "owner", "node_state", "quorum"]],
             "mutually_exclusive": [["quorum", "state"], ["quorum", "owner"], ["quorum", "node_state"]],
             "required_if": [["quorum", "forced", ["peer"]]],
             "required_by": {"node": ["node_state"]}}

    def act(self, args, target, task_vars):
        if args["quorum"] == "forced":
            return self.force(args, target, task_vars)
        before = host.probe(target, args["group"])
        if before["cluster_error"]:
            raise AnsibleActionFail(f"cluster: {before['cluster_error']}")
        if before["group"] is None:
            raise AnsibleActionFail(f"group: the cluster has no group {args['group']!r}")
        try:
            changes, ops = cluster.plan(before, args)
        except ValueError as exc:
            raise AnsibleActionFail(str(exc)) from None
        after = before
        if ops and not self._task.check_mode:
            after = host.change(target, ops, args["group"])
        result = {"changed": bool(changes), "changes": changes, "cluster": after}
        pausing = args.get("node_state") == "paused" and any(o["name"] == "Suspend-ClusterNode" for o in ops)
        if pausing and not self._task.check_mode:
            problem = cluster.drain_problem(after, args.get("node") or before["node"])
            if problem:
                return dict(result, failed=True, msg=problem)
        if args["wait_for_warm_standby"] and changes and not self._task.check_mode:
            result["cluster"], result["polls"] = self.wait_warm_standby(target, args, before, after)
            result["warm_standby_judged_by"] = WARM_STANDBY_ASSUMPTION
        if self._task.diff:
            result["diff"] = {"before": summary(before), "after": summary(after) if not self._task.check_mode
                              else dict(summary(before), planned=changes)}
        return result

    def wait_warm_standby(self, target, args, before, after):
        """Until the node that was active reports Warm Standby (§8.1.3.1 step 1, §8.6.3 step 1): read again, one round
        trip per read, until the timeout. The last reading and how many reads (polls) it took."""
        former = before["group"]["owner"]
        deadline = time.monotonic() + args["timeout"]
        polls = 0
        while True:
            # The reading taken with the change does not count: by the assumed reading (docs/cluster.md) the former
            # owner is Warm Standby the moment it loses the group, so each reading comes one poll interval later.
            time.sleep(POLL_SECONDS)
            after = host.probe(target, args["group"], peer=former if not cluster.same_node(former, after["node"])
                               else None)
            polls += 1
            role = role_of(after, former)
            if role == "warm_standby":
                return after, polls
            if time.monotonic() >= deadline:
                raise AnsibleActionFail(f"timeout: {former} did not report Warm Standby within {args['timeout']} "
                                        f"seconds (it is {role})")

    def force(self, args, target, task_vars):
        """§8.7: only with confirm, only when the other node verifiably runs no OSCC, once."""
        if not args["confirm"]:
            raise AnsibleActionFail("confirm: forcing quorum makes this node's cluster authoritative and can start "
                                    "OSCC twice; set confirm: true once the other node is isolated (manual §8.7)")
        # The operator's addresses add to the inventory's: one wrong address must not hide a right one.
        addresses = list(dict.fromkeys([*peer_addresses(task_vars, args["peer"]), *args["peer_addresses"]]))
        state = host.probe(target, args["group"], args["peer"], addresses)
        this_host = task_vars.get("inventory_hostname") or ""
        problem = cluster.force_problem(state, args["peer"], addresses, this_host)
        if problem:
            raise AnsibleActionFail(problem)
        if not addresses:  # after the probe: a peer that is this node is named as such first
            raise AnsibleActionFail(f"peer_addresses: give every address of {args['peer']} (the inventory has none)")
        try:
            changes, ops = cluster.force_plan(state)
        except ValueError as exc:
            raise AnsibleActionFail(str(exc)) from None
        after = state
        if ops and not self._task.check_mode:
            after = host.change(target, ops, args["group"])
            if after["cluster_error"] or not (after["cluster"] or {}).get("forced_quorum"):
                raise AnsibleActionFail(f"quorum: {state['node']} did not start with a forced quorum: "
                                        f"{after['cluster_error'] or 'the cluster does not report FixQuorum'}")
        note = REBOOT_NOTE.format(node=state["node"])
        result = {"changed": bool(changes), "changes": changes, "cluster": after, "forced_quorum_note": note,
                  "warnings": [note] if changes else []}
        if self._task.diff:
            result["diff"] = {"before": {"forced_quorum": bool((state["cluster"] or {}).get("forced_quorum"))},
                              "after": {"forced_quorum": True}}
        return result


def role_of(state: dict, node: str) -> str:
    """OSCC's role on `node`: the local reading when it is this node, else from the peer's services."""
    if cluster.same_node(node, state["node"]):
        return state.get("oscc_role") or "unknown"
    if "peer_services" not in state:
        return "unknown"
    return cluster.oscc_role(node, state["group"], state["peer_services"])


def peer_addresses(task_vars: dict, peer: str) -> list:
    """Every address the inventory gives for the peer: its ansible_host, its name, and oscc_cluster_addresses."""
    every_host = task_vars.get("hostvars") or {}
    if peer not in every_host:  # asking HostVars for a host it lacks fails outside a template
        return []
    hostvars = every_host[peer]
    found = [hostvars.get("ansible_host") or peer, *(hostvars.get("oscc_cluster_addresses") or [])]
    return list(dict.fromkeys(str(a) for a in found if a))


def summary(state: dict) -> dict:
    """What a diff shows: the group's owner and state, each node's state."""
    return {"group": state.get("group"), "nodes": {n: v["state"] for n, v in (state.get("nodes") or {}).items()}}
