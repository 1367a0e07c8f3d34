# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Restores the newest verified backup chain, or a named one (docs: plugins/modules/informix_restore.py).
# Manual §6.3.3 (ontape restore) and §6.3.4 (level 0 on a clean installation).
from __future__ import annotations

import dataclasses

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._host import double_hop
from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._host.target import RemoteFailure
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import archives as arc
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import parse as ifx
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.action import InformixAction
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.backup import adopt, run_backup
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.backup_options import backup_arguments
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.backup_plan import plan_backup
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.host import informix_of
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.lock import (
    ServerLock,
    broke_lock,
    lock_to_break,
    lock_warning,
    take_over,
)
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.restore import restore_batch
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.restore_plan import (
    foreign_chunk,
    plan_restore,
    safety_folder,
)
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.schedule import (
    own_records,
    pending_warning,
    run_warnings,
)


def _leads_nowhere(found: dict) -> bool:
    """A chunk path that is not there, or a link (chunks often are) whose target is not: both executors report a
    dangling link as there (stat's dangling)."""
    return not found["exists"] or bool(found.get("dangling"))


def posix_services(target) -> set:
    """The names ansible.builtin.service takes on a POSIX host (service_facts: systemd units with and without
    .service, SysV scripts), folded."""
    try:
        facts = target.module("ansible.builtin.service_facts", {}).get("ansible_facts", {}).get("services") or {}
    except RemoteFailure as exc:
        raise AnsibleActionFail(f"services: the host's services could not be listed ({exc}); nothing was "
                                "touched") from None
    names = set()
    for key, service in facts.items():
        for name in (key, (service or {}).get("name") or key):
            names |= {name.casefold(), name.casefold().removesuffix(".service")}
    return names


NO_KEY = ("refusing to choose a chain from unsigned manifests: give manifest_key (from the vault; or the inventory's "
          "oscc_manifest_key), or set accept_unsigned_manifests: true to take manifests nothing proves the origin of")


