# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Read-only health facts of one OSCC server in one round trip (docs: plugins/modules/health_info.py,
# docs/health_report.md). Manual §6.3 (backups), §7.1.1 (the buffer), §7.1 and §8.1 (clocks), chapter 8 (the
# cluster).
from __future__ import annotations

import datetime as dt
import statistics

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._cluster import cluster as cl
from ansible_collections.oscc.admin.plugins.plugin_utils._host.cmdlet import cmdlet, first, objects, services_read
from ansible_collections.oscc.admin.plugins.plugin_utils._host.streams import in_fixed_order
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import archives as arc
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import host as informix_host
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.action import InformixAction
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.model import Probe
from ansible_collections.oscc.admin.plugins.plugin_utils._replication import preflight as pf
from ansible_collections.oscc.admin.plugins.plugin_utils._replication.action import Estate, ReplicationAction

MANIFEST_TIME = "%Y-%m-%dT%H:%M:%S.%fZ"
NOT_A_NODE = "Absent"


class ActionModule(InformixAction):
    COMMON_PATHS = ("informixdir", "destination")
    NAME_OPTIONS = {"services": "", "cluster_group": ""}

    def act(self, args, target, task_vars):
        host_vars = task_vars.get("hostvars", {}).get(task_vars.get("inventory_hostname"), {})
        location = {"informixdir": args["informixdir"] or host_vars.get("oscc_informixdir"),
                    "informixserver": args["informixserver"] or host_vars.get("oscc_informixserver"),
                    "onconfig": args["onconfig"]}
        # Resolved once, so the probe itself needs no further read of the host's variables.
        informix = informix_host.Informix(target, **location)
        location = {"informixdir": informix.informixdir, "informixserver": informix.informixserver,
                    "onconfig": informix.onconfig}
        independent = self.reads(args, target, informix)
        trust = self.manifest_trust({}, task_vars)
        recording = informix_host.probe_recording(target, location, args["destination"], None, independent)
        probe = Probe.from_results(**recording, path=target.path, trust=trust, now=dt.datetime.now(dt.timezone.utc))
        now, clock = arc.judging_clock(recording.get("host_now"), dt.datetime.now(dt.timezone.utc))
        return {
            "changed": False,
            "host_time": now.strftime(MANIFEST_TIME[:-4]) + "Z",
            "judged_by": clock,
            "platform": target.platform,
            "informix": {"server": probe.server, "mode": probe.server_mode, "onstat_rc": probe.onstat_rc,
                         "version": probe.informix_version},
            "archives": newest_verified(probe, now, args["destination"]),
            "replication": self.replication(task_vars, target, probe),
            "cluster": cluster_state(probe.also, args["cluster_group"]) if target.platform == "windows" else None,
            "services": services_state(probe.also, args["services"]) if target.platform == "windows" else None,
            "clock": clock_state(args, probe.also.get("clock")),
        }

    @staticmethod
    def reads(args, target, informix) -> dict:
        """The reads beside the probe, each independent of the others (the batch's cleanup operations)."""
        reads = {"servers": informix.program_op("cdr", "list", "server")}
        if target.platform == "windows":
            reads["computer"] = cl.computer_op()
            reads["services"] = services_read([cl.CLUSTER_SERVICE, *args["services"]])
            reads["nodes"] = cmdlet("Get-ClusterNode", module="FailoverClusters", select=["Name", "State"])
            reads["group"] = cmdlet("Get-ClusterGroup", module="FailoverClusters", Name=args["cluster_group"],
                                    select=["Name", "OwnerNode", "State"])
        reference = args["time_reference"]
        if reference and target.platform == "windows" and not is_local(reference, args["local_names"]):
            reads["clock"] = {"op": "run", "argv": [pf.W32TM, "/stripchart", f"/computer:{reference}", "/dataonly",
                                                    f"/samples:{args['clock_samples']}"],
                              "timeout": args["timeout"], "encoding": "oem"}
        return reads

    @staticmethod
    def replication(task_vars, target, probe) -> dict | None:
        """The replication state as replication_info reads it; None where the host has no part in it."""
        informix = informix_host.informix_of(target, probe)
        try:
            estate = Estate({"server_groups": {}, "replicate_sets": {}}, task_vars, informix, "all")
        except AnsibleActionFail:
            return None
        found = {"onconfig": {"ok": True, "exists": True, "content": probe.text.onconfig},
                 "onstat": {"rc": probe.onstat_rc}, "onstat_d": {"output": probe.text.onstat_d},
                 "servers": probe.also.get("servers") or {}}
        state = ReplicationAction.read_probe(informix, estate, found)
        partners = [dict(p, kind=kind) for kind, value in state["kinds"].items() for p in value["partners"]]
        return {"local_state": state["enterprise_replication"]["local_state"],
                "detected": state["enterprise_replication"]["detected"],
                "partners": [{k: p[k] for k in ("kind", "host", "state", "queued_bytes")} for p in partners],
                "buffer": {k: state["buffer"][k] for k in ("percent", "level", "queued_bytes", "capacity_bytes")}}


