# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# HOST: What replication_info and replication share (their common options are the doc fragments
# oscc.admin.replication and oscc.admin.informix_location):
# the estate from the inventory, and the probe of one round trip that says whether the host replicates through
# Informix Enterprise Replication at all (docs/replication.md).
from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._host.action import OsccAction
from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._host.streams import in_fixed_order
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import parse as ifx
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.host import Informix
from ansible_collections.oscc.admin.plugins.plugin_utils._informix.host import output as output_of
from ansible_collections.oscc.admin.plugins.plugin_utils._replication import cdr as rep


class Estate:
    """This host's place in the estate: its role, its server group and its partners per kind of replication."""

    def __init__(self, args, task_vars, informix, scope):
        problem = rep.group_names_problem(args)  # the one rule of both modules, before anything else is read
        if problem:
            raise AnsibleActionFail(problem)
        self.host = task_vars.get("inventory_hostname")
        self.groups = task_vars.get("groups") or {}
        self.hostvars = task_vars.get("hostvars") or {}
        self.role = rep.role_of(self.host, self.groups)
        if self.role is None:
            raise AnsibleActionFail(f"{self.host} is in none of the groups oscc_main, oscc_backup and "
                                    "oscc_central_report, which say its part in the replication")
        self.overrides = args["server_groups"]
        unknown = sorted(set(self.overrides) - set(self.hostvars))
        if unknown:
            raise AnsibleActionFail(f"server_groups: {unknown[0]} is not in the inventory")
        self.sets = dict(rep.DEFAULT_SETS, **args["replicate_sets"])
        unknown = sorted(set(self.sets) - set(rep.DEFAULT_SETS))
        if unknown:
            raise AnsibleActionFail(f"replicate_sets: unknown kind {unknown[0]!r}; known: report_data, admin_data")
        self.local_group = self.overrides.get(self.host) or f"g_{informix.informixserver}"
        try:
            self.kinds = {kind: {h: rep.server_group(h, self.hostvars, self.overrides) for h in hosts}
                          for kind, hosts in rep.partners(self.host, scope, self.groups).items()}
        except rep.ReplicationError as exc:
            raise AnsibleActionFail(str(exc)) from None

    def group(self, host: str) -> str:
        return self.local_group if host == self.host else rep.server_group(host, self.hostvars, self.overrides)


class ReplicationAction(OsccAction):
    COMMON_PATHS = ("informixdir", "oscc_dir")
    COMMON_NAMES = {"informixserver": ""}

    def informix(self, target, args, task_vars):
        host_vars = task_vars.get("hostvars", {}).get(task_vars.get("inventory_hostname"), {})
        informixdir = args["informixdir"] or host_vars.get("oscc_informixdir")
        return Informix(target, informixdir, args["informixserver"] or host_vars.get("oscc_informixserver"),
                        args["onconfig"])

    def probe_ops(self, informix) -> Batch:
        """ONCONFIG (its CDR_ parameters), the server's mode, its spaces and the ER server list."""
        onconfig = informix.onconfig_path(informix.onconfig or f"ONCONFIG.{informix.informixserver}")
        ops = Batch().add("onconfig", {"op": "read", "path": onconfig, "encoding": "latin-1"})
        ops.add("onstat", informix.program_op("onstat", "-"))
        ops.add("onstat_d", informix.program_op("onstat", "-d"))
        return ops.add("servers", informix.program_op("cdr", "list", "server"))

    @staticmethod
    def read_probe(informix, estate, found: dict) -> dict:
        """The host's replication as ER reports it, in the stable shape replication_info returns."""
        read = found.get("onconfig") or {}
        onconfig = ifx.parse_onconfig(read.get("content") or "")
        cdr_parameters = {k: v for k, v in sorted(onconfig.items()) if k.startswith("CDR_")}
        servers = found.get("servers") or {}
        text = in_fixed_order(servers)  # its tail is shown: the same on every host
        failure = rep.list_failure(servers.get("rc", 1), text) if servers.get("ok") else "error"
        rows = rep.parse_server_list(text) if failure is None else []
        by_group = {r["group"]: r for r in rows}
        local_row = by_group.get(estate.local_group)
        evidence = [f"ONCONFIG sets {k} {v}" for k, v in cdr_parameters.items()]
        if local_row and local_row["status"] == "Local":
            evidence.append(f"cdr list server lists {estate.local_group} as the local server")
        elif failure == "stopped":
            evidence.append("cdr list server: Enterprise Replication is not active on this server")
        sbspaces = [s for s in (cdr_parameters.get("CDR_QDATA_SBSPACE") or "").split(",") if s]
        onstat_d = output_of(found.get("onstat_d"))
        if sbspaces and rep.space_bytes(onstat_d, sbspaces):
            evidence.append(f"onstat -d lists the ER queue sbspace {sbspaces[0]}")
        if local_row and local_row["status"] == "Local":
            local_state = "running"
        elif failure in ("stopped", "offline") and cdr_parameters:
            local_state = failure
        elif failure is None and rows:
            local_state = "not_in_domain"
        else:
            local_state = "not_configured" if not cdr_parameters else "error"
        detected = local_state in ("running", "stopped") or (local_state == "offline" and bool(cdr_parameters))
        kinds = {}
        for kind in ("central_reporting", "high_availability"):
            partners = []
            for host, group in estate.kinds.get(kind, {}).items():
                row = by_group.get(group)
                pairs = rep.deliveries(kind, estate.role, estate.local_group, group)
                partners.append({"host": host, "group": group, "listed": row is not None,
                                 "state": rep.partner_state(row, failure, rep.receiver_rows(by_group, pairs)),
                                 "suspended": [{"from": source, "to": to} for source, to in pairs
                                               if rep.suspended(by_group.get(to))],
                                 "needs_reset": (row or {}).get("status") == "Disconnect",
                                 "er_state": (row or {}).get("state"), "er_status": (row or {}).get("status"),
                                 "er_meaning": rep.meaning(row), "queued_bytes": (row or {}).get("queue", 0)})
            kinds[kind] = {"configured": bool(partners) and detected and
                           (failure is not None or all(p["listed"] for p in partners)), "partners": partners}
        return {
            "host": estate.host, "role": estate.role, "informixserver": informix.informixserver,
            "server_group": estate.local_group,
            "server_mode": ifx.server_mode((found.get("onstat") or {}).get("rc", 255)),
            "enterprise_replication": {"detected": detected, "local_state": local_state, "evidence": evidence,
                                       "cdr_parameters": cdr_parameters,
                                       "cdr_list_server": {"rc": servers.get("rc"), "output": text[-2000:]}},
            "kinds": kinds,
            "buffer": rep.buffer(onconfig if read.get("ok") and read.get("exists") else None, onstat_d, rows),
            "servers": rows,
        }
