# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# Lantronix device servers (CoBos / standard tunneling firmware): the 77FEh queries, read only,
# and the telnet setup menu driven by its prompts. Reads only 4-byte frames F4, F6, F8: the
# writing frames are not safe on 6.x firmware.
from __future__ import annotations

import re
import select
import socket
import struct
import time

QUERY_PORT = 30718
SETUP_PORT = 9999
RESERVED_PORTS = (SETUP_PORT, QUERY_PORT)
BAUD_CODES = {38400: 0, 19200: 1, 9600: 2, 4800: 3, 2400: 4, 1200: 5, 600: 6, 300: 7, 115200: 8, 57600: 9,
              230400: 0x0A, 460800: 0x0B, 921600: 0x0C}
FLOW = {0x00: "none", 0x01: "xon_xoff", 0x02: "rts_cts", 0x05: "xon_xoff_host"}

# The setup password fills bytes 8-11 of setup record 0 (docs/vendor-facts.md, Lantronix).
PASSWORD_LENGTH = 4


class LantronixError(Exception):
    pass


def query(addresses, port=QUERY_PORT, ops=(0xF6, 0xF4, 0xF8), timeout=2.0, broadcast=None):
    """Ask each address (or everyone behind a broadcast address) the given 77FEh questions at once.
    Returns {ip: {op: reply}} for every unit that answered anything."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        if broadcast:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
            targets = [broadcast]
        else:
            targets = list(addresses)
        for target in targets:
            for op in ops:
                sock.sendto(bytes([0, 0, 0, op]), (target, port))
        answers = {}
        wanted = None if broadcast else {(t, op + 1) for t in targets for op in ops}
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or (wanted is not None and not wanted):
                break
            ready, _w, _x = select.select([sock], [], [], left)
            if not ready:
                break
            data, (ip, _port) = sock.recvfrom(2048)
            if len(data) < 4 or data[:3] != b"\x00\x00\x00":
                continue
            answers.setdefault(ip, {})[data[3] - 1] = data
            if wanted is not None:
                wanted.discard((ip, data[3]))
        if broadcast:  # the broadcast found them; now the questions the broadcast did not carry, unicast
            missing = [ip for ip, got in answers.items() if set(ops) - set(got)]
            if missing:
                for ip, got in query(missing, port, ops, timeout).items():
                    answers[ip].update(got)
        return answers
    finally:
        sock.close()


def parse(ip, replies):
    """One unit's facts from its F6 (type, MAC), F4 (version) and F8 (setup record) replies."""
    facts = {"ip": ip, "mac": None, "device_type": None, "firmware": None}
    f6 = replies.get(0xF6)
    if f6 and len(f6) >= 30:
        facts["mac"] = ":".join(f"{b:02x}" for b in f6[24:30])
        facts["device_type"] = "".join(chr(b) for b in f6[8:11] if 32 < b < 127) or None
    f4 = replies.get(0xF4)
    if f4 and len(f4) > 16:
        facts["firmware"] = f4[16:].split(b"\x00", 1)[0].decode("ascii", "replace") or None
    f8 = replies.get(0xF8)
    if f8 and len(f8) >= 124:
        facts.update(record_values(f8[4:124]))
    return facts


def record_values(record):
    """The fields of setup record 0 this collection manages (never the password at 8..11)."""
    bits = record[6]
    rates = {code: rate for rate, code in BAUD_CODES.items()}
    return {"ip": socket.inet_ntoa(record[0:4]), "netmask": netmask_of(bits), "host_bits": bits,
            "gateway": socket.inet_ntoa(record[12:16]), "interface_mode": f"{record[16]:02X}",
            "baud_rate": rates.get(record[17]), "flow_control": FLOW.get(record[18], f"{record[18]:02X}"),
            "local_port": struct.unpack_from("<H", record, 0x14)[0]}


def netmask_of(host_bits):
    """Host bits as the unit stores them to a dotted netmask (0 = the class default, unknown here)."""
    if not host_bits:
        return None
    return socket.inet_ntoa(struct.pack(">I", (0xFFFFFFFF << host_bits) & 0xFFFFFFFF))


