# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation for the replication action plugin (plugins/action/replication.py).
from __future__ import annotations

DOCUMENTATION = r"""
module: replication
short_description: Pause, resume, stop, restart and synchronise OSCC replication (the manual's trcdbins)
version_added: 0.2.0
description:
  - Does what the manual's replication tool (C(trcdbins)) does in chapters 7 and 8.1, through Informix
    Enterprise Replication's C(cdr) under it (docs/replication.md has the mapping), after one read-only probe
    has confirmed Enterprise Replication and the partners' server groups. When the probe cannot confirm them,
    nothing changes and the task fails with the manual's GUI steps for the action.
  - O(state=paused) and O(state=active) are idempotent - a paused partner is not paused again, and nothing
    changes (round trips in docs/windows.md). Each delivery is judged by the row of the server it goes to, as
    C(cdr list server) documents STATE C(Suspended) - on the central report server its own row. A partner whose
    connection was closed by a user command (STATUS C(Disconnect)) fails O(state=active) with the reset it needs.
  - O(state=stopped) and O(state=restarted) act on the whole local server, as the manual's options do; a restart
    empties the replication buffer (§7.1.3.1, §8.1.3.1, §8.1.4.1, §8.1.5.1) and opens again, in the same round trip,
    the connections to the partners of O(scope) that O(state=disconnected) closed.
  - O(state=disconnected) ends the replication with the partners of O(scope) only (C(cdr disconnect server)), the
    local server replicating on with the others - high availability (§8.1.3) or central reporting (§8.1.4). Restart
    it with O(state=restarted).
  - With a backup server in the inventory, pausing or ending central reporting returns RV(failover_note) (also a
    warning) - a failover restarts central reporting by itself (§8.1.2, §8.1.4 notes).
  - O(sync=admin_data) between the main and the backup server synchronises the server the task runs on from the
    partner, as §8.2 runs on the server that was down.
  - A new O(sync) is refused while the progress file in O(work_dir) holds an unfinished C(report_data_all);
    continue it with O(sync=report_data_continue) or remove the file.
  - O(sync) synchronises report or administration data in the background on the host (Windows Task
    Scheduler), polls its progress, shows percent done on the console, stops it after O(run_for_hours) and
    can resume it with O(sync=report_data_continue) (§7.2).
  - O(activate=true) runs C(trcdbins -activate) in O(oscc_dir).
  - On failure, the diagnostic files C(trcdbins.000) ... C(trcdbins.025) of O(oscc_dir) are returned (§7.3).
options:
  scope:
    description:
      - The kind of replication O(state) acts on - central reporting (§7.1), high availability (§8.1) or both.
    type: str
    choices: [central_reporting, high_availability, all]
    default: central_reporting
  state:
    description:
      - C(paused) (§7.1.2, §8.1.1), C(active) (resumed or started, §7.1.2.1, §8.1.1.1), C(stopped) (§7.1.3,
        the whole local server, §8.1.5), C(restarted) (stopped, then started with an empty buffer, §7.1.3.1),
        C(disconnected) (the replication with the partners of O(scope) ended, §8.1.3, §8.1.4).
      - Mutually exclusive with O(sync) and O(activate).
    type: str
    choices: [paused, active, stopped, restarted, disconnected]
  sync:
    description:
      - C(report_data_recent) (the current and the previous month), C(report_data_all), C(report_data_continue)
        (the last C(report_data_all) from where it stopped) or C(admin_data) (§7.2, §8.2, §8.3).
      - The main or backup server is the master, the central report server the target; between main and backup
        the partner is the master and this server the target (§8.2 runs on the server that was down).
    type: str
    choices: [report_data_recent, report_data_all, report_data_continue, admin_data]
  partner:
    description:
      - With O(sync), the inventory host to synchronise with (the manual's Remote-Server).
    type: str
  run_for_hours:
    description:
      - With O(sync=report_data_all) or O(sync=report_data_continue), the hours the synchronisation may run
        (the manual's "Ausführen für"); greater than 0. It stops between or inside replicates then, on the host
        too (the saved batch carries the limit), even when no controller is left to stop it.
    type: float
  activate:
    description:
      - Run C(trcdbins -activate) in O(oscc_dir).
    type: bool
    default: false
  confirm:
    description:
      - Must be true for O(state=stopped), O(state=restarted) and O(state=disconnected), which may need a report data
        synchronisation
        afterwards (§7.1.3).
    type: bool
    default: false
  work_dir:
    description:
      - Folder on the host for the background synchronisation's saved batch, progress file and record.
    type: str
    default: C:\ProgramData\oscc.admin
  poll_interval:
    description:
      - Seconds between two looks at a running synchronisation's progress.
    type: int
    default: 30
  sync_timeout:
    description:
      - Seconds a synchronisation without O(run_for_hours) may run before it is stopped and the task fails.
    type: int
    default: 86400
  task_username:
    description:
      - The account the background synchronisation's task runs as. An account other than C(SYSTEM),
        C(LOCAL SERVICE) or C(NETWORK SERVICE) needs O(task_password).
    type: str
    default: SYSTEM
  task_password:
    description:
      - Its password, unless it is a service account.
    type: str
  task_update_password:
    description:
      - Register the task again with O(task_password), and apply it. A changed password alone is not seen on the host
        (Task Scheduler does not show it, and the task's definition fingerprint leaves it out), so set this once
        after changing the account's password. Needs O(task_password).
    type: bool
    default: false
extends_documentation_fragment:
  - oscc.admin.replication
  - oscc.admin.informix_location
  - oscc.admin.informix_location.onconfig
  - oscc.admin.action
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
author:
  - oscc.admin maintainers (@oscc-admin)
"""

