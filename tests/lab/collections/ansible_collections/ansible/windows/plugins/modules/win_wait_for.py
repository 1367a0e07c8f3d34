#!/usr/bin/python
# Lab stand-in for ansible.windows.win_wait_for (test equipment): waits for a TCP port from this
# machine, which is where every simulated Windows server of the lab lives.
from __future__ import annotations

import socket
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ansible.windows.plugins.module_utils.lab_host import State, given, real_spec


def main():
    module = AnsibleModule(argument_spec=real_spec("win_wait_for"), supports_check_mode=True)
    params = module.params
    state = State()
    state.record("win_wait_for", given(params))
    state.save()
    if params.get("port") is None or (params.get("state") or "started") != "started":
        module.fail_json(msg="lab stand-in: win_wait_for waits for a port to answer (state=started) only")
    host, port = params.get("host") or "127.0.0.1", int(params["port"])
    timeout, sleep = int(params.get("timeout") or 300), float(params.get("sleep") or 1)
    start, attempts = time.time(), 0
    while True:
        attempts += 1
        try:
            with socket.create_connection((host, port), timeout=int(params.get("connect_timeout") or 5)):
                module.exit_json(changed=False, elapsed=round(time.time() - start, 2), wait_attempts=attempts)
        except OSError:
            if time.time() - start >= timeout:
                module.fail_json(msg=f"timeout while waiting for {host}:{port} to start listening",
                                 elapsed=round(time.time() - start, 2), wait_attempts=attempts)
            time.sleep(sleep)


if __name__ == "__main__":
    main()
