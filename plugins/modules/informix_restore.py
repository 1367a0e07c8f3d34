# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation for the informix_restore action plugin (plugins/action/informix_restore.py).
from __future__ import annotations

DOCUMENTATION = r"""
module: informix_restore
short_description: Restore an OSCC Informix instance from a verified backup chain
version_added: 0.1.0
description:
  - Restores the newest verified chain under O(destination), or the chain ending at a named manifest -
    the level 0 archive first, then the level 1 and 2 archives that depend on it (manual §6.3.3).
  - Before anything is touched, every archive of the chain is read back on the host and compared
    with the SHA-256 and size in its manifest; a damaged or missing archive stops the task.
  - By default first takes a level 0 safety backup of the current instance under
    O(safety_destination), so a wrong restore can be undone with this module.
  - Then stops the OSCC services (§6.3.3 step 2), takes the instance off-line (C(onmode -ky)), creates
    missing chunk files empty (the §6.3.4 restore onto a clean installation), restores with the method
    the archives were written with - C(ontape -r -t STDIO) for O(oscc.admin.informix_backup#module:method=stdio),
    C(ontape -r -d) for C(directory), C(ontape -r) answered at its prompts for C(tapedev), or C(onbar -r)
    (manual §6.3.6, after C(onbar -v) confirmed the backup restorable) - brings
    the server On-Line with C(onmode -m), waits for C(onstat -) to return 5, and starts the services again.
  - Only the target server's own backups are considered, whatever else the destination holds (one share for
    the whole estate is normal) - O(manifest=latest) takes the newest chain whose manifests name the server
    (C(informixserver)), and a named manifest of another server is refused.
  - A manifest is trusted only when every path it names stays where it must - archive and parent are plain
    file names in the destination (no separator, C(..), drive or UNC prefix, no link), chunk files lie in the
    server's chunk locations (the folders of C(ROOTPATH), C(MIRRORPATH) and of C(onstat -d)). Others are
    listed in RV(skipped_manifests) with the reason, refused when named, and passed over by
    O(manifest=latest), which then warns and lists them in RV(fell_back_past).
  - Each manifest must carry a signature that verifies with O(manifest_key) or O(manifest_previous_keys)
    (an unsigned one only when named, with O(accept_unsigned_manifests)); without any key the task refuses to
    choose a chain unless O(accept_unsigned_manifests=true). Chains are ordered by the server's own record of
    their level 0 archive (its checkpoint), not by a date a manifest claims; a manifest dated in the future is
    skipped, and one claiming an archive newer than the server's own newest (C(onstat -g arc)) is not taken by
    O(manifest=latest) but may be named.
  - O(manifest=latest) refuses, in one line and in check mode too, when the server's own newest archive is
    later than the chain it would take and in no verified manifest (a newer chain was removed), and, where the
    server's history cannot be read (a clean machine, the server Off-Line), when the checkpoint order and the
    signed C(start) order name different chains (as after a rollback); name a manifest then (docs/backup.md).
  - With O(manifest=latest), a chain whose archive fails its checksum is passed over for the newest good one
    (the damaged archive and what builds on it), named in RV(passed_over) and warned about; a named manifest
    whose archive is damaged is refused.
  - The OSCC patch level recorded in the backup must equal the server's (manual §7.4 step 2, §8.6), see
    O(allow_version_mismatch). Check mode shows the comparison.
  - The restore holds the server's lock (the one M(oscc.admin.informix_backup) takes) from before the safety
    backup until the end, so no backup or second restore runs meanwhile.
  - If the restore fails after the services were stopped, they are started again only when Informix is
    still On-Line and was never touched. Otherwise they stay stopped, and the result says the server mode,
    which services are stopped and the manifest of the safety backup to restore from.
extends_documentation_fragment:
  - oscc.admin.informix
  - oscc.admin.informix_location
  - oscc.admin.informix_location.onconfig
  - oscc.admin.informix_backup.manifest_signing
  - oscc.admin.informix_backup.take_over
  - oscc.admin.action
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
options:
  manifest:
    description:
      - C(latest) restores the newest verified chain under O(destination).
      - Otherwise the absolute path of a manifest (C(.json)) written by M(oscc.admin.informix_backup); its
        chain is restored up to and including it.
    type: str
    default: latest
  destination:
    description:
      - The backup directory on the host. Required when O(manifest=latest).
      - When O(manifest) is a path, the manifest's own directory is used instead.
    type: str
  confirm:
    description:
      - Must be V(true), because the restore replaces the whole instance. Not needed in check mode.
    type: bool
    default: false
  safety_backup:
    description:
      - Take a level 0 backup of the current instance before restoring. Needs the server On-Line.
    type: bool
    default: true
  safety_destination:
    description:
      - Where the safety backup goes. Defaults to C(safety) under O(destination); backups there are never
        chosen by O(manifest=latest).
      - Must not be O(destination) itself (nor hold it), and must not be a link; checked before anything is touched.
      - O(destination) is compared by spelling and, when the folder exists, by what the host opens (its volume
        and file index), so another name of the same server (its FQDN, an address) or a mapped drive is refused
        too. A folder not there yet is compared by spelling only.
    type: str
  include_levels:
    description:
      - Restore only these levels of the chain, for example C([0]). Must include 0 and leave no gap.
      - Levels the chain does not have are named in a warning.
      - Defaults to the whole chain.
    type: list
    elements: int
    choices: [0, 1, 2]
  chunks:
    description:
      - Chunk files to create empty when missing before the restore. Defaults to the chunks the backup recorded.
      - Each must be an absolute path without C(..) in the server's chunk locations (the folders of C(ROOTPATH),
        C(MIRRORPATH) and the chunks C(onstat -d) lists), and one that exists must be one of the server's chunks;
        checked before anything is touched.
    type: list
    elements: str
  allow_version_mismatch:
    description:
      - Restore although the OSCC patch level recorded in the backup differs from the server's, or one of
        them is not known. Check the patch levels by hand first (manual §7.4 step 2, §8.6).
      - The patch level is read from the Windows uninstall entries whose display name matches
        C(OpenScape Contact Center*) (display name and version of each). Which entries the OSCC server
        software installs is not publicly documented (unverified); see the collection's docs/backup.md.
    type: bool
    default: false
  timeout:
    description:
      - Seconds each step (C(ontape), each change of server mode) may take.
    type: int
    default: 3600
attributes:
  check_mode:
    support: full
    details: Finds the chain, verifies its checksums on the host and reports the plan; touches nothing.
  diff_mode:
    support: none
notes:
  - C(onbar -r) restores the newest backup the storage manager holds, so only the newest onbar chain can be
    restored, and the task refuses when the server's last level 0 archive is not the chain's.
  - For archives taken through the C(TAPEDEV) file (C(method=tapedev)), C(ontape -r) is driven by matching
    its prompts (Return at a mount prompt, C(y) to continue, C(n) to log salvage and log tapes, C(y) to each
    further level of the chain, which is put into the C(TAPEDEV) file just before ontape reads it). Any
    other question stops C(ontape) and fails the task; the services then stay stopped.
seealso:
  - module: oscc.admin.informix_backup
author:
  - oscc.admin maintainers (@oscc-admin)
"""

