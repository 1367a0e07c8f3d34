# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# What the Informix action plugins share: the common options, the probe and the server's lock.
from __future__ import annotations

import os
import socket
import uuid

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils import _archives as arc
from ansible_collections.oscc.admin.plugins.plugin_utils import _informix as ifx
from ansible_collections.oscc.admin.plugins.plugin_utils._action import OsccAction

OSCC_SERVICES = ["OpenScape Contact Center", "OpenScape Contact Center AutoPA"]

COMMON_SPEC = {
    "informixdir": {"type": "str"},
    "informixserver": {"type": "str"},
    "onconfig": {"type": "str"},
    "services": {"type": "list", "elements": "str", "default": OSCC_SERVICES},
}
# Rules the remote procedures apply, defined once here (reference/informix.md §5, §7, §8).
REMOTE_RULES = {
    "success_text": "Program over.",
    "failure_pattern": ifx._FAILURE.pattern,
    "arc_row_pattern": ifx.host_pattern(ifx._ARC_ROW.pattern)[0],
    "arc_row_groups": ifx.host_pattern(ifx._ARC_ROW.pattern)[1],
    "chunk_row_pattern": ifx.host_pattern(ifx._CHUNK_ROW.pattern)[0],  # group 1: the chunk's path
    "onbar_codes": ifx.ONBAR_RETURN_CODES,
    # The OSCC server software's entries among the host's installed programs (docs/backup.md, patch level).
    "oscc_product_pattern": "OpenScape Contact Center*",
}


class InformixAction(OsccAction):
    COMMON = COMMON_SPEC
    COMMON_PATHS = ("informixdir",)

    @staticmethod
    def location(args):
        return {k: args.get(k) for k in ("informixdir", "informixserver", "onconfig")}

    def probe(self, target, args, **extra):
        probe = target.procedure("probe", {**self.location(args), **REMOTE_RULES, **extra}, read_only=True)
        probe["onconfig_values"] = ifx.parse_onconfig(probe["onconfig_text"])
        probe["server_mode"] = ifx.server_mode(probe["onstat_rc"])
        probe["archives_by_level"] = ifx.last_archives(ifx.parse_onstat_arc(probe.get("onstat_arc", "")))
        probe["informix_version"] = (ifx.parse_onstat_header(probe.get("onstat", "")) or {}).get("version")
        probe["chunk_locations"] = arc.chunk_locations(target.path, probe["onconfig_values"],
                                                       ifx.parse_onstat_chunks(probe.get("onstat_d", "")))
        destination = extra.get("destination")
        if destination and probe.get("destination_is_file"):
            raise AnsibleActionFail(f"destination {destination} is a file, not a directory")
        if destination:
            probe["own"], probe["skipped"], probe["others"] = arc.own_manifests(
                probe.get("manifests", []), probe["environment"]["INFORMIXSERVER"], target.path, destination,
                probe.get("destination_resolved"), probe["chunk_locations"])
        return probe


# ---------------------------------------------------------------- one backup or restore per server
def _controller_pid_alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError, OverflowError):
        return True
    return True


def lock_to_break(lock: dict | None) -> str | None:
    """Refuse while another backup or restore holds the server's lock; the token of a stale lock to break.

    The host knows when a backup's process is gone or a restore's lease ran out; a restore started
    from this controller whose process is gone is recognised here."""
    if not lock:
        return None
    orphan = lock.get("controller") == socket.gethostname() and lock.get("controller_pid") and \
        not _controller_pid_alive(lock["controller_pid"])
    if lock.get("stale") or orphan or lock.get("unreadable"):  # the host breaks an unreadable one under its guard
        return lock.get("token") or ""
    if lock.get("controller"):
        holder = f"from controller {lock['controller']}, pid {lock.get('controller_pid')}, since {lock.get('started')}"
    else:
        holder = f"pid {lock.get('pid')} on {lock.get('host')}, since {lock.get('started')}"
    raise AnsibleActionFail(f"another {lock.get('operation') or 'backup'} is running on this server ({holder}); "
                            f"lock {lock.get('path')}")


class ServerLock:
    """The server's lock held by this controller across the round trips of a restore (a lease the host ends
    by itself after `ttl` seconds, should this controller die)."""

    def __init__(self, action, target, args, operation, ttl, break_token=None):
        self.target, self.params = target, {**action.location(args), "token": uuid.uuid4().hex}
        target.procedure("lock", {**self.params, "action": "acquire", "operation": operation, "ttl": ttl,
                                  "controller": socket.gethostname(), "controller_pid": os.getpid(),
                                  "break_token": break_token})
        self.token = self.params["token"]

    def release(self):
        self.target.procedure("lock", {**self.params, "action": "release"})
