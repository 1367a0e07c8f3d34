"""Free ports for the lab's peers, and ending a peer a CLI started (test equipment)."""
import json
import os
import signal
import socket


def free_port(udp=False):
    """A port free for TCP on every local address, and for UDP too when asked (a Lantronix query port is both)."""
    while True:
        with socket.socket() as probe:
            probe.bind(("0.0.0.0", 0))
            port = probe.getsockname()[1]
            if not udp:
                return port
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as datagram:
                    datagram.bind(("0.0.0.0", port))
                return port
            except OSError:
                continue


def end_recorded(record, process_group=False):
    """Stop the peer whose pid a `start` command wrote into the JSON file `record`, and remove the record."""
    if not os.path.exists(record):
        return
    with open(record) as handle:
        pid = json.load(handle)["pid"]
    try:
        (os.killpg if process_group else os.kill)(pid, signal.SIGTERM)
    except OSError:
        pass
    os.remove(record)