class ActionModule(InformixAction):
    PATH_OPTIONS = ("manifest", "destination", "safety_destination")
    PATH_LISTS = ("chunks",)
    NAME_OPTIONS = {"services": ""}

    def act(self, args, target, task_vars):
        # Every option the restore needs is checked here, before the server is touched.
        if not args["confirm"] and not self._task.check_mode:
            raise AnsibleActionFail("confirm: true is required: a restore replaces the whole Informix instance "
                                    "and stops the OSCC services")
        for chunk in args["chunks"] or []:
            problem = arc.path_problem(target.path, chunk, None)
            if problem:
                raise AnsibleActionFail(f"chunks: {problem}; give the absolute path of each chunk file")
        if any(not str(service).strip() for service in args["services"]):
            raise AnsibleActionFail("services: a service name is empty")
        wanted = None
        destination = args["destination"]
        if args["manifest"] != "latest":
            destination = target.path.dirname(args["manifest"])  # the chain lives beside its manifest
            wanted = target.path.basename(args["manifest"])
            wanted = wanted[: -len(arc.MANIFEST_SUFFIX)] if wanted.endswith(arc.MANIFEST_SUFFIX) else wanted
            if not wanted:
                raise AnsibleActionFail(f"manifest {args['manifest']!r} names a folder; give the path of a manifest "
                                        "file (.json), or manifest: latest with destination")
        if not destination:
            raise AnsibleActionFail("destination is required when manifest is 'latest'")
        trust = self.manifest_trust(args, task_vars)
        if not trust.signs and not trust.accept_unsigned:
            raise AnsibleActionFail(NO_KEY)
        probe = self.probe(target, args, destination=destination, trust=trust)
        found_lock = probe.lock  # the lock this run breaks, if any, as found before adoption probes again
        if not probe.destination_exists:
            if double_hop.is_unc(destination) and target.platform == "windows":  # or the share refused the session
                raise AnsibleActionFail("destination " + double_hop.unreachable(
                    destination, "does not exist or cannot be read from the WinRM session"))
            raise AnsibleActionFail(f"destination {destination} does not exist on the host")
        break_token, taken_over = None, None
        if args["take_over"]:  # a killed run's lock, once nothing of that run is alive (refused otherwise)
            break_token, taken_over = take_over(target, probe, args["services"])
        pending, adopted = own_records(probe), []
        if pending and not self._task.check_mode:  # finished scheduled runs become manifests first (manual §6.3.1)
            adopted = adopt(target, probe, args["timeout"] + 900,
                            break_token if taken_over else lock_to_break(probe.lock), trust)
            if not all("skipped" in verdict for verdict in adopted):  # the destination changed: read it again
                probe = self.probe(target, args, destination=destination, trust=trust)
        safety_dir = safety_folder(args, destination, target.path) if args["safety_backup"] else None
        # In check mode the waiting scheduled runs are not adopted: the server's newest archive may be theirs.
        waiting = bool(pending) and self._task.check_mode
        plan, found, passed_over = self._plan_good_chain(target, args, probe, wanted, safety_dir, waiting)
        problem = (foreign_chunk(plan.chunks, found["chunk_stats"], plan.known_chunks, target.path)
                   or self._look_problem(found, safety_dir, destination, probe.destination_identity))
        if problem:
            raise AnsibleActionFail(problem)
        unsigned, signing_warnings = self.unsigned_taken(probe, plan.chain)
        signing_warnings += run_warnings(adopted)
        plan = dataclasses.replace(plan, warnings=plan.warnings + signing_warnings + [
            f"restoring {plan.chain[-1]['name']}, not {p['name']}: its archive {p['archive']}: {p['reason']}"
            for p in passed_over])
        reported = {"unsigned_manifests": unsigned, "passed_over": passed_over}
        if self._task.check_mode:
            warnings = plan.warnings + lock_warning(probe.lock) + pending_warning(pending)
            would = {"take_over": dict(taken_over, took_over=False, would_take_over=taken_over["took_over"])} \
                if taken_over else {}
            return {"changed": True, **plan.report(), **reported, **({"warnings": warnings} if warnings else {}),
                    "safety_backup": args["safety_backup"], "server_mode": probe.server_mode, **would}
        if found["staged"]:
            raise AnsibleActionFail(f"{found['staged'][0]} exists in TAPEDEV; move it away before restoring")

        # A lease long enough for the safety backup, the restore and its mode changes, each up to timeout; the host
        # ends it should this controller die.
        lock = ServerLock(target, informix_of(target, probe), "restore", 6 * args["timeout"] + 900)
        lock.take(break_token if taken_over else lock_to_break(probe.lock), taking_over=bool(taken_over))
        broke, broke_warnings = broke_lock(found_lock, taken_over)  # the lock is taken: it broke that one
        try:
            done = self._restore(target, args, probe, plan, destination, task_vars, lock, trust,
                                 {"missing_chunks": found["missing_chunks"], "staged": plan.staged})
            warnings = broke_warnings + done.pop("warnings", [])
            return {**done, **reported, **broke, **({"take_over": taken_over} if taken_over else {}),
                    **({"warnings": warnings} if warnings else {})}
        except RemoteFailure as exc:  # a failed restore after a take-over still says what it found and took
            if taken_over:
                exc.details["take_over"] = taken_over
            exc.details.update(broke)
            raise
        finally:
            lock.release()

    def _plan_good_chain(self, target, args, probe, wanted, safety_dir, waiting=False):
        """The plan and what the look found. With manifest: latest, a chain whose archive fails its checksum is
        passed over for the newest good one (the damaged archive and what builds on it), and named; a named
        manifest is refused."""
        passed_over = []
        while True:
            try:
                plan = plan_restore(args, probe, wanted, target.path, tuple(p["name"] for p in passed_over), waiting)
            except arc.ChainError:
                if not passed_over:
                    raise
                first = passed_over[0]
                raise AnsibleActionFail(f"refusing to restore, nothing was touched: {first['archive']}: "
                                        f"{first['reason']}; no older chain is good either") from None
            found = self._look(target, plan.chain, plan.chunks, plan.staged, safety_dir, args["services"])
            bad = [a for a in found["archives"] if not a["ok"]]
            if not bad:
                return plan, found, passed_over
            if wanted is not None:
                raise AnsibleActionFail(f"refusing to restore, nothing was touched: "
                                        f"{bad[0]['archive']}: {bad[0]['reason']}")
            passed_over += [{"name": a["name"], "archive": a["archive"], "reason": a["reason"]} for a in bad]

    @staticmethod
    def _look_problem(found, safety_dir, destination, destination_identity):
        """The error for a safety folder that is a link (it may lead into another server's folder), a file or the
        destination's own folder by another spelling (a server's FQDN, its address, a mapped drive: one identity),
        or a service the host does not have, else None: all before the server is touched."""
        safety = found.get("safety")
        if safety and safety["exists"] and (safety["link"] or not safety["dir"]):
            what = "a link (to " + str(safety.get("resolved") or "elsewhere") + ")" if safety["link"] else "a file"
            return f"safety_destination {safety_dir} is {what}; the safety backup goes into a real folder only"
        # A folder not there yet has no identity: then only the spellings were compared (safety_folder).
        if safety and safety.get("identity") and safety["identity"] == destination_identity:
            return (f"safety_destination {safety_dir} is the folder of destination {destination} by another name "
                    "(the host opens one folder for both): safety backups would mix with the server's chains; give "
                    "a folder of their own")
        installed = found.get("services")
        missing = [s for s in found["wanted_services"] if installed is not None and s.casefold() not in installed]
        if missing and found.get("posix_services"):  # the names ansible.builtin.service_facts lists
            return (f"services: {missing[0]!r} is not a service of this host (ansible.builtin.service_facts lists "
                    "no such service); the OSCC services run on Windows: give services: [] for an Informix host "
                    "without them; nothing was touched")
        if missing:
            return (f"services: {missing[0]!r} is not a service of this host (by name or display name); "
                    "nothing was touched")
        return None

    @staticmethod
    def _look(target, chain, chunks, staged, safety_dir=None, services=()):
        """One read-only round trip before anything is touched: each archive hashed against its manifest, which
        chunk files are missing, whether a staging name in TAPEDEV is taken, what the safety folder is and (on
        Windows) the host's services; on POSIX the services come from ansible.builtin.service_facts, the names
        ansible.builtin.service stops (one read-only module call more, only when services are given)."""
        archives = [m for m in chain if m.get("archive_path")]
        ops = Batch()
        for number, manifest in enumerate(archives):  # two manifests may name one archive
            ops.add(("hash", number), {"op": "hash", "path": manifest["archive_path"]})
        for path in dict.fromkeys(list(chunks) + staged):  # a path listed twice is looked at once
            ops.add(("stat", path), {"op": "stat", "path": path})
        if safety_dir:
            ops.add("safety", {"op": "stat", "path": safety_dir})
        if services and target.platform == "windows":  # every service, as win_service finds one: name or display
            ops.add("services", {"op": "cmdlet", "name": "Get-Service", "select": ["Name", "DisplayName"]})
        done = ops.results(target.batch(ops.ops, read_only=True)) if ops.ops else {}
        checked = []
        for number, manifest in enumerate(archives):
            hashed = done[("hash", number)]
            entry = {"name": manifest.get("name"), "archive": manifest["archive_path"], "ok": False}
            if not hashed["exists"]:
                entry["reason"] = "archive file is missing"
            elif hashed["sha256"] != manifest["sha256"] or hashed["size"] != manifest["size"]:
                entry.update(reason=f"checksum mismatch: manifest {manifest['sha256']}, file {hashed['sha256']}")
            else:
                entry["ok"] = True
            checked.append(entry)
        listed = done.get("services")
        installed = None if listed is None else {str(o.get(k) or "").casefold() for o in listed["objects"]
                                                 for k in ("Name", "DisplayName")}
        posix = bool(services) and target.platform != "windows"
        if posix:
            installed = posix_services(target)
        return {"archives": checked, "posix_services": posix,
                "missing_chunks": [c for c in chunks if _leads_nowhere(done[("stat", c)])],
                "chunk_stats": {c: done[("stat", c)] for c in chunks},
                "staged": [p for p in staged if done[("stat", p)]["exists"]],
                "safety": done.get("safety"), "services": installed, "wanted_services": list(services)}

    def _restore(self, target, args, probe, plan, destination, task_vars, lock, trust, found):
        result = {"changed": False, **plan.report()}
        if args["safety_backup"]:
            result["safety_backup"] = self._safety_backup(target, args, probe, destination, task_vars, lock, trust)
            result["changed"] = True
        stopped, restoring = [], False
        try:
            for service in args["services"]:
                target.service(service, "stopped")  # manual §6.3.3 step 2
                stopped.append(service)
            restoring = True
            done = restore_batch(target, probe, plan, args["timeout"], lock, found)
        except RemoteFailure as exc:
            self._failed(target, args, exc, stopped, restoring, result)
        self._start(target, args["services"])
        result.update(changed=True, server_mode=ifx.server_mode(done["onstat_rc"]),
                      created_chunks=done["created_chunks"],
                      manifests=[m["manifest"] for m in plan.chain], output=done["output"])
        return result

    def _failed(self, target, args, exc, stopped, restoring, result):
        """After the services were stopped: start them again only if Informix is On-Line and was never touched;
        otherwise leave them stopped and say where the state before the restore is. When the restore procedure
        ended without saying (its process or the connection died), it may have touched the server: ask its mode."""
        rc = exc.details.get("onstat_rc")
        touched = bool(exc.details.get("touched")) if "touched" in exc.details or not restoring else True
        if rc is None and restoring:
            try:
                rc = self.probe(target, args).onstat_rc
            except (RemoteFailure, AnsibleActionFail):
                rc = None
        if not touched and rc in (None, ifx.ONLINE_RC):
            self._start(target, stopped)
            raise RemoteFailure(f"{exc} Nothing was restored; the OSCC services were started again.",
                                exc.details) from None
        mode = ifx.server_mode(rc) if rc is not None else "in an unknown mode"
        safety = result.get("safety_backup", {}).get("manifest")
        undo = (f" The state before the restore is in {safety}: restore it with manifest={safety}." if safety else
                " No safety backup was taken.")
        details = dict(exc.details, server_mode=mode, services_stopped=stopped,
                       safety_backup=result.get("safety_backup"))
        raise RemoteFailure(f"{exc} Informix is {mode}; "
                            f"the OSCC services stay stopped ({', '.join(stopped) or 'none'}): "
                            f"start them once Informix is On-Line.{undo}", details) from None

    def _safety_backup(self, target, args, probe, destination, task_vars, lock, trust):
        if probe.onstat_rc != ifx.ONLINE_RC:
            raise AnsibleActionFail(f"the server is {probe.server_mode}, so no safety backup of the current state can "
                                    "be taken; set safety_backup: false to restore without one")
        safety_dir = safety_folder(args, destination, target.path)
        backup_args = backup_arguments({"tool": "ontape", "level": 0, "method": "stdio", "destination": safety_dir,
                                        "keep_full": None, "verify": True, "timeout": args["timeout"]})
        # a level 0 of its own, in a folder of its own (the look refused a safety folder that is a link)
        safety_probe = dataclasses.replace(probe, own=[], files={}, destination_link=None)
        backup_plan = plan_backup(backup_args, safety_probe, task_vars.get("inventory_hostname"), purpose="safety",
                                  held=True, signed=trust.signs)
        return run_backup(target, probe, backup_plan, held_by=lock, trust=trust)

    @staticmethod
    def _start(target, services):
        for service in services:
            target.service(service, "started")  # manual §6.3.3 step 16
