# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation for the executor_selftest action plugin (plugins/action/executor_selftest.py).
from __future__ import annotations

DOCUMENTATION = r"""
module: executor_selftest
short_description: Prove the collection's host executor on a host before anything depends on it
version_added: 0.1.0
description:
  - Runs every operation of the host executor (docs/windows.md) once with known inputs and compares each result with
    what the executor contract promises; returns one row per check and fails when any row is not ok.
  - Works in a scratch folder C(oscc-selftest-<random>) under the host's temporary folder (C(TEMP) on Windows,
    C(TMPDIR) or C(/tmp) on POSIX hosts) and removes it afterwards; it changes nothing outside that folder, so it is
    safe on a production server. It removes only the files it wrote, and the folders only when they are empty.
  - The checks - a native program whose arguments hold C(&), C(%TEMP%), C($HOME), quotes, runs of blanks and
    characters outside ASCII (OEM code page); on Windows the executor itself, written to the scratch folder and run
    as C(powershell.exe -File executor.ps1 -Batch <json>) on one JSON argument holding them, writes a text of them
    that is compared (docs/windows.md), on POSIX a C(sh) script echoes them; stdin; a program's output into a hashed
    file; a timeout that must end a child process holding the output; a prompted program (a small C(cmd.exe) or
    C(sh) script the batch writes); atomic write, read (latin-1 and utf-8), list,
    stat, hash, copy, move, remove, unzip (an archive it writes with known entries); a lock taken, renewed by the
    same run in a later round trip and refused to another run; a cmdlet (C(Get-Item)) with selected properties
    (Windows only; not applicable on POSIX hosts); check mode (a read answered and a write refused under what-if).
  - Round trips in docs/windows.md. In check mode only the probe and the check-mode batch run (nothing is written).
extends_documentation_fragment:
  - oscc.admin.action
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
options:
  timeout:
    description: Seconds each program of the selftest may run (the timeout check itself uses 2 seconds).
    type: int
    default: 60
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
author:
  - oscc.admin maintainers (@oscc-admin)
"""

EXAMPLES = r"""
- name: Prove the host executor on a new server
  oscc.admin.executor_selftest:
  register: selftest

- name: Show the table
  ansible.builtin.debug:
    var: selftest.table
"""

RETURN = r"""
rows:
  description: One row per check, in order.
  returned: always
  type: list
  elements: dict
  contains:
    operation:
      description: The executor operation and what is checked.
      type: str
      sample: "run: argv with & %TEMP% $HOME quotes blanks, OEM code page"
    expected:
      description: What the executor contract promises, as one line.
      type: str
    got:
      description: What the host answered, as one line.
      type: str
    ok:
      description: Whether the answer is the one expected.
      type: bool
  sample:
    - {"operation": "hash", "expected": "{\"sha256\": \"9b1...\", \"size\": 24}", "got": "{\"sha256\": \"9b1...\",
      \"size\": 24}", "ok": true}
table:
  description: The rows as lines a terminal shows, headed by the host's computer name.
  returned: always
  type: list
  elements: str
  sample: ["OSCC1: 31 of 31 rows ok", "ok   hash  expected {\"sha256\": \"9b1...\", \"size\": 24}"]
scratch:
  description: The scratch folder the selftest worked in (removed afterwards).
  returned: always
  type: str
  sample: C:\Windows\TEMP\oscc-selftest-5f2a9c1d8e7b
platform:
  description: The host's platform as the collection drives it.
  returned: always
  type: str
  sample: windows
remote_operations:
  description: Round trips to the host.
  returned: always
  type: int
  sample: 4
"""
