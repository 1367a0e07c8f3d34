"""The Lantronix emulator against the bytes and strings of docs/vendor-facts.md, Lantronix device servers."""
import random
import socket
import struct

import lantronix
import pytest

ADDRESS = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.91"


@pytest.fixture
def fleet():
    # an address of its own: parallel workers run fleets at the same time
    started = lantronix.Fleet([lantronix.Unit(ADDRESS, "00204AAD6470", local_port=10001)]).start()
    yield started
    started.stop()


def test_udp_replies_come_from_the_query_port_with_the_documented_layout(fleet):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(2)
        sock.sendto(b"\x00\x00\x00\xf6", (ADDRESS, fleet.query_port))
        reply, sender = sock.recvfrom(2048)
        assert sender == (ADDRESS, fleet.query_port)
        assert len(reply) == 30 and reply[:4] == b"\x00\x00\x00\xf7" and reply[24:30].hex() == "00204aad6470"
        sock.sendto(b"\x00\x00\x00\xf8", (ADDRESS, fleet.query_port))
        record = sock.recvfrom(2048)[0]
        assert len(record) == 124 and record[:4] == b"\x00\x00\x00\xf9"
        assert socket.inet_ntoa(record[4:8]) == ADDRESS and struct.unpack_from("<H", record, 4 + 0x14)[0] == 10001
        assert record[4 + 0x11] == 0x02  # baud code 9600
        sock.sendto(b"\x00\x00\x00\xf8" + b"\x00" * 200, (ADDRESS, fleet.query_port))  # over-long: no answer
        with pytest.raises(socket.timeout):
            sock.settimeout(0.5)
            sock.recvfrom(2048)


def test_the_same_protocol_answers_over_tcp(fleet):
    with socket.create_connection((ADDRESS, fleet.query_port), timeout=2) as conn:
        conn.sendall(b"\x00\x00\x00\xf4")
        reply = conn.recv(64)
    assert reply[:4] == b"\x00\x00\x00\xf5" and len(reply) == 33 and reply[16:].split(b"\x00")[0] == b"6.5.0.7"


def test_the_setup_port_negotiates_then_shows_the_banner_with_its_line_ends(fleet):
    with socket.create_connection((ADDRESS, fleet.setup_port), timeout=2) as conn:
        data = b""
        while b"Press Enter for Setup Mode " not in data:
            data += conn.recv(256)
        assert data.startswith(b"\xff\xfb\x01\xff\xfb\x03")
        assert b"MAC address 00204AAD6470\r\x00\n" in data
        conn.sendall(b"\r\n")
        while b"Your choice ? " not in data:
            data += conn.recv(1024)
        assert b"Port 10001\r\x00\n" in data and b"  9 Save and exit            Your choice ? " in data
        conn.sendall(b"8\r")
        while b"exiting without save" not in data:
            data += conn.recv(256)
    assert fleet.units[ADDRESS].saves == 0


def test_older_uds100_firmware_greets_with_its_own_invitation_and_longer_labels():
    unit = lantronix.Unit(ADDRESS.rsplit(".", 1)[0] + ".92", "00204A000092", style="uds100")
    started = lantronix.Fleet([unit]).start()
    try:
        with socket.create_connection((unit.ip, started.setup_port), timeout=2) as conn:
            data = b""
            while b"Setup Mode" not in data:
                data += conn.recv(256)
            assert b"Software version V5.8.0.1 (041112) UDS100\r\x00\nPress Enter to go into Setup Mode" in data
            assert b"Press Enter for Setup Mode" not in data
            conn.sendall(b"\r")
            while b"Your choice ? " not in data:
                data += conn.recv(1024)
            assert b"  0 Server configuration\r\x00\n  1 Channel 1 configuration\r\x00\n" in data
            conn.sendall(b"8\r")
    finally:
        started.stop()
    assert unit.saves == 0


def test_a_unit_can_greet_with_anything_else():
    unit = lantronix.Unit(ADDRESS.rsplit(".", 1)[0] + ".93", "00204A000093", greeting="SSH-2.0-OpenSSH_9.2p1\n")
    started = lantronix.Fleet([unit]).start()
    try:
        with socket.create_connection((unit.ip, started.setup_port), timeout=2) as conn:
            data = b""
            while not data.endswith(b"\r\x00\n"):
                data += conn.recv(256)
    finally:
        started.stop()
    assert data == b"\xff\xfb\x01\xff\xfb\x03SSH-2.0-OpenSSH_9.2p1\r\x00\n"
