# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation for the informix_backup action plugin (plugins/action/informix_backup.py).
from __future__ import annotations

DOCUMENTATION = r"""
module: informix_backup
short_description: Take a verified, chain-aware Informix backup with ontape or onbar
version_added: 0.1.0
description:
  - Takes a level 0, 1 or 2 archive of the OSCC Informix instance (manual §6.3.2) as a new file
    under O(destination), never overwriting an earlier backup.
  - Order of work, after a read-only probe (round trips in docs/windows.md) - take the server's lock (one per Informix
    server, beside its ONCONFIG; a backup or restore already holding it makes the task fail, naming the
    holder; the lock of a killed run of this controller, named by its id, is broken and reported in
    RV(broke_lock)), write the archive as
    C(<name>.arc.partial), judge C(ontape)'s output, compute size and SHA-256, confirm with
    C(onstat -g arc) that the server recorded the new archive (a checkpoint later in the log than its last
    archive of that level - log unique ID and log position, so two archives with no log switch between
    them both verify), rename the archive, write the manifest C(<name>.json) (its presence marks the backup
    complete), then apply retention.
  - The manifest records whose backup it is - the Informix server, the inventory host, the host's computer
    name, the Informix version (from the C(onstat -) banner) and the OSCC patch level (see
    M(oscc.admin.informix_restore), O(oscc.admin.informix_restore#module:allow_version_mismatch)).
  - The destination may be shared by every server of the estate. Retention counts, keeps and deletes only
    the chains of this server, and only files its trusted manifests name inside the destination; other
    servers' files, foreign files and manifests that name paths outside the destination are never touched
    (the latter are reported in RV(skipped_manifests)).
  - A run that is killed or fails leaves no manifest, so a half-written archive is never taken for
    a backup; the next run removes the leftover C(.partial) file.
  - The manifest is signed with O(manifest_key) (docs/backup.md, Manifest signing); only manifests whose signature
    verifies count for the parent and for retention, which never deletes a chain because of, or counts, a manifest
    that does not verify. Chains are ordered by the server's own record of their level 0 archive (its checkpoint),
    not by a date a manifest claims; one dated in the future or claiming an archive newer than the server's own
    newest is skipped with a reason. Without a key the backup warns that its manifest is unsigned.
  - Level 1 and 2 backups are refused unless their parent archive is in O(destination) and is the
    one the server itself last recorded at that level.
  - Refuses C(TAPEDEV NUL) for the C(directory) and C(tapedev) methods, since C(ontape) then reports
    success and stores nothing.
extends_documentation_fragment:
  - oscc.admin.informix
  - oscc.admin.informix_location
  - oscc.admin.informix_location.onconfig
  - oscc.admin.informix_backup
  - oscc.admin.informix_backup.manifest_signing
  - oscc.admin.informix_backup.take_over
  - oscc.admin.action
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
options:
  level:
    description:
      - The archive level. 0 is a full backup, 1 holds the changes since the last level 0, 2 those
        since the last level 1.
    type: int
    choices: [0, 1, 2]
    default: 0
  keep_full:
    description:
      - How many level 0 chains to keep, each with every level 1 and 2 archive based on it.
      - Older chains are deleted only after the new backup is verified; the newest verified chain is never deleted.
    type: int
    default: 2
attributes:
  check_mode:
    support: full
    details: Probes the host and reports the archive name, parent and retention plan; writes nothing.
  diff_mode:
    support: none
seealso:
  - module: oscc.admin.informix_restore
  - module: oscc.admin.informix_info
author:
  - oscc.admin maintainers (@oscc-admin)
"""

EXAMPLES = r"""
- name: Nightly full backup, keep two weeks of chains
  oscc.admin.informix_backup:
    informixserver: ol_oscc1
    level: 0
    destination: D:\OSCC-Backups
    keep_full: 14

- name: Incremental backup during the day
  oscc.admin.informix_backup:
    informixserver: ol_oscc1
    level: 1
    destination: D:\OSCC-Backups
"""

RETURN = r"""
archive:
  description: Path of the new archive on the host; null for O(tool=onbar).
  returned: success
  type: str
  sample: D:\OSCC-Backups\ol_oscc1_20261127T020000_L0.arc
manifest:
  description: Path of the manifest that marks the archive complete.
  returned: success
  type: str
  sample: D:\OSCC-Backups\ol_oscc1_20261127T020000_L0.json
sha256:
  description: SHA-256 of the archive, read back from disk; null for O(tool=onbar).
  returned: success
  type: str
size:
  description: Size of the archive in bytes.
  returned: success
  type: int
level:
  description: The archive level.
  returned: always
  type: int
parent:
  description: Name of the archive this one builds on; null for level 0.
  returned: always
  type: str
checkpoint:
  description: The server's record of the archive from C(onstat -g arc) (date, log and log position).
  returned: success
  type: dict
verified:
  description: Whether the server confirmed the archive.
  returned: success
  type: bool
deleted:
  description: Files removed by retention.
  returned: success
  type: list
  elements: str
removed_host_records:
  description: The host's copies of scheduled runs' records (beside the server's lock) removed with retention because
    their record on the destination is gone and the run started longer ago than its C(timeout) plus 900 seconds;
    see the collection's docs/backup.md.
  returned: success
  type: list
  elements: str
skipped_manifests:
  description: Manifests of this server in the destination that are not trusted (a path outside the
    destination or the chunk locations, a link, unreadable), each with C(manifest) and C(reason); never
    counted or deleted.
  returned: always
  type: list
  elements: dict
unsigned_manifests:
  description: The unsigned manifests accepted as the server's because O(accept_unsigned_manifests=true); never
    counted or deleted by retention, never a parent.
  returned: always
  type: list
  elements: str
signed_with:
  description: The key id (a hash naming the key, not the key) of the signature on the new manifest; null when
    no O(manifest_key) was given.
  returned: success
  type: str
other_files:
  description: How many manifest-like files of other servers or other tools the destination holds (left alone).
  returned: always
  type: int
would_delete:
  description: In check mode, the archives retention would remove.
  returned: check mode
  type: list
  elements: str
would_delete_files:
  description: In check mode, the file names in the destination retention would remove (archives and manifests).
  returned: check mode
  type: list
  elements: str
broke_lock:
  description:
    - Without O(take_over), the lock of a dead run of this controller that this run broke (the same
      C(controller_id) and host name, its worker's pid not running here, no batch of it on the host);
      a warning says so too. Any other lock is refused (docs/backup.md, A killed run).
    - C(holder) - the lock's record, as in RV(take_over); C(controller_pid_running) - false;
      C(live) - false; C(why) - why it counted as dead.
  returned: when such a lock was broken
  type: dict
take_over:
  description:
    - With O(take_over=true), what the host showed of the run that held the server's lock, and what was done.
    - C(holder) - the lock's record (C(operation), C(controller), C(controller_id), C(controller_pid), C(started),
      C(host), C(pid), C(expires)), null when no lock was held; C(live) - whether a batch held it live
      (always false here, or the task was refused); C(archive_programs) - the C(ontape) and C(onbar)
      processes running (none);
      C(server_mode) - the server's mode from C(onstat -); C(services) - the state of each service of
      O(services); C(services_stopped) - those stopped; C(took_over) - whether a lock was broken and taken
      (in check mode false, and C(would_take_over) says whether it would be).
  returned: when O(take_over=true)
  type: dict
remote_operations:
  description: Remote round trips the task made.
  returned: always
  type: int
  sample: 2
"""
