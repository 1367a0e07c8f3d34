# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation for the informix_backup_schedule action plugin (plugins/action/informix_backup_schedule.py).
from __future__ import annotations

DOCUMENTATION = r"""
module: informix_backup_schedule
short_description: Schedule verified Informix backups with Windows Task Scheduler
version_added: 0.1.0
description:
  - Manual §6.3.1 - one scheduled task per backup level, writing to a results file. Use the same
    O(schedules) on the main, backup and central reporting servers, as the manual recommends.
  - Instead of the manual's C(FULLBACKUP.BAT) and C(INCREMENTALBACKUP.BAT), which overwrite the one C(TAPEDEV)
    file, each task runs the collection's host executor (C(oscc-executor.ps1) in O(script_dir)) on a saved batch
    of operations, one per level, with the plan it was made from - a new archive per run, taken as
    M(oscc.admin.informix_backup) takes it.
  - A scheduled run has no controller to judge it. It leaves its archive as C(<name>.arc.partial) and its result
    as C(<name>.run.json) in O(destination), and exits non-zero when any step failed, so Task Scheduler shows
    the failure. The next M(oscc.admin.informix_backup) or M(oscc.admin.informix_restore) of the server judges
    each finished run as it judges its own backups, under the server's lock, and turns it into a manifest
    (linked into its chain by the checkpoint it built on) or drops it. A scheduled run never deletes anything;
    run M(oscc.admin.informix_backup) (for example weekly from AWX) to apply retention and take the runs over.
  - Each run also writes its record on the server's own disk, in the folder C(.oscc-<INFORMIXSERVER>.runs) beside
    the server's lock in the C(etc) folder of INFORMIXDIR (created here). A run is taken over only from that copy,
    so a record written on the share by anyone else is skipped, never signed. Runs of saved batches from before
    that copy existed are skipped the same way; run this module again once (docs/backup.md, Scheduled backups).
  - "Each run taken over appends one line to O(results_file): C(<UTC start> OK level <n> <manifest> sha256 <sum>)
    or C(<UTC start> FAILED level <n>: <reason>)."
  - O(script_dir) must not contain C(%), since Task Scheduler expands environment variables in the arguments of a task.
  - Each task's execution time limit is O(timeout) plus 30 minutes for the checks around the archive.
  - Tasks for levels not in O(schedules) are removed. Files are rewritten only when they differ.
extends_documentation_fragment:
  - oscc.admin.informix
  - oscc.admin.informix_location
  - oscc.admin.informix_location.onconfig
  - oscc.admin.informix_backup
  - oscc.admin.action
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
options:
  schedules:
    description: One entry per level to schedule.
    type: list
    elements: dict
    default: []
    suboptions:
      level:
        description: The backup level.
        type: int
        choices: [0, 1, 2]
        required: true
      time:
        description: Start time, C(HH:MM) in 24-hour form, host time.
        type: str
        required: true
      days_of_week:
        description: Days to run on; every day when omitted.
        type: list
        elements: str
        choices: [monday, tuesday, wednesday, thursday, friday, saturday, sunday]
  script_dir:
    description: Where the executor and the saved batches are placed.
    type: str
    default: C:\ProgramData\oscc.admin
  results_file:
    description: The results file (the manual's C(results.txt)). Defaults to C(results.txt) in O(destination).
    type: str
  username:
    description:
      - The account the tasks run as. The manual asks for a local administrator; C(SYSTEM) needs no password.
      - The scheduled runs reach a UNC O(destination) with this account's own rights, not through a WinRM session,
        so they are not bound by the double-hop (see the collection's docs/windows.md, First-run checklist).
        C(SYSTEM) reaches a share as the computer's account (C(DOMAIN\HOST$)), a user account with its password.
      - An account other than C(SYSTEM), C(LOCAL SERVICE) or C(NETWORK SERVICE) needs O(password).
    type: str
    default: SYSTEM
  password:
    description: The password of O(username), when it is not a service account.
    type: str
  state:
    description: C(absent) removes the three tasks; the executor and the saved batches stay.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: [windows]
seealso:
  - module: oscc.admin.informix_backup
author:
  - oscc.admin maintainers (@oscc-admin)
"""

EXAMPLES = r"""
- name: Full backup every night at 02:00, incremental at 13:00 on weekdays
  oscc.admin.informix_backup_schedule:
    informixserver: ol_oscc1
    destination: D:\OSCC-Backups
    schedules:
      - level: 0
        time: "02:00"
      - level: 1
        time: "13:00"
        days_of_week: [monday, tuesday, wednesday, thursday, friday]
"""

RETURN = r"""
tasks:
  description: The scheduled tasks present after the run, under the C(\OSCC\) folder.
  returned: always
  type: list
  elements: str
  sample: ["OSCC Informix backup level 0", "OSCC Informix backup level 1"]
script:
  description: The host executor the tasks run.
  returned: when O(state=present) and O(schedules) is not empty
  type: str
params_files:
  description: The saved batch of each scheduled level (its plan beside it, C(.plan.json)).
  returned: when O(state=present) and O(schedules) is not empty
  type: dict
results_file:
  description: Where each run reports.
  returned: always
  type: str
remote_operations:
  description: Remote round trips the task made.
  returned: always
  type: int
"""
