# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# HOST: who this controller is, for the records it leaves on hosts (the server's lock): a random id kept in the
# user's Ansible directory, since a host name and a pid are shared by cloned jump hosts (docs/backup.md, A killed run).
from __future__ import annotations

import os
import re
import socket
import uuid

from ansible.errors import AnsibleActionFail

ID_FILE = "oscc-controller-id"
_ID = re.compile(r"^[0-9a-f]{32}$")


class ControllerIdError(AnsibleActionFail):
    """The id file exists but holds no id: never guessed over, since a new id disowns this controller's locks."""


def ansible_home() -> str:
    """The user's Ansible directory (ANSIBLE_HOME, by default ~/.ansible)."""
    try:
        from ansible import constants
        home = getattr(constants, "ANSIBLE_HOME", None)
    except ImportError:  # used outside ansible (the lab's helpers): its default
        home = None
    return os.path.expanduser(home or "~/.ansible")


def controller_id(directory: str | None = None) -> str:
    """This controller's id, made on first use: written whole to a private file, then linked to its name, so the
    name never shows a half-written id and, of two runs making it at once, the first link wins and both read it."""
    directory = directory or ansible_home()
    path = os.path.join(directory, ID_FILE)
    if not os.path.exists(path):
        os.makedirs(directory, mode=0o700, exist_ok=True)
        draft = f"{path}.{os.getpid()}.{uuid.uuid4().hex}"
        handle = os.open(draft, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            with os.fdopen(handle, "w") as written:
                written.write(uuid.uuid4().hex + "\n")
                written.flush()
                os.fsync(written.fileno())
            try:
                os.link(draft, path)
            except FileExistsError:  # another run made it first: its id counts
                pass
        finally:
            os.remove(draft)
    with open(path, encoding="ascii", errors="replace") as handle:
        found = handle.read().strip()
    if not _ID.match(found):
        raise ControllerIdError(f"{path} does not hold a controller id (32 hex digits); remove it and a new one is "
                                "made, after which locks left by this controller's earlier runs need take_over")
    return found


def identity(directory: str | None = None) -> dict:
    """What a record says of the controller that wrote it: its id, with the host name and pid for people to read."""
    return {"controller": socket.gethostname(), "controller_id": controller_id(directory),
            "controller_pid": os.getpid()}
