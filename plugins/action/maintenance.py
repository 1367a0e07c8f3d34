# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# A server stopped for maintenance, or checked after it (docs: plugins/modules/maintenance.py). Manual §6.1 and the
# notes of §6.
from __future__ import annotations

import time

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._cluster import cluster
from ansible_collections.oscc.admin.plugins.plugin_utils._cluster import host as cluster_host
from ansible_collections.oscc.admin.plugins.plugin_utils._host.action import OsccAction
from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._host.cmdlet import objects
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import maintenance_plan as plan
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import parse as ifx
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.host import Informix

POLL_SECONDS = 2


class ActionModule(OsccAction):
    PLATFORMS = ("windows",)
    NAME_OPTIONS = {"informix_service": "", "group": ""}

    def act(self, args, target, task_vars):
        informix = Informix(target, args.get("informixdir"), args.get("informixserver"))
        candidates = [args["informix_service"]] if args.get("informix_service") else \
            plan.informix_service_names(informix.informixserver)
        if args["state"] == "verified":
            return self.verify(target, informix, args, candidates)
        return self.stop(target, informix, args, candidates)

    def probe(self, target, informix, args, candidates):
        """One read-only round trip: the services, Informix's mode, and with cluster the cluster as this node sees it
        (its reads last: they fail together on a host that is no node)."""
        batch = Batch().add("listed", plan.services_read([*args["services"], *candidates]))
        batch.add("onstat", informix.program_op("onstat", "-"))
        if args["cluster"]:
            batch.add("computer", cluster.computer_op()).add("services", cluster.services_op())
            cluster.cluster_reads(batch, args["group"])
        done = target.batch(batch.ops, read_only=True, check=False)
        results = batch.results(done)
        if not results.get("onstat", {}).get("ok"):
            raise AnsibleActionFail(f"onstat - could not run: {results.get('onstat', {}).get('error')}")
        state = cluster.read_probe(batch, done, args["group"]) if args["cluster"] else None
        return objects(results, "listed"), results["onstat"]["rc"], state

    def stop(self, target, informix, args, candidates):
        listed, onstat_rc, state = self.probe(target, informix, args, candidates)
        try:
            role = plan.cluster_role(state)
            waits = plan.node_turn(role, args["maintenance_pass"], args["include_active"])
            name = plan.informix_service(listed, informix.informixserver, args.get("informix_service"))
        except ValueError as exc:
            raise AnsibleActionFail(str(exc)) from None
        if waits:
            return {"changed": False, "cluster_role": role, "node_skipped": waits}
        if role == "active":
            self.check_peer(target, state)
        before = plan.statuses(listed, [*args["services"], name])
        running = [s for s in args["services"] if before[s] not in ("Stopped", "Absent")]
        server_up = onstat_rc != ifx.OFFLINE_RC
        words = plan.plan_words(running, name, server_up, args["power"])
        changed = bool(running) or server_up or before[name] not in ("Stopped", "Absent") or args["power"] != "none"
        result = {"changed": changed, "cluster_role": role, "plan": words, "informix_service": name}
        if self._task.diff:
            result["diff"] = {"before": {"informix": ifx.MODE_BY_RC.get(onstat_rc, onstat_rc), **before},
                              "after": {"informix": "Off-Line", **{s: "Stopped" for s in before},
                                        "power": args["power"]}}
        if role != "none":
            result["plan"] = [f"pause node {state['node']} (its groups drained: {role} node)", *words]
        if self._task.check_mode:
            return dict(result, stopped=[], safe_to_power_off=False)
        if role != "none":
            result["paused_node"] = self.pause(target, args, state, role)
        polls = self.stop_services(target, informix, args, running, name, server_up)
        checked = self.guard(target, informix, args, name)
        result.update(stopped=[*running, name], checked=checked, safe_to_power_off=True)
        if polls:
            result["polls"] = polls
        if args["power"] == "shutdown":
            result["shutdown_issued"] = True
        return result

    def check_peer(self, target, state):
        """The other node Up and in Warm Standby before the active node goes (one round trip)."""
        peer = plan.peer_of(state)
        peer_services = {}
        if peer:
            read = target.one(cluster.services_op(peer), read_only=True, check=False)
            peer_services = plan.statuses(read.get("objects") if read.get("ok") else [], cluster.OSCC_SERVICES)
        problem = plan.peer_problem(state, peer, peer_services)
        if problem:
            raise AnsibleActionFail(problem)

    def pause(self, target, args, state, role):
        """The node paused, its groups drained (failover_cluster's plan), before anything stops: nothing fails over
        to it while it is down, and the active node hands the group to the standby node in a planned move. A drain
        that left the group here fails the task before a service stopped."""
        try:
            _changes, ops = cluster.plan(state, {"group": args["group"], "node_state": "paused"})
        except ValueError as exc:
            raise AnsibleActionFail(str(exc)) from None
        if ops:
            after = cluster_host.change(target, ops, args["group"])
            problem = cluster.drain_problem(after, state["node"]) if role == "active" else None
            if problem:
                raise AnsibleActionFail(problem)
        return state["node"]

    def stop_services(self, target, informix, args, running, name, server_up):
        """The stop in one round trip; while Informix goes off-line late, polls, then its service in one more. The
        polls made."""
        batch = plan.stop_ops(informix, running, name, server_up, args["timeout"])
        done = target.batch(batch.ops, check=False)
        failed = batch.failed(done)
        if failed is None:
            return 0
        if failed.step in ("stop_oscc", "stop_informix"):
            raise AnsibleActionFail(f"a service did not stop, nothing was shut down or rebooted: {failed.line()}")
        if failed.step != "offline" or not failed.result.get("ok"):
            raise AnsibleActionFail(f"the stop failed at {failed.step}: {failed.line()}")
        polls, deadline = 0, time.monotonic() + args["timeout"]
        while True:  # onmode -ky returned, the server still up: wait, up to the timeout
            polls += 1
            rc = target.one(informix.program_op("onstat", "-"), read_only=True)["rc"]
            if rc == ifx.OFFLINE_RC:
                break
            if time.monotonic() > deadline:
                raise AnsibleActionFail(
                    f"Informix service {name!r} ({informix.informixserver}) did not stop within {args['timeout']} s "
                    f"(onstat -: {ifx.MODE_BY_RC.get(rc, rc)}); nothing was shut down or rebooted")
            time.sleep(POLL_SECONDS)
        rest = plan.informix_stop(Batch(), informix, name)
        done = target.batch(rest.ops, check=False)
        failed = rest.failed(done)
        if failed is not None:
            raise AnsibleActionFail(f"service {name!r} did not stop, nothing was shut down or rebooted: "
                                    f"{failed.line()}")
        return polls

    def guard(self, target, informix, args, name):
        """Right before the power-off: Informix off-line and every service stopped (with shutdown, the shutdown
        follows in the same round trip, only when Informix is off-line)."""
        batch = plan.guard_ops(informix, args["services"], name, args["power"] == "shutdown")
        done = target.batch(batch.ops, check=False)
        results = batch.results(done)
        status = plan.statuses(objects(results, "services"), [*args["services"], name])
        guard = results.get("guard", {})
        problem = plan.guard_problem(guard.get("rc") if guard.get("ok") else None, status, name)
        if problem:
            raise AnsibleActionFail(problem)
        failed = batch.failed(done)
        if failed is not None:
            raise AnsibleActionFail(f"the shutdown was not issued: {failed.line()}")
        return {"informix_mode": "Off-Line", "services": status}

    def verify(self, target, informix, args, candidates):
        """Informix On-Line and every service running: read until so, at most timeout seconds."""
        batch = plan.verify_ops(informix, args["services"], candidates)
        polls, deadline = 0, time.monotonic() + args["timeout"]
        while True:
            polls += 1
            results = batch.results(target.batch(batch.ops, read_only=True, check=False))
            try:
                name = plan.informix_service(objects(results, "services"), informix.informixserver,
                                             args.get("informix_service"))
            except ValueError as exc:
                raise AnsibleActionFail(str(exc)) from None
            onstat = results.get("onstat", {})
            rc = onstat.get("rc") if onstat.get("ok") else None
            status = plan.statuses(objects(results, "services"), [name, *args["services"]])
            problems = plan.verify_problems(rc, status)
            if not problems or time.monotonic() > deadline or self._task.check_mode:
                break
            time.sleep(POLL_SECONDS)
        checked = {"informix_mode": ifx.MODE_BY_RC.get(rc, rc), "services": status}
        result = {"changed": False, "informix_service": name, "checked": checked, "polls": polls}
        if problems:
            return dict(result, failed=True, msg=f"not back after the maintenance: {'; '.join(problems)}")
        return result
