# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Who takes part in a replication and each server's partners, from the inventory (manual §7.3 step 5, §8.1).
from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.oscc.admin.plugins.plugin_utils._replication import preflight as pf


def replication_topology(groups, hostvars, scope="all", reference=None):
    try:
        return pf.topology(dict(groups), hostvars, scope, reference or None)
    except pf.PreflightError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    def filters(self):
        return {"replication_topology": replication_topology}