EXAMPLES = r"""
- name: Restore the newest verified chain
  oscc.admin.informix_restore:
    informixserver: ol_oscc1
    destination: D:\OSCC-Backups
    confirm: true

- name: Undo a restore from its safety backup
  oscc.admin.informix_restore:
    informixserver: ol_oscc1
    manifest: D:\OSCC-Backups\safety\ol_oscc1_20261127T101500_L0.json
    safety_backup: false
    confirm: true
"""

RETURN = r"""
restored:
  description: Names of the archives restored, level 0 first.
  returned: always
  type: list
  elements: str
manifests:
  description: Paths of the manifests of the restored archives.
  returned: success
  type: list
  elements: str
method:
  description: How the chain was restored (C(stdio), C(directory) or C(tapedev)).
  returned: always
  type: str
server_mode:
  description: The server mode after the restore; C(On-Line) on success. After a failure, the mode the server
    was left in.
  returned: always
  type: str
safety_backup:
  description: The safety backup taken first, with the same keys as M(oscc.admin.informix_backup) returns.
  returned: when O(safety_backup=true) and not in check mode
  type: dict
created_chunks:
  description: Chunk files that were missing and created empty.
  returned: success
  type: list
  elements: str
output:
  description: What C(ontape) printed during the restore.
  returned: success
  type: str
version_check:
  description: The OSCC patch level of the backup (C(backup)) and of the server (C(server)), whether they
    match and whether a mismatch was allowed.
  returned: when a chain was found
  type: dict
skipped_manifests:
  description: Manifests of this server in the destination that were not trusted, each with C(manifest) and
    C(reason).
  returned: when a chain was found
  type: list
  elements: dict
fell_back_past:
  description: With O(manifest=latest), skipped manifests newer than the restored one.
  returned: when a chain was found
  type: list
  elements: str
passed_over:
  description: With O(manifest=latest), the archives whose checksum failed and were passed over for an older
    good chain, each with C(name), C(archive) and C(reason).
  returned: when a chain was found
  type: list
  elements: dict
unsigned_manifests:
  description: The unsigned manifests restored because the manifest was named and
    O(accept_unsigned_manifests=true).
  returned: when a chain was found
  type: list
  elements: str
services_stopped:
  description: After a failed restore, the OSCC services left stopped.
  returned: failure after the services were stopped
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
"""
