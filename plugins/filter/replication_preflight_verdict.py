# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# The replication preflight judged across every participating server (manual §7.1, §7.3, §8.1).
from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.oscc.admin.plugins.plugin_utils._replication import preflight as pf


def replication_preflight_verdict(hostvars, hosts, variable, warning_seconds=1.0, failure_seconds=2.0, reference=None,
                                  hosts_equiv="check"):
    if not isinstance(hosts, (list, tuple)) or not isinstance(variable, str):
        raise AnsibleFilterError("replication_preflight_verdict: give the participating hosts (a list) and the "
                                 "name of the variable their results were registered in")
    results = {}
    for host in hosts:
        values = hostvars[host] if host in hostvars else {}
        found = values.get(variable) if hasattr(values, "get") else None
        results[host] = dict(found) if isinstance(found, dict) and not found.get("skipped") else \
            {"failed": True, "msg": "no result (the host failed or was unreachable before the check)"}
    defer = hosts_equiv == "present" and pf.defer_trust_needed(results)
    return pf.verdict(results, float(warning_seconds), float(failure_seconds), reference, defer_trust=defer)


class FilterModule:
    def filters(self):
        return {"replication_preflight_verdict": replication_preflight_verdict}