def host_bits_of(netmask):
    value = struct.unpack(">I", socket.inet_aton(netmask))[0]
    bits = 32 - bin(value).count("1")
    if value != (0xFFFFFFFF << bits) & 0xFFFFFFFF:
        raise ValueError(netmask)
    return bits


# The unit greets on its setup port with a few lines and then waits, a few seconds only, for Enter. The last
# line is the invitation, worded differently by firmware generation ("Press Enter for Setup Mode" on 6.x,
# "Press Enter to go into Setup Mode" on older UDS firmware): it is recognised by what it says - a key to press
# (Enter or Return) and Setup Mode - not by one exact sentence.
SETUP_INVITATION = re.compile(r"\b(enter|return)\b.*\bsetup[ -]?mode\b|\bsetup[ -]?mode\b.*\b(enter|return)\b", re.I)
GREETING_QUIET = 2.0  # seconds without a byte after which a greeting without the invitation is complete


class SetupMenu:
    """The telnet setup menu (port 9999), driven by matching each prompt."""

    PROMPT = re.compile(rb"(Your choice \? ?|\) \? ?|\(\d{3}\) ?|\(\d+\) $|[Pp]assword: ?)$")

    def __init__(self, host, port, timeout):
        self.host, self.port, self.timeout = host, port, timeout
        try:
            self.sock = socket.create_connection((host, port), timeout=timeout)
        except ConnectionRefusedError:
            raise LantronixError(f"{host} refused a connection to its setup port {port}: telnet setup is disabled "
                                 "or this is not a Lantronix unit") from None
        except (socket.timeout, TimeoutError):
            raise LantronixError(f"timeout: no connection to {host}:{port} within {timeout}s") from None
        except OSError as exc:
            raise LantronixError(f"cannot reach {host}:{port}: {exc.strerror or exc}") from None
        self.seen = b""

    def read_greeting(self):
        """The greeting up to the invitation to press Enter for Setup Mode. A port that greets with something
        else, and then falls silent or closes, is not a setup port."""
        text = b""
        deadline = time.monotonic() + self.timeout
        while True:
            lines = [line.strip() for line in text.decode(errors="replace").splitlines() if line.strip()]
            if lines and SETUP_INVITATION.search(lines[-1]):
                self.seen += text
                return "\n".join(lines)
            left = deadline - time.monotonic()
            if left <= 0:
                if lines:
                    raise self.not_a_setup_port(lines)
                raise LantronixError(f"timeout: the setup menu did not answer within {self.timeout}s")
            self.sock.settimeout(min(left, GREETING_QUIET) if lines else left)
            try:
                data = self.sock.recv(4096)
            except (socket.timeout, TimeoutError):
                if lines:
                    raise self.not_a_setup_port(lines) from None
                continue
            if not data:
                if lines:
                    raise self.not_a_setup_port(lines)
                raise LantronixError(f"{self.host}:{self.port} closed the connection without a greeting: it is not "
                                     "a Lantronix setup port")
            text += re.sub(rb"\xff[\xfb-\xfe].", b"", data).replace(b"\x00", b"")

    def not_a_setup_port(self, lines):
        greeting = " / ".join(lines)
        return LantronixError(f"{self.host}:{self.port} is not a Lantronix setup port: its greeting "
                              f"{greeting[:160]!r} does not offer Setup Mode")

    def read_prompt(self):
        """Text up to the next prompt, telnet negotiation and NULs removed."""
        text = b""
        deadline = time.monotonic() + self.timeout
        while not self.PROMPT.search(text.rstrip(b"\r\n") if text.endswith(b"\n") else text):
            left = deadline - time.monotonic()
            if left <= 0:
                raise LantronixError(f"timeout: the setup menu did not answer within {self.timeout}s "
                                     f"(last text: {text[-80:].decode(errors='replace')!r})")
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096)
            except (socket.timeout, TimeoutError):
                continue
            if not data:
                last_text = text[-120:].decode(errors="replace").strip()
                raise LantronixError("the unit closed the setup session: " + last_text)
            data = re.sub(rb"\xff[\xfb-\xfe].", b"", data).replace(b"\x00", b"")
            text += data
        self.seen += text
        return text.decode(errors="replace")

    def send(self, text):
        self.sock.sendall(text.encode())

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def menu_digit(menu_text, label):
    """The digit of a main-menu entry whose label starts with `label`
    (both 'Channel 1' and 'Channel 1 configuration')."""
    match = re.search(r"(\d) " + re.escape(label), menu_text)
    if not match:
        raise LantronixError(f"the setup menu has no entry '{label}': {menu_text.strip()[-200:]!r}")
    return match.group(1)


