# Lab test equipment: the local connection, recording every remote round trip of every host.
from __future__ import annotations

import json
import os
import time

from ansible.plugins.connection.local import Connection as LocalConnection

DOCUMENTATION = """
name: lab_recorded
short_description: local connection for the lab's simulated hosts (lab only)
description:
  - Runs like ansible.builtin.local. Appends one line per exec_command to
    $OSCC_LAB_CALL_LOG/<inventory host>.log when that variable is set, so benchmarks count remote
    operations, and tells the Windows stand-in modules which simulated host they run on.
author: oscc.admin maintainers (@oscc-admin)
extends_documentation_fragment:
  - connection_pipelining
options:
  host:
    description: the inventory host name
    vars:
      - name: inventory_hostname
  lab_host_dir:
    description: the simulated host's directory in the lab
    default: ''
    vars:
      - name: oscc_lab_host_dir
  lab_one_process:
    description:
      - Run every executor batch of a simulated Windows host in one long-lived process of that host, as PSRP runs
        every module of a task in one wsmprovhost.exe (tests/lab/one_process_host.py).
    type: bool
    default: false
    vars:
      - name: oscc_lab_one_process
"""

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


class Connection(LocalConnection):
    transport = "lab_recorded"

    def exec_command(self, cmd, in_data=None, sudoable=True):
        log_dir = os.environ.get("OSCC_LAB_CALL_LOG")
        if log_dir:
            with open(os.path.join(log_dir, f"{self.get_option('host')}.log"), "a") as handle:
                handle.write(json.dumps({"time": time.time(), "command": cmd[:200]}) + "\n")
        # This worker runs one task on one host: its environment is that host's.
        os.environ["OSCC_LAB_HOST_DIR"] = self.get_option("lab_host_dir") or ""
        os.environ["OSCC_LAB_ONE_PROCESS"] = "1" if self.get_option("lab_one_process") else ""
        os.environ["OSCC_LAB_REPO"] = REPO
        return super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
