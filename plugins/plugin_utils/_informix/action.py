# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# What the Informix action plugins share: the probe and the server's lock (their common options are the doc
# fragment oscc.admin.informix).
from __future__ import annotations

import os
import socket
import uuid

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._host.action import OsccAction
from ansible_collections.oscc.admin.plugins.plugin_utils._host.target import RemoteFailure
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import archives as arc
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import host as informix_host
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import parse as ifx


class InformixAction(OsccAction):
    FAILURES = (arc.ChainError,)
    COMMON_PATHS = ("informixdir",)

    @staticmethod
    def location(args):
        return {k: args.get(k) for k in ("informixdir", "informixserver", "onconfig")}

    def probe(self, target, args, destination=None):
        probe = informix_host.probe(target, args, destination)
        probe["onconfig_values"] = ifx.parse_onconfig(probe["onconfig_text"])
        probe["server_mode"] = ifx.server_mode(probe["onstat_rc"])
        probe["archives_by_level"] = ifx.last_archives(ifx.parse_onstat_arc(probe.get("onstat_arc", "")))
        probe["informix_version"] = (ifx.parse_onstat_header(probe.get("onstat", "")) or {}).get("version")
        probe["chunk_locations"] = arc.chunk_locations(target.path, probe["onconfig_values"],
                                                       ifx.parse_onstat_chunks(probe.get("onstat_d", "")))
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
    """The token of a lock to break: one a run of this controller left when its process died. The host breaks
    it only once the host process that took it has ended too (an archive may still be running); every other
    case it judges itself when the lock is taken (an unreadable lock, a lease run out, a dead process)."""
    if not lock:
        return None
    orphan = lock.get("controller") == socket.gethostname() and lock.get("controller_pid") and \
        not _controller_pid_alive(lock["controller_pid"])
    return (lock.get("token") or "") if orphan else None


def lock_warning(lock: dict | None) -> list[str]:
    """Check mode takes no lock: say whose lock the host holds, if any (it may be stale)."""
    if not lock or lock_to_break(lock) is not None:
        return []
    if lock.get("unreadable"):
        return [f"the server's lock {lock['path']} is unreadable; the next run breaks it"]
    return [f"the server's lock {lock['path']} is held by a {lock.get('operation') or 'backup'} "
            f"({informix_host.holder_text(lock)}); a real run waits for nothing and is refused unless that run is gone"]


class ServerLock:
    """The server's lock held by this controller across the round trips of a backup or restore: a lease the
    host ends by itself after `ttl` seconds, should this controller die."""

    def __init__(self, target, informix, operation, ttl):
        self.target, self.informix, self.operation, self.ttl = target, informix, operation, ttl
        self.token = uuid.uuid4().hex

    def op(self, break_token=None, renew=True) -> dict:
        """The lock renewed: a batch that starts with it runs only while it is still this run's. With renew
        false, the first taking, breaking the lock a dead run of this controller left (break_token)."""
        return informix_host.lock_op(self.informix, self.operation, self.token, self.ttl,
                                     self.token if break_token is None else break_token, renew=renew)

    def take(self, break_token=None):
        taken = self.target.batch([self.op(break_token, renew=False)], check=False)["results"][0]
        if not taken.get("ok"):
            raise RemoteFailure(f"the server's lock could not be taken: {taken.get('error')}", taken)
        if not taken["acquired"]:
            raise informix_host.lock_refused(taken, self.informix.lock_path)
        return self

    def release_op(self) -> dict:
        return informix_host.unlock_op(self.informix, self.token)

    def release(self):
        self.target.batch([self.release_op()], check=False)
