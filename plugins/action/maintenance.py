# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# A server stopped for maintenance, or checked after it (docs: plugins/modules/maintenance.py). Manual §6.1 and the
# notes of §6.
from __future__ import annotations

import os
import time
import uuid

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._cluster import cluster
from ansible_collections.oscc.admin.plugins.plugin_utils._host.action import OsccAction
from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._host.cmdlet import objects, services_read
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import maintenance_plan as plan
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import parse as ifx
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.host import Informix
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.lock import lock_op, lock_refused, unlock_op
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.model import read_lock

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
        """One read-only round trip: the services (and the cluster service), Informix's mode, the server's lock, and
        the cluster: with cluster as this node sees it, without only whether the host is a node (its reads last:
        they fail on a host that is no node)."""
        batch = Batch().add("listed", services_read([*args["services"], *candidates, plan.CLUSTER_SERVICE]))
        batch.add("onstat", informix.program_op("onstat", "-"))
        batch.add("lock", {"op": "read", "path": informix.lock_path, "encoding": "utf-8"})
        if args["cluster"]:
            batch.add("computer", cluster.computer_op()).add("services", cluster.services_op())
            cluster.cluster_reads(batch, args["group"])
        else:
            batch.add("cluster_nodes", plan.membership_read())
        done = target.batch(batch.ops, read_only=True, check=False)
        results = batch.results(done)
        if not results.get("onstat", {}).get("ok"):
            raise AnsibleActionFail(f"onstat - could not run: {results.get('onstat', {}).get('error')}")
        if not args["cluster"]:
            clussvc = plan.statuses(objects(results, "listed"), [plan.CLUSTER_SERVICE])[plan.CLUSTER_SERVICE]
            nodes = objects(results, "cluster_nodes") if results.get("cluster_nodes", {}).get("ok") else []
            problem = plan.cluster_member_problem(clussvc, nodes)
            if problem:
                raise AnsibleActionFail(problem)
        state = cluster.read_probe(batch, done, args["group"]) if args["cluster"] else None
        lock = read_lock(results.get("lock") or {}, informix.lock_path)
        return objects(results, "listed"), results["onstat"]["rc"], state, lock

    def stop(self, target, informix, args, candidates):
        listed, onstat_rc, state, found_lock = self.probe(target, informix, args, candidates)
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
        warnings = [w for w in [plan.already_paused(state)] if w]
        if self._task.check_mode:
            # no lock is taken in check mode: say whose the host holds (a real run is refused while it stands)
            held = [f"the server's lock {found_lock['path']} is held ({found_lock.get('operation') or 'backup'} "
                    f"since {found_lock.get('started')}): a real run is refused while it stands"] if found_lock else []
            return dict(result, stopped=[], safe_to_power_off=False, warnings=warnings + held)
        if warnings:
            result["warnings"] = warnings
        # Held from before the pause until Informix is read On-Line after the restart (state=verified releases it).
        token = uuid.uuid4().hex
        record_lock = self.lock_request(informix, token, args)
        lock_taken = False
        if role != "none":
            result["paused_node"], lock_taken = self.pause(target, informix, args, state, role, record_lock)
            result["resume_hint"] = plan.paused_note(result["paused_node"])
        try:
            polls = self.stop_services(target, informix, args, running, name, server_up,
                                       None if lock_taken else record_lock)
            checked = self.guard(target, informix, args, name)
        except AnsibleActionFail as exc:
            # Informix may still run: the lock goes, a backup judges the server itself (it refuses one not On-Line)
            target.batch([unlock_op(informix, token)], check=False)
            note = f"; {result['resume_hint']}" if "resume_hint" in result else ""
            return dict(result, failed=True, msg=f"{exc}{note}", safe_to_power_off=False)
        result.update(stopped=[*running, name], checked=checked, safe_to_power_off=True, lock_token=token)
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

    @staticmethod
    def lock_request(informix, token, args):
        """The server's lock, as informix_backup and informix_restore take it, for the lease of the stop, the restart
        and the check. Its controller pid is the playbook's (the workers' parent): the lock spans several tasks, and
        this controller breaks it only once the playbook has ended (docs/backup.md, A killed run)."""
        op = lock_op(informix, plan.LOCK_OPERATION, token, plan.lock_ttl(args["timeout"], args["reboot_timeout"]))
        op["record"]["controller_pid"] = os.getppid()
        return op

    @staticmethod
    def refused(result, informix):
        """A lock held by a backup or restore: the run is refused in one line naming it, before anything changed."""
        exc = lock_refused(result, informix.lock_path)
        return AnsibleActionFail(f"maintenance refused: {exc.message}; nothing was stopped or paused")

    def pause(self, target, informix, args, state, role, lock):
        """The server's lock taken, then the node paused, its groups drained (failover_cluster's plan), in one round
        trip before anything stops: nothing fails over to it while it is down, and the active node hands the group to
        the standby node in a planned move. A drain that left the group here fails the task before a service
        stopped. (node, whether the lock was taken): a node already paused needs no round trip here, the stop's
        batch takes the lock."""
        try:
            _changes, ops = cluster.plan(state, {"group": args["group"], "node_state": "paused"})
        except ValueError as exc:
            raise AnsibleActionFail(str(exc)) from None
        if not ops:
            return state["node"], False
        batch = Batch().add("lock", lock)
        for number, op in enumerate(ops):
            batch.add(("change", number), op)
        batch.add("computer", cluster.computer_op()).add("services", cluster.services_op())
        cluster.cluster_reads(batch, args["group"])
        done = target.batch(batch.ops, check=False)
        failed = batch.failed(done)
        if failed is not None and failed.step == "lock":
            if failed.result.get("ok"):
                raise self.refused(failed.result, informix)
            raise AnsibleActionFail(f"the server's lock could not be taken: {failed.line()}")
        after = cluster.read_probe(batch, done, args["group"])
        problem = f"cluster: {failed.line()}" if failed is not None and failed.step == "change" else None
        problem = problem or (cluster.drain_problem(after, state["node"]) if role == "active" else None)
        if problem:  # nothing stopped: the lock goes again
            target.batch([unlock_op(informix, lock["record"]["token"])], check=False)
            raise AnsibleActionFail(problem)
        return state["node"], True

    def stop_services(self, target, informix, args, running, name, server_up, lock):
        """The stop in one round trip (with lock, the server's lock taken first); while Informix goes off-line late,
        polls, then its service in one more. The polls made."""
        batch = plan.stop_ops(informix, running, name, server_up, args["timeout"], lock)
        done = target.batch(batch.ops, check=False)
        failed = batch.failed(done)
        if failed is None:
            return 0
        if failed.step == "lock":
            if failed.result.get("ok"):
                raise self.refused(failed.result, informix)
            raise AnsibleActionFail(f"the server's lock could not be taken: {failed.line()}")
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
        token = None if self._task.check_mode else args.get("lock_token")
        batch = plan.verify_ops(informix, args["services"], candidates, token and unlock_op(informix, token))
        polls, deadline, released = 0, time.monotonic() + args["timeout"], False
        while True:
            polls += 1
            results = batch.results(target.batch(batch.ops, read_only=not token, check=False))
            # released in the poll that read Informix On-Line; a later poll finds it gone
            released = released or bool(results.get("unlock", {}).get("released"))
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
        if token:
            result["lock_released"] = released
        if problems:
            kept = "" if released or not token else "; the server's lock stays until its lease runs out"
            return dict(result, failed=True, msg=f"not back after the maintenance: {'; '.join(problems)}{kept}")
        return result
