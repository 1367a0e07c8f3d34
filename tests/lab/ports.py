"""Free ports for the lab's peers (test equipment)."""
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
