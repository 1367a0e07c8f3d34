# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Options shared by the replication action plugins, beside oscc.admin.informix_location (and its onconfig variant).
from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  server_groups:
    description:
      - The Enterprise Replication server group of inventory hosts whose group is not C(g_<oscc_informixserver>),
        as inventory host name to group name.
      - The probe confirms every partner's group in C(cdr list server) before anything changes.
    type: dict
    default: {}
  replicate_sets:
    description:
      - The names of the replicate sets, by kind C(report_data) (central reporting) and C(admin_data)
        (administration data); defaults C(oscc_report) and C(oscc_admin).
    type: dict
    default: {}
  oscc_dir:
    description:
      - The OSCC installation folder on the host, where C(trcdbins.exe) runs and leaves its diagnostic files
        C(trcdbins.000) ... C(trcdbins.025) (manual §7.3).
    type: str
    default: C:\Program Files\OpenScape Contact Center
notes:
  - Without O(informixdir) or O(informixserver), the inventory's C(oscc_informixdir) and C(oscc_informixserver)
    are used, else the host's C(INFORMIXDIR) and C(INFORMIXSERVER) environment variables. Without O(onconfig),
    C(ONCONFIG.<server>) is read.
  - The host's part comes from the inventory groups C(oscc_main), C(oscc_backup) and C(oscc_central_report);
    the partners of each kind of replication follow from them (see docs/replication.md).
  - Everything runs through the host executor (docs/windows.md); nothing of the manual's GUI tool is scripted.
"""
