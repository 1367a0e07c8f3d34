# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation for the maintenance action plugin (plugins/action/maintenance.py).
from __future__ import annotations

DOCUMENTATION = r"""
module: maintenance
short_description: Stop an OSCC server for maintenance in the manual's order, or check that it came back
version_added: 0.4.0
description:
  - O(state=stopped) stops the OSCC services, each waited for until Stopped, then takes Informix off-line and stops
    the Informix service, and checks right before any power-off that Informix is off-line (manual §6.1, the Informix
    IDS service always stops before Windows shuts down or restarts). With O(power=shutdown) Windows is told to shut
    down in the same round trip as that check, only after it passed; with O(power=reboot) the result's
    RV(safe_to_power_off) says whether the caller may restart the host (the role runs C(ansible.windows.win_reboot)).
  - O(state=verified) reads, after the restart, that Informix is On-Line and every service runs, waiting at most
    O(timeout) seconds for services Windows starts late.
  - With O(cluster), the warm-standby cluster is read in the same round trip. A standby node and a server outside
    the cluster go in O(maintenance_pass=standby); the node that owns the online group goes only in
    O(maintenance_pass=active) and only with O(include_active), after the other node was verified Up and in Warm
    Standby. Before anything stops, the node is paused with its groups drained (C(Suspend-ClusterNode -Drain)), so
    nothing fails over to it while it is down, and the active node hands the group over in a planned move.
    Stopping the OSCC service in Services does not fail over (notes of manual §6); a node not in the cluster is
    refused. Without O(cluster), a host that is a node of a failover cluster (its C(ClusSvc) runs, or
    C(Get-ClusterNode) lists the cluster's nodes, read in the same round trip) is refused in one line, since its
    reboot would fail the groups it owns over.
  - The server's lock, the one C(informix_backup) and C(informix_restore) hold (docs/backup.md), is taken before
    anything is paused or stopped, in the same round trip as the pause or the stop; while a backup or restore holds
    it the run is refused in one line naming it. It is held as a lease (2 x O(timeout) + O(reboot_timeout) + 900
    seconds) until O(state=verified) reads Informix On-Line and releases it (RV(lock_token)). A failure after the
    pause says that the node stays paused and how to resume it.
  - Round trips in docs/windows.md (one read, one stop, one check before the power-off). Check mode reads and says
    what would happen; nothing changes.
options:
  state:
    description: C(stopped) stops the server for maintenance; C(verified) checks that it came back.
    type: str
    required: true
    choices: [stopped, verified]
  power:
    description:
      - With O(state=stopped), what follows the stop. C(shutdown) shuts Windows down (C(shutdown.exe /s)) after the
        check; C(reboot) and C(none) change nothing more here (the role reboots with C(ansible.windows.win_reboot)).
    type: str
    default: none
    choices: [reboot, shutdown, none]
  services:
    description: The OSCC services, stopped in this order before Informix (manual §6.1); absent ones are skipped.
    type: list
    elements: str
    default: [OpenScape Contact Center, OpenScape Contact Center AutoPA]
  informix_service:
    description:
      - The Informix Windows service. When omitted, the one of C(Informix IDS - <server>) and C(IBM Informix
        Database Server - <server>) the host has.
    type: str
  cluster:
    description: Read the warm-standby cluster and act as the node's role in it allows.
    type: bool
    default: false
  group:
    description: The cluster group that holds OSCC.
    type: str
    default: HPPC Group
  maintenance_pass:
    description: C(standby) for standby nodes and servers outside the cluster; C(active) for the active node.
    type: str
    default: standby
    choices: [standby, active]
  include_active:
    description: Let the active node go in O(maintenance_pass=active), once the other node is in Warm Standby.
    type: bool
    default: false
  timeout:
    description: Seconds to wait for Informix to go off-line, and after a restart for it and the services to be up.
    type: int
    default: 300
  reboot_timeout:
    description: With O(state=stopped), seconds the restart may take; part of the lease of the server's lock.
    type: int
    default: 1800
  lock_token:
    description:
      - With O(state=verified), the RV(lock_token) of the stop; the server's lock is released in the read that finds
        Informix On-Line.
    type: str
extends_documentation_fragment:
  - oscc.admin.informix_location
  - oscc.admin.action
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: windows
author:
  - oscc.admin maintainers (@oscc-admin)
"""
EXAMPLES = r"""
- name: Stop OSCC, then Informix, before a shutdown (manual §6.1)
  oscc.admin.maintenance:
    state: stopped
    power: shutdown

- name: Stop the standby node before its reboot
  oscc.admin.maintenance:
    state: stopped
    power: reboot
    cluster: true
  register: stopped

- name: Reboot only when the check right before allowed it
  ansible.windows.win_reboot:
  when: stopped.safe_to_power_off

- name: Informix On-Line and every service running again
  oscc.admin.maintenance:
    state: verified
"""
RETURN = r"""
plan:
  description: What the stop does (check mode - would do), in order, in words.
  returned: with state=stopped, when the server takes its turn
  type: list
  elements: str
stopped:
  description: The services stopped, in the order they stopped.
  returned: with state=stopped
  type: list
  elements: str
paused_node:
  description: The cluster node paused (its groups drained) before the stop; resume it after the maintenance.
  returned: with cluster, when the node took its turn
  type: str
resume_hint:
  description: What a failure after the pause leaves - the node paused - and how to resume it, in one line.
  returned: with paused_node
  type: str
lock_token:
  description: The token of the server's lock the stop took and holds; give it to O(state=verified) to release it.
  returned: with state=stopped, when the stop succeeded
  type: str
lock_released:
  description: The server's lock was released in the read that found Informix On-Line.
  returned: with state=verified and lock_token
  type: bool
informix_service:
  description: The Informix Windows service acted on.
  returned: when the server takes its turn
  type: str
safe_to_power_off:
  description: Informix off-line and every service stopped, checked in the last round trip.
  returned: with state=stopped
  type: bool
shutdown_issued:
  description: Windows was told to shut down after the check.
  returned: with power=shutdown
  type: bool
checked:
  description: What the last check read - C(informix_mode) and C(services) (name to status).
  returned: when the server takes its turn
  type: dict
cluster_role:
  description: C(none), C(standby) or C(active).
  returned: always
  type: str
node_skipped:
  description: Why this server waits for another pass; nothing was done.
  returned: when it is not this server's turn
  type: str
polls:
  description: Reads made while waiting for Informix or the services.
  returned: when a wait ran
  type: int
remote_operations:
  description: Remote round trips the task made.
  returned: always
  type: int
"""
