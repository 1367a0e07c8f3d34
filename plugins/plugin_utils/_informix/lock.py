# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# HOST: the server's lock, one backup or restore per Informix server: the lock's requests, the
# round trips that take and release it, and what the controller judges of a lock it found.
from __future__ import annotations

import socket
import uuid

from ansible.errors import AnsibleActionFail

from ansible_collections.oscc.admin.plugins.plugin_utils._host import controller
from ansible_collections.oscc.admin.plugins.plugin_utils._host.executor_posix import pid_runs
from ansible_collections.oscc.admin.plugins.plugin_utils._host.target import RemoteFailure
from ansible_collections.oscc.admin.plugins.plugin_utils._informix import takeover


def holder_text(lock: dict) -> str:
    if lock.get("controller"):
        # the id tells apart controllers that share a host name (cloned jump hosts)
        named = f" (id {str(lock['controller_id'])[:8]})" if lock.get("controller_id") else ""
        return f"from controller {lock['controller']}{named}, pid {lock.get('controller_pid')}, " \
            f"since {lock.get('started')}"
    # Under PSRP many runs share one process: the runspace says which (executor.ps1 records it).
    runspace = f" (runspace {lock['runspace']})" if lock.get("runspace") else ""
    return f"pid {lock.get('pid')}{runspace} on {lock.get('host')}, since {lock.get('started')}"


def lock_op(informix, operation: str, token: str, ttl: int, break_token: str | None = None,
            renew: bool = False) -> dict:
    """The server's lock as a lease of ttl seconds, held by this controller across its round trips; the host
    ends it should this controller die. With renew (break_token its own token) it is renewed, and refused when
    it is not this run's any more."""
    op = {"op": "lock", "path": informix.lock_path, "ttl": ttl,
          "record": {"operation": operation, "token": token, **controller.identity()}}
    if break_token is not None:
        op["break_token"] = break_token
    if renew:
        op["renew"] = True
    return op


def unlock_op(informix, token: str) -> dict:
    return {"op": "unlock", "path": informix.lock_path, "token": token}


def lock_refused(result: dict, path: str, taking_over: bool = False) -> AnsibleActionFail:
    """The lock op's refusal; its live says whether the holder's batch still runs on the host (issue 19).
    taking_over: this run came with take_over and found another lock than the one its probe saw."""
    holder = result.get("holder") or {}
    why = ""
    if result.get("live") is True:
        why = "; its batch is still running on the host"
    elif taking_over:
        why = "; it is not the lock this run's probe found: another run took the server since"
    elif result.get("live") is False and _own_run_alive(holder):
        why = f"; no batch of it is running on the host, but its worker (pid {holder['controller_pid']}) still runs " \
              "here, between two round trips: wait for it"
    elif result.get("live") is False:
        why = ("; no batch of it is running on the host, as between two round trips of a live run: if that run was "
               "killed, take_over: true takes the server over once no ontape or onbar runs there (docs/backup.md, "
               "A killed run)")
    return AnsibleActionFail(f"another {holder.get('operation') or 'backup'} is running on this server "
                             f"({holder_text(holder)}){why}; lock {path}")


def is_this_controllers(lock: dict) -> bool:
    """Written by this controller: its id and host name. A record without an id (an earlier version of the
    collection) is never taken for this controller's: a clone with the same host name may have written it."""
    return bool(lock.get("controller_id")) and lock.get("controller") == socket.gethostname() and \
        lock["controller_id"] == controller.controller_id()


def _own_run_alive(holder: dict) -> bool:
    """The holder is a run of this controller whose worker still runs: alive, whatever the host shows."""
    return bool(holder.get("controller_pid")) and is_this_controllers(holder) and pid_runs(holder["controller_pid"])


def dead_run(lock: dict | None) -> bool:
    """The lock was left by a run of this controller whose worker is gone (the host still judges its batch)."""
    return bool(lock) and bool(lock.get("controller_pid")) and is_this_controllers(lock) and \
        not pid_runs(lock["controller_pid"])


def lock_to_break(lock: dict | None) -> str | None:
    """The token of a lock to break: one a run of this controller left when its process died. The host breaks
    it only once the batch that took it has ended too (an archive may still be running); every other case it
    judges itself when the lock is taken (an unreadable lock, a lease run out, a lock no batch runs with)."""
    return (lock.get("token") or "") if dead_run(lock) else None


