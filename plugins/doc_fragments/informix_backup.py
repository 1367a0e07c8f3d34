# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# How a verified backup is taken: the options informix_backup and informix_backup_schedule share. The schedule
# passes every option both document to the backup's argument builder (plugin_utils/_informix/backup_options.py).
from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  destination:
    description:
      - The directory on the host that holds the archives and their manifests. Created if missing.
      - Must be an absolute path. May be a share (C(\\\\server\\share\\oscc)) that every server of the estate
        writes to; archive names begin with the Informix server's name.
      - Not a link or junction, which could lead into another server's folder; a backup refuses one.
    type: str
    required: true
  tool:
    description:
      - The Informix backup utility.
      - C(ontape) (manual §6.3.2) writes the archive to a file under O(destination).
      - C(onbar) (manual §6.3.5) writes it to the configured storage manager (ISM, PSM or a third-party XBSA
        library); the manifest under O(destination) then records the backup without a file, and O(verify)
        runs C(onbar -v). C(onbar) refuses C(LTAPEDEV NUL), which is how OSCC installs Informix, so it is refused
        here before it runs. Retention (by M(oscc.admin.informix_backup)) then removes only manifests; the storage
        manager expires its own objects.
    type: str
    choices: [ontape, onbar]
    default: ontape
  method:
    description:
      - How C(ontape) writes the archive.
      - C(stdio) streams it into a new file (C(ontape -t STDIO)); needs no C(TAPEDEV) setting.
      - C(directory) uses a directory C(TAPEDEV) with C(ontape -d) and moves the produced file into O(destination).
      - C(tapedev) uses the manual's single C(TAPEDEV) file (§6.3.2.2) and moves the archive into its own
        file in O(destination) immediately after success, leaving an empty C(TAPEDEV) file for the next run.
      - Applies to O(tool=ontape) only, where it defaults to C(stdio).
    type: str
    choices: [stdio, directory, tapedev]
  verify:
    description:
      - Require C(onstat -g arc) to show the new archive before the backup is marked complete and verified;
        with O(tool=onbar) also C(onbar -v).
      - An ontape archive is always read back completely to record its size and SHA-256.
    type: bool
    default: true
  timeout:
    description:
      - Seconds the archive (C(ontape) or C(onbar)) may run before the backup is abandoned; at most 2592000
        (30 days).
    type: int
    default: 21600
"""

    # Manifest signing: informix_backup and informix_restore (not informix_backup_schedule: the key never reaches
    # the host, so its runs are signed when a later backup or restore adopts them).
    MANIFEST_SIGNING = r"""
options:
  manifest_key:
    description:
      - The secret that signs each manifest this task writes (an HMAC-SHA256 over its content) and verifies the
        manifests it reads. Keep it in the vault; it stays on the controller and never reaches the host or the
        share. At least 16 characters.
      - When not given, the inventory variable C(oscc_manifest_key) is used, so one vaulted variable signs every
        backup, adopted scheduled run and safety backup of the estate.
      - A manifest whose signature does not verify with this key or one of O(manifest_previous_keys) is skipped
        with a reason, never restored, counted or deleted (docs/backup.md, Manifest signing).
    type: str
  manifest_previous_keys:
    description:
      - Keys that signed earlier manifests, for a key rotation; manifests signed with them still verify, new ones
        are signed with O(manifest_key).
      - When not given, the inventory variable C(oscc_manifest_previous_keys).
    type: list
    elements: str
  accept_unsigned_manifests:
    description:
      - Accept manifests that carry no signature (written before a key existed) as the server's own, so that
        one can be restored by naming it (O(oscc.admin.informix_restore#module:manifest=<path>.json)). Each one is
        listed in RV(unsigned_manifests) and warned about. An unsigned manifest is never taken by
        O(oscc.admin.informix_restore#module:manifest=latest), never a new backup's parent (nor the parent of a
        signed one), and retention never counts or deletes it (a forger can leave a signature out, and whoever can
        write a forgery can delete the signed chain too).
      - Without any key, M(oscc.admin.informix_restore) refuses to choose a chain unless this is C(true).
    type: bool
    default: false
"""

    # Taking over a killed run's lock: informix_backup and informix_restore (docs/backup.md, A killed run).
    TAKE_OVER = r"""
options:
  take_over:
    description:
      - Take over the server's lock a killed restore or backup left (its controller, or the controller's worker,
        killed mid-run), from this or another controller, without waiting for its lease (O(timeout) plus 900 s,
        six times O(timeout) plus 900 s for a restore).
      - The probe reads whether the batch that holds the lock still runs on the host and which C(ontape) and
        C(onbar) processes run there (every one on the host counts, whichever server it archives). While any
        does, or when either cannot be read, the task is refused naming what runs, and nothing is touched.
      - Otherwise the lock is broken with its own token, and this run goes on as usual. RV(take_over) says what
        was found and done. A live run between two of its batches still holds its lock live while each batch
        runs, and its lease renews with each; take it over only when that run is known to be dead.
      - Without it, a lock held by another controller, or by a live run, refuses the task, and the message says
        whether its batch still runs on the host. See docs/backup.md, A killed run, for recovering by hand.
    type: bool
    default: false
"""