def is_local(reference: str, names: list) -> bool:
    return str(reference).lower() in {str(n).lower() for n in names}


def newest_verified(probe: Probe, now: dt.datetime, destination: str | None) -> dict:
    """Per level, the newest archive of a verified manifest the server trusts (archives.own_manifests), with its
    age in hours by the host's clock; None for a level without one."""
    found = {}
    for level in (0, 1):
        verified = [m for m in probe.own if m.get("level") == level and m.get("verified") is True]
        newest = max(verified, key=lambda m: str(m.get("start", "")), default=None)
        if newest is None:
            found[str(level)] = None
            continue
        started = dt.datetime.strptime(newest["start"], MANIFEST_TIME).replace(tzinfo=dt.timezone.utc)
        found[str(level)] = {"name": newest["name"], "start": newest["start"],
                             "age_hours": round((now - started).total_seconds() / 3600, 2)}
    return {"destination": destination, "readable": probe.destination_exists, "levels": found,
            "skipped": len(probe.skipped)}


def services_state(also: dict, names: list) -> dict:
    rows = objects(also, "services")
    status = {str(r.get("Name")): str(r.get("Status")) for r in rows or []}
    return {name: status.get(name, NOT_A_NODE) for name in names}


def cluster_state(also: dict, group: str) -> dict | None:
    """The group's owner and the nodes' states where the host is a cluster node; None where it is not."""
    services = {str(r.get("Name")): str(r.get("Status")) for r in objects(also, "services") or []}
    if services.get(cl.CLUSTER_SERVICE, NOT_A_NODE) == NOT_A_NODE:
        return None
    computer = first(also, "computer") or {}
    nodes = objects(also, "nodes")
    owner = first(also, "group")
    errors = [str((also.get(name) or {}).get("error") or f"{name} not read") for name in ("nodes", "group")
              if objects(also, name) is None]
    return {"node": str(computer.get("Name") or ""), "cluster_service": services[cl.CLUSTER_SERVICE],
            "group": group, "owner": str(owner.get("OwnerNode")) if owner else None,
            "group_state": str(owner.get("State")) if owner else None,
            "nodes": {str(n.get("Name")): str(n.get("State")) for n in nodes or []},
            "error": " ".join(" ".join(errors).split()) or None}


def clock_state(args: dict, found: dict | None) -> dict | None:
    """This host's offset from the time reference (w32tm: the reference minus this host, so negated); None when no
    reference is given or the host cannot measure it (POSIX)."""
    reference = args["time_reference"]
    if not reference:
        return None
    if is_local(reference, args["local_names"]):
        return {"reference": reference, "offset_seconds": 0.0, "error": None}
    if found is None:
        return None
    parsed = pf.parse_stripchart(in_fixed_order(found) if found.get("ok") else "")
    if not parsed["samples"]:
        why = (parsed["errors"] or [found.get("error") or "no sample"])[0]
        return {"reference": reference, "offset_seconds": None, "error": " ".join(str(why).split())}
    return {"reference": reference, "offset_seconds": round(-statistics.median(parsed["samples"]), 4), "error": None}
