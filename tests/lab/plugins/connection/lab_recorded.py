# Lab test equipment: the local connection, recording every remote round trip of every host.
from __future__ import annotations

import json
import os
import time

from ansible.plugins.connection.local import Connection as LocalConnection

DOCUMENTATION = """
name: lab_recorded
short_description: local connection that records each command it runs (lab only)
description:
  - Runs like ansible.builtin.local and appends one line per exec_command to
    $OSCC_LAB_CALL_LOG/<inventory host>.log, so tests and benchmarks count remote operations.
author: oscc.admin maintainers (@oscc-admin)
extends_documentation_fragment:
  - connection_pipelining
options:
  host:
    description: the inventory host name
    vars:
      - name: inventory_hostname
"""


class Connection(LocalConnection):
    transport = "lab_recorded"

    def exec_command(self, cmd, in_data=None, sudoable=True):
        log_dir = os.environ.get("OSCC_LAB_CALL_LOG")
        if log_dir:
            with open(os.path.join(log_dir, f"{self.get_option('host')}.log"), "a") as handle:
                handle.write(json.dumps({"time": time.time(), "command": cmd[:200]}) + "\n")
        return super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