EXAMPLES = r"""
- name: Pause central reporting on the main server (§7.1.2)
  oscc.admin.replication:
    scope: central_reporting
    state: paused

- name: Synchronise all report data for four hours, from the central report server (§7.2)
  oscc.admin.replication:
    sync: report_data_all
    partner: oscc1.contact.example.com
    run_for_hours: 4
  register: sync

- name: Continue it another night
  oscc.admin.replication:
    sync: report_data_continue
    partner: oscc1.contact.example.com
    run_for_hours: 4
  when: not sync.finished
"""

RETURN = r"""
commands:
  description:
    - The C(cdr) commands run, or that would run in check mode. A synchronisation that did not finish lists those it
      got to (the last one perhaps interrupted); the rest are in RV(commands_not_run).
  returned: always
  type: list
  elements: str
  sample: ["cdr suspend server g_ol_osccrep g_ol_oscc1"]
commands_not_run:
  description: The C(cdr) commands of a synchronisation that did not finish which it never started.
  returned: with sync, when it did not finish
  type: list
  elements: str
before:
  description:
    - With O(state), each partner before - C(kind), C(host), C(group), C(state) (as
      M(oscc.admin.replication_info) words it), C(needs_reset) and C(queued_bytes).
  returned: with state
  type: list
  elements: dict
after:
  description: With O(state), each partner after, from C(cdr list server) in the same remote call.
  returned: with state
  type: list
  elements: dict
buffer:
  description: With O(state), the replication buffer afterwards (see M(oscc.admin.replication_info)).
  returned: with state
  type: dict
percent_done:
  description: With O(sync), how much of the synchronisation is done.
  returned: with sync
  type: float
  sample: 40.0
done:
  description: With O(sync), the units done (replicates of C(report_data_all), or the kind itself).
  returned: with sync
  type: list
  elements: str
total:
  description: With O(sync), the number of units.
  returned: with sync
  type: int
finished:
  description: With O(sync), whether it finished.
  returned: with sync, not in check mode
  type: bool
stopped_at_deadline:
  description: With O(sync), whether it stopped at O(run_for_hours).
  returned: with sync, not in check mode
  type: bool
left_running:
  description:
    - With O(sync) stopped at O(run_for_hours) or O(sync_timeout), what was done about the run's C(cdr) processes
      that C(Stop-ScheduledTask) left running (found with C(Get-CimInstance Win32_Process) by the run's own
      command lines and ended with C(Stop-Process)); also at the end of the message. See the collection's
      docs/windows.md, First-run checklist.
  returned: when a stopped sync left a cdr running, or the processes could not be listed
  type: str
polls:
  description: With O(sync), the round trips spent reading the progress while it ran.
  returned: with sync, not in check mode
  type: int
failover_note:
  description: That a failover restarts the central reporting this task paused or ended (§8.1.2, §8.1.4 notes).
  returned: with O(state=paused) or O(state=disconnected) on central reporting, when the inventory has a backup server
  type: str
gui_steps:
  description: When the probe could not confirm the mapping, the manual's steps in C(trcdbins) for the action.
  returned: on refusal
  type: list
  elements: str
diagnostics:
  description: On failure, the contents of C(trcdbins.000) ... C(trcdbins.025) by file name (§7.3).
  returned: on failure
  type: dict
remote_operations:
  description: Remote round trips made.
  returned: always
  type: int
"""