def broke_lock(lock: dict | None, taken_over: dict | None) -> tuple[dict, list[str]]:
    """What a run that took the server's lock says of the lock it broke: ({"broke_lock": ...}, [warning]), or
    ({}, []) when it broke none. Called once the lock was taken: the host refuses a lock whose batch runs."""
    if taken_over and taken_over.get("took_over"):
        return {}, [f"took over the lock of the {lock.get('operation') or 'run'} {holder_text(lock)} (take_over: "
                    "nothing of it ran on the host)"]
    if taken_over or not dead_run(lock):
        return {}, []
    found = {"holder": takeover.holder(lock), "controller_pid_running": False, "live": False,
             "why": "a run of this controller whose worker is gone, and whose batch no longer held the lock"}
    return {"broke_lock": found}, [f"broke the lock of dead run pid {lock['controller_pid']} of this controller "
                                   f"(started {lock.get('started')}, {lock.get('operation') or 'run'})"]


def lock_warning(lock: dict | None) -> list[str]:
    """Check mode takes no lock: say whose lock the host holds, if any (it may be stale)."""
    if not lock:
        return []
    if dead_run(lock):
        return [f"the server's lock {lock['path']} was left by dead run pid {lock['controller_pid']} of this "
                f"controller (started {lock.get('started')}); a real run breaks it once its batch has ended"]
    if lock.get("unreadable"):
        return [f"the server's lock {lock['path']} is unreadable; the next run breaks it"]
    return [f"the server's lock {lock['path']} is held by a {lock.get('operation') or 'backup'} "
            f"({holder_text(lock)}); a real run waits for nothing and is refused unless that run is gone"]


def service_states(target, services: list) -> dict:
    """Each service's state as its platform's service module reads it (no state given: nothing changes)."""
    states = {}
    try:
        if target.platform == "windows":
            for name in services:
                found = target.module("ansible.windows.win_service", {"name": name})
                states[name] = found.get("state") if found.get("exists", True) else "absent"
            return states
        facts = target.module("ansible.builtin.service_facts", {}).get("ansible_facts", {}).get("services", {})
        return {n: (facts.get(n) or facts.get(n + ".service") or {}).get("state", "unknown") for n in services}
    except RemoteFailure:  # the take-over does not depend on it: say unknown
        return {**{n: "unknown" for n in services}, **states}


def take_over(target, probe, services: list) -> tuple[str | None, dict]:
    """Option take_over: the token that breaks the lock a killed run left, and what the host showed of that run;
    refused while anything of it is alive (its batch holds the lock live, an archive program runs) or cannot be
    ruled out. The executor still refuses a live lock whatever token it is given."""
    lock = probe.lock
    still = takeover.alive(lock, probe.lock_live, probe.archive_programs, probe.archive_listing_error)
    if still:
        raise AnsibleActionFail(takeover.refusal(lock, still, probe.lock_path))
    states = service_states(target, services) if lock else {}
    found = takeover.found_report(lock, probe.lock_live, probe.archive_programs, probe.server_mode, states)
    found["took_over"] = bool(lock)  # no lock: nothing to take over, the run takes it as usual
    return ((lock.get("token") or "") if lock else None), found


class ServerLock:
    """The server's lock held by this controller across the round trips of a backup or restore: a lease the
    host ends by itself after `ttl` seconds, should this controller die."""

    def __init__(self, target, informix, operation, ttl):
        self.target, self.informix, self.operation, self.ttl = target, informix, operation, ttl
        self.token = uuid.uuid4().hex

    def op(self, break_token=None, renew=True) -> dict:
        """The lock renewed: a batch that starts with it runs only while it is still this run's. With renew
        false, the first taking, breaking the lock a dead run of this controller left (break_token)."""
        token = self.token if break_token is None else break_token
        return lock_op(self.informix, self.operation, self.token, self.ttl, token, renew=renew)

    def take(self, break_token=None, taking_over=False):
        taken = self.target.one(self.op(break_token, renew=False), check=False)
        if not taken.get("ok"):
            raise RemoteFailure(f"the server's lock could not be taken: {taken.get('error')}", taken)
        if not taken["acquired"]:
            raise lock_refused(taken, self.informix.lock_path, taking_over)
        return self

    def release_op(self) -> dict:
        return unlock_op(self.informix, self.token)

    def release(self):
        self.target.batch([self.release_op()], check=False)