def configure(host, port, password, wanted, timeout):
    """Walk the server and channel 1 menus, answering each prompt by what it asks; store with 9.
    `wanted` holds ip, gateway (None = none), host_bits, baud_rate, interface_mode, flow_control (hex) and
    local_port; only the walks with changes are entered."""
    menu = SetupMenu(host, port, timeout)
    try:
        menu.read_greeting()
        menu.send("\r")
        text = menu.read_prompt()
        if re.search(r"[Pp]assword: ?$", text):
            if not password:
                raise LantronixError(f"{host} asks for a setup password: give setup_password")
            menu.send(password + "\r")
            try:
                text = menu.read_prompt()
            except LantronixError:  # its text holds the echoed password: not repeated
                raise LantronixError(f"{host} refused the setup password") from None
        if "Your choice" not in text:
            raise LantronixError(f"{host} did not show the setup menu: {text.strip()[-160:]!r}")
        if any(k in wanted for k in ("ip", "gateway", "host_bits")):
            menu.send(menu_digit(text, "Server") + "\r")
            text = walk(menu, wanted)
        if any(k in wanted for k in ("baud_rate", "interface_mode", "flow_control", "local_port")):
            menu.send(menu_digit(text, "Channel 1") + "\r")
            text = walk(menu, wanted)
        menu.send(menu_digit(text, "Save") + "\r")
        try:
            after = menu.read_prompt()
        except LantronixError as exc:
            after = str(exc)
        if "stored" not in after and "closed" not in after:
            raise LantronixError(f"{host} did not confirm the save: {after.strip()[-120:]!r}")
    finally:
        menu.close()


def walk(menu, wanted):
    """Answer prompts until the main menu is back; returns the menu text."""
    octets = None  # (field, values) while an address is being entered one octet at a time
    while True:
        text = menu.read_prompt()
        tail = text.rstrip()
        if tail.endswith("Your choice ?"):
            return text
        address = re.search(
            r"(IP Address|Gateway IP addr|Remote IP Address) : \((\d{3})\)$|(Gateway IP addr) \((\d{3})\)$", tail
        )
        if address:
            field = address.group(1) or address.group(3)
            key = {"IP Address": "ip", "Gateway IP addr": "gateway"}.get(field)
            value = wanted.get(key) if key else None
            octets = [key, value.split(".") if value else None, 0]
        if octets and re.search(r"\((\d{3})\)$", tail):
            _key, values, index = octets
            menu.send((values[index] if values else "") + "\r")
            octets[2] += 1
            if octets[2] == 4:
                octets = None
            continue
        yes_no = re.search(r"\(([YN])\) \?$", tail)
        if yes_no:
            answer = yes_no.group(1)
            if "Set Gateway IP Address" in tail and "gateway" in wanted:
                answer = "Y" if wanted["gateway"] else "N"
            elif "password" in tail.lower():
                answer = "N"
            menu.send(answer)  # a single keypress: an Enter would leak into the next prompt
            continue
        field = re.search(
            r"(Netmask: Number of Bits for Host Part|Baudrate|I/F Mode|Flow|Port No)\b.*\(([^()]*)\) \??$", tail
        )
        key = {"Netmask: Number of Bits for Host Part": "host_bits", "Baudrate": "baud_rate",
               "I/F Mode": "interface_mode", "Flow": "flow_control",
               "Port No": "local_port"}.get(field.group(1)) if field else None
        menu.send((str(wanted[key]) if key and key in wanted else "") + "\r")  # Enter keeps every other value
