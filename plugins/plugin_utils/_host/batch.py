# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: The one way to build an executor batch and read what it answered: each operation is added under a name, the
# batch runs through Target.batch(batch.ops, batch.cleanup, ...), and its results are read back by those names.
# A name is a string, or a (step, item) tuple for a step repeated over items ("delete", "x.arc"). No I/O.
from __future__ import annotations

from collections.abc import Hashable
from typing import NamedTuple


def step_of(name: Hashable) -> Hashable:
    """A name without its item: 'delete' for ('delete', 'x.arc'), the name itself otherwise."""
    return name[0] if isinstance(name, tuple) else name


class Failed(NamedTuple):
    """The operation a batch stopped at (it failed, or a lock it could not take halted the batch)."""

    name: Hashable
    op: dict
    result: dict
    index: int

    @property
    def step(self) -> Hashable:
        return step_of(self.name)

    @property
    def error(self) -> str:
        """The host's error in one line."""
        return " ".join(str(self.result.get("error") or "no message").split())

    def line(self, describe=None) -> str:
        """'<what> failed: <error>'; `describe` names the operation, else its cmdlet or kind."""
        what = describe(self.op) if describe else self.op.get("name") or self.op.get("op")
        return f"{what} failed: {self.error}"


class Batch:
    """Executor operations collected by name (and cleanup operations, which run whatever failed)."""

    def __init__(self):
        self.ops, self.names, self.cleanup, self.cleanup_names = [], [], [], []

    def _refuse_taken(self, name) -> None:
        # Two operations under one name would leave one result unread.
        if name in self.names or name in self.cleanup_names:
            raise ValueError(f"internal error: two operations of one batch are named {name!r}")

    @classmethod
    def numbered(cls, ops: list, step: str) -> Batch:
        """A plan's operations in its order, each named (step, n)."""
        batch = cls()
        for number, op in enumerate(ops):
            batch.add((step, number), op)
        return batch

    def add(self, name: Hashable, op: dict) -> Batch:
        self._refuse_taken(name)
        self.ops.append(op)
        self.names.append(name)
        return self

    def add_cleanup(self, name: Hashable, op: dict) -> Batch:
        self._refuse_taken(name)
        self.cleanup.append(op)
        self.cleanup_names.append(name)
        return self

    def index(self, name: Hashable) -> int:
        """Where an operation stands in the batch: a failure past it had it run."""
        return self.names.index(name)

    def ran(self, done: dict) -> list:
        """The names of the operations that ran, in order (up to a failure; cleanup apart)."""
        return self.names[: len(done.get("results") or [])]

    def results(self, done: dict) -> dict:
        """name -> result of each operation that ran: those up to a failure, and every cleanup operation."""
        found = dict(zip(self.names, done.get("results") or []))
        found.update(zip(self.cleanup_names, done.get("cleanup") or []))
        return found

    def failed(self, done: dict) -> Failed | None:
        """The operation the batch stopped at, or None when every operation ran."""
        index = done.get("failed_at")
        if index is None:
            return None
        return Failed(self.names[index], self.ops[index], done["results"][index], index)
