"""Lantronix device servers (UDS100 / XPort class) emulated on loopback addresses (test equipment).

Faithful to docs/vendor-facts.md, Lantronix device servers: the 77FEh protocol on UDP and TCP (4-byte requests
`00 00 00 <op>`, F6 -> 30-byte F7 with the MAC at 24..29, F8 -> F9 + the 120-byte setup record,
F4 -> 33-byte F5 with the version at 16, replies from the query port); the telnet setup menu
(IAC WILL ECHO / WILL SGA, `\\r\\x00\\n` line ends, Enter within 5 s, the parameter dump, the main
menu with `Your choice ? `, the server and channel 1 walks with their exact prompts, single
keypress Y/N prompts, `9` stores and reboots, `8` leaves without saving). Two firmware styles: the
6.x XPort capture, and older UDS100 firmware with longer menu labels and its own invitation to
Setup Mode ("Press Enter to go into Setup Mode", the sentence older UDS firmware greets with). A
unit can also be given any other greeting. Texts marked sim: are not from a source.

Each unit has its own loopback address; the query and setup ports are chosen per fleet so
parallel tests do not collide. A broadcast to 127.255.255.255 reaches every unit.
"""
import socket
import struct
import threading
import time

from ports import end_recorded, free_port

IAC_WILL = b"\xff\xfb\x01\xff\xfb\x03"
NL = b"\r\x00\n"
BAUD_CODES = {38400: 0, 19200: 1, 9600: 2, 4800: 3, 2400: 4, 1200: 5, 600: 6, 300: 7, 115200: 8, 57600: 9,
              230400: 0x0A, 460800: 0x0B, 921600: 0x0C}
STYLES = {
    # 6.x XPort capture (docs/vendor-facts.md, Lantronix device servers: Setup menu)
    "xport": {"banner": "Software version V6.5.0.7 (070919) XPTEXE", "type": b"X5K", "version": "6.5.0.7",
              "invitation": "Press Enter for Setup Mode ",
              "menu": ["0 Server", "1 Channel 1", "3 E-mail", "5 Expert", "6 Security", "7 Defaults",
                       "8 Exit without save", "9 Save and exit"]},
    # older UDS100 firmware: its own invitation; the same digits, longer labels (sim: the line end after the invitation)
    "uds100": {"banner": "Software version V5.8.0.1 (041112) UDS100", "type": b"3Q\x00", "version": "5.8.0.1",
               "invitation": "Press Enter to go into Setup Mode\n",
               "menu": ["0 Server configuration", "1 Channel 1 configuration", "3 E-mail settings", "5 Expert settings",
                        "6 Security", "7 Factory defaults", "8 Exit without save", "9 Save and exit"]},
}


def ip_bytes(text):
    return socket.inet_aton(text)


class Unit:
    def __init__(self, ip, mac, local_port=10001, baud_rate=9600, interface_mode=0x4C, flow_control=0x02,
                 host_bits=8, gateway="0.0.0.0", password="", style="xport", reboot_seconds=0.5, stall_setup=False,
                 greeting=None):
        self.ip, self.mac, self.style = ip, mac.replace(":", "").replace("-", "").upper(), STYLES[style]
        self.greeting = greeting  # what the setup port says before it waits for Enter; None: the style's banner
        self.record = bytearray(120)
        self.record[0:4] = ip_bytes(ip)
        self.record[6] = host_bits
        self.record[7] = 45
        self.record[8:12] = password.encode().ljust(4, b"\x00")[:4]
        self.record[12:16] = ip_bytes(gateway)
        self.record[16] = interface_mode
        self.record[17] = BAUD_CODES[baud_rate]
        self.record[18] = flow_control
        struct.pack_into("<H", self.record, 0x14, local_port)
        self.record[0x1C] = 0xC0
        self.record[0x1D] = 0x80
        self.reboot_seconds = reboot_seconds
        self.stall_setup = stall_setup  # a hung unit: accepts on the setup port and never answers
        self.saves = 0  # every save reboots the unit: tests count them
        self.up = True

    # -- record fields --------------------------------------------------------------------------
    @property
    def password(self):
        return bytes(self.record[8:12]).rstrip(b"\x00").decode()

    def values(self):
        r = self.record
        baud = {code: rate for rate, code in BAUD_CODES.items()}[r[17]]
        return {"ip": socket.inet_ntoa(bytes(r[0:4])), "gateway": socket.inet_ntoa(bytes(r[12:16])), "host_bits": r[6],
                "local_port": struct.unpack_from("<H", r, 0x14)[0], "baud_rate": baud, "interface_mode": r[16],
                "flow_control": r[18]}

    # -- 77FEh ----------------------------------------------------------------------------------
    def answer(self, request):
        if len(request) != 4 or request[0] != 0 or request[2] != 0:
            return None  # the real card leaks buffers on odd frames; the emulator stays silent
        op = request[3]
        if op == 0xF6:
            return (b"\x00\x00\x00\xf7" + b"\x00\x20\x50\x06" + self.style["type"]
                    + b"\x0f\xff\x13\x00\x00\x62\xa7\xe8" + b"\x96\xff\x00\x00\x00" + bytes.fromhex(self.mac))
        if op == 0xF8:
            return b"\x00\x00\x00\xf9" + bytes(self.record)
        if op == 0xF4:
            return b"\x00\x00\x00\xf5" + bytes(12) + self.style["version"].encode().ljust(17, b"\x00")
        return None


class Fleet:
    """Units on loopback addresses answering on one query port and one setup port."""

    def __init__(self, units, query_port=None, setup_port=None):
        self.units = {u.ip: u for u in units}
        self.query_port = query_port or free_port(udp=True)
        self.setup_port = setup_port or free_port()
        while self.setup_port == self.query_port:
            self.setup_port = free_port()
        self.stopping = threading.Event()
        self.sockets = []
        self.threads = []
        self.lock = threading.Lock()

    def start(self):
        wildcard = self._udp("0.0.0.0")
        self._thread(self._serve_broadcast, wildcard)
        for unit in self.units.values():
            self._bring_up(unit)
        return self

    def _udp(self, address):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, self.query_port))
        sock.settimeout(0.2)
        self.sockets.append(sock)
        return sock

    def _tcp(self, address, port):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        sock.listen(8)
        sock.settimeout(0.2)
        self.sockets.append(sock)
        return sock

    def _bring_up(self, unit):
        ip = unit.ip
        unit.sockets = [self._udp(ip), self._tcp(ip, self.query_port), self._tcp(ip, self.setup_port),
                        self._tcp(ip, unit.values()["local_port"])]
        unit.up = True
        self._thread(self._serve_udp, unit, unit.sockets[0])
        self._thread(self._accept, unit, unit.sockets[1], self._serve_tcp_query)
        self._thread(self._accept, unit, unit.sockets[2], self._serve_setup)
        self._thread(self._accept, unit, unit.sockets[3], _tunnel)

    def _thread(self, target, *args):
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self.threads.append(thread)

    def _take_down(self, unit):
        unit.up = False
        time.sleep(0.3)  # let the unit's threads leave accept() before the sockets close (see stop)
        for sock in unit.sockets:
            sock.close()

    def _serve_broadcast(self, sock):
        while not self.stopping.is_set():
            try:
                request, sender = sock.recvfrom(2048)
            except (socket.timeout, OSError):
                continue
            for unit in list(self.units.values()):
                reply = unit.answer(request) if unit.up else None
                if reply:
                    unit.sockets[0].sendto(reply, sender)  # from the unit's address and the query port

    def _serve_udp(self, unit, sock):
        while not self.stopping.is_set() and unit.up:
            try:
                request, sender = sock.recvfrom(2048)
            except (socket.timeout, OSError):
                continue
            reply = unit.answer(request)
            if reply:
                sock.sendto(reply, sender)

    def _accept(self, unit, sock, handler):
        while not self.stopping.is_set() and unit.up:
            try:
                conn, _peer = sock.accept()
            except (socket.timeout, OSError):
                continue
            threading.Thread(target=handler, args=(unit, conn), daemon=True).start()

    def _serve_tcp_query(self, unit, conn):
        with conn:
            conn.settimeout(5)
            try:
                reply = unit.answer(conn.recv(4))
                if reply:
                    conn.sendall(reply)
            except OSError:
                pass

    # -- telnet setup menu -----------------------------------------------------------------------
    def _serve_setup(self, unit, conn):
        with conn:
            if unit.stall_setup:
                self.stopping.wait(60)
                return
            try:
                Menu(self, unit, conn).run()
            except (OSError, ConnectionError, TimeoutError):
                pass

    def reboot(self, unit, new_record):
        """`9`: the unit stores, drops every connection and comes back after a short outage."""
        def later():
            with self.lock:
                self._take_down(unit)
                self.units.pop(unit.ip, None)
                unit.record[:] = new_record
                unit.ip = socket.inet_ntoa(bytes(new_record[0:4]))
                unit.saves += 1
            time.sleep(unit.reboot_seconds)
            with self.lock:
                if not self.stopping.is_set():
                    self.units[unit.ip] = unit
                    self._bring_up(unit)
        threading.Thread(target=later, daemon=True).start()

    def stop(self):
        """Listening sockets are closed by their own threads once they see the flag: a socket closed under
        a thread blocked in accept() stays bound until that call returns."""
        self.stopping.set()
        for thread in list(self.threads):
            thread.join(timeout=2)
        for sock in self.sockets:
            try:
                sock.close()
            except OSError:
                pass


def _tunnel(unit, conn):
    """The serial tunnel (the wallboard port): accepts and discards what OSCC sends."""
    with conn:
        conn.settimeout(2)
        try:
            while conn.recv(1024):
                pass
        except OSError:
            pass


class Menu:
    """One telnet session on the setup port."""

    def __init__(self, fleet, unit, conn):
        self.fleet, self.unit, self.conn = fleet, unit, conn
        self.buffer = b""
        self.record = bytearray(unit.record)

    def say(self, text, end=True):
        self.conn.sendall(text.encode().replace(b"\n", NL) + (NL if end else b""))

    def read_char(self, timeout=30):
        self.conn.settimeout(timeout)
        while not self.buffer:
            data = self.conn.recv(64)
            if not data:
                raise ConnectionError("closed")
            while b"\xff" in data:  # drop the client's telnet negotiation
                i = data.index(b"\xff")
                data = data[:i] + data[i + 3:]
            self.buffer += data
        char, self.buffer = self.buffer[:1], self.buffer[1:]
        return char

    def read_line(self, timeout=30):
        line = b""
        while True:
            char = self.read_char(timeout)
            if char in (b"\r", b"\n"):
                if char == b"\r" and self.buffer[:1] in (b"\n", b"\x00"):
                    self.buffer = self.buffer[1:]
                return line.decode(errors="replace")
            self.conn.sendall(char)  # the card echoes
            line += char

    def ask(self, prompt):
        self.say(prompt, end=False)
        return self.read_line()

    def keypress(self, prompt, default):
        self.say(prompt, end=False)
        char = self.read_char().decode(errors="replace").upper()
        self.say(char)
        return default if char not in "YN" else char

    def run(self):
        unit = self.unit
        self.conn.sendall(IAC_WILL)
        if unit.greeting is not None:
            self.say(unit.greeting, end=False)
        else:
            self.say(f"MAC address {unit.mac}")
            self.say(unit.style["banner"])
            self.say(unit.style["invitation"], end=False)
        try:
            self.read_line(timeout=5)
        except TimeoutError:
            return  # no Enter within about 5 s: the unit drops the connection
        if unit.password:
            given = self.ask("Enter Password: ")  # sim: the prompt text is not public
            if given != unit.password:
                self.say("Password incorrect !")  # sim:
                return
        self.dump()
        while True:
            self.say("Change Setup:")
            for label in unit.style["menu"][:-1]:
                self.say(f"  {label}")
            choice = self.ask(f"  {unit.style['menu'][-1]}            Your choice ? ").strip()
            if choice == "0":
                self.server()
            elif choice == "1":
                self.channel()
            elif choice == "8":
                self.say("exiting without save !")
                return
            elif choice == "9":
                self.say("Parameters stored ...")
                self.fleet.reboot(unit, self.record)
                return

    def dump(self):
        r = self.record
        ip, gateway = socket.inet_ntoa(bytes(r[0:4])), socket.inet_ntoa(bytes(r[12:16]))
        bits = r[6]
        netmask = socket.inet_ntoa(struct.pack(">I", (0xFFFFFFFF << bits) & 0xFFFFFFFF)) if bits else "default"
        baud = {code: rate for rate, code in BAUD_CODES.items()}[r[17]]
        self.say("*** basic parameters")
        self.say("Hardware: Ethernet TPI")
        route = f"gateway {gateway},netmask {netmask}" if gateway != "0.0.0.0" else "no gateway set"
        self.say(f"IP addr {ip}, " + route)
        self.say("*** Channel 1")
        self.say(f"Baudrate {baud}, I/F Mode {r[16]:02X}, Flow {r[18]:02X}")
        self.say(f"Port {struct.unpack_from('<H', r, 0x14)[0]:05d}")
        self.say(f"Connect Mode : {r[0x1C]:02X}")
        self.say("*** Expert")
        self.say("TCP Keepalive    : 45s")

    def octets(self, first_prompt, current):
        values = []
        for index, old in enumerate(current):
            prompt = f"{first_prompt}({old:03d}) " if index == 0 else f".({old:03d}) "
            answer = self.ask(prompt).strip()
            values.append(int(answer) if answer else old)
        return bytes(values)

    def server(self):
        r = self.record
        r[0:4] = self.octets("IP Address : ", r[0:4])
        has_gateway = bytes(r[12:16]) != bytes(4)
        current = "Y" if has_gateway else "N"
        if self.keypress(f"Set Gateway IP Address ({current}) ? ", current) == "Y":
            r[12:16] = self.octets("Gateway IP addr ", r[12:16])
        else:
            r[12:16] = bytes(4)
        answer = self.ask(f"Netmask: Number of Bits for Host Part (0=default) ({r[6]}) ").strip()
        r[6] = int(answer) if answer else r[6]
        if self.keypress("Change telnet config password (N) ? ", "N") == "Y":
            r[8:12] = self.ask("Enter new Password: ").encode().ljust(4, b"\x00")[:4]

    def channel(self):
        r = self.record
        baud = {code: rate for rate, code in BAUD_CODES.items()}[r[17]]
        answer = self.ask(f"Baudrate ({baud}) ? ").strip()
        if answer:
            if int(answer) not in BAUD_CODES:
                self.say("sim: invalid baudrate")
            else:
                r[17] = BAUD_CODES[int(answer)]
        answer = self.ask(f"I/F Mode ({r[16]:02X}) ? ").strip()
        r[16] = int(answer, 16) if answer else r[16]
        answer = self.ask(f"Flow ({r[18]:02X}) ? ").strip()
        r[18] = int(answer, 16) if answer else r[18]
        answer = self.ask(f"Port No ({struct.unpack_from('<H', r, 0x14)[0]}) ? ").strip()
        if answer:
            struct.pack_into("<H", r, 0x14, int(answer))
        answer = self.ask(f"ConnectMode ({r[0x1C]:02X}) ? ").strip()
        r[0x1C] = int(answer, 16) if answer else r[0x1C]
        self.keypress("Send '+++' in Modem Mode  (Y) ? ", "Y")
        self.keypress("Show IP addr after 'RING'  (Y) ? ", "Y")
        self.keypress("Auto increment source port  (N) ? ", "N")
        self.octets("Remote IP Address : ", r[0x18:0x1C])
        self.ask("Remote Port  (0) ? ")
        self.ask(f"DisConnMode ({r[0x1D]:02X}) ? ")
        self.ask("FlushMode   (00) ? ")
        self.ask("DisConnTime (01:30) ? ")
        self.ask("SendChar 1  (00) ? ")
        self.ask("SendChar 2  (00) ? ")


def main():
    """For molecule and benchmarks: `start <root> [units]` runs a fleet (units on 127.0.0.81, .82, ... as in
    inventories/lab) in a background process and writes <root>/fleet.json (ports, pid); `stop <root>` ends it;
    `serve <root> <units>` is what the background process runs."""
    import json
    import os
    import signal
    import subprocess
    import sys

    command, root = sys.argv[1], os.path.abspath(sys.argv[2])
    record = os.path.join(root, "fleet.json")
    if command == "start":
        os.makedirs(root, exist_ok=True)
        count = sys.argv[3] if len(sys.argv) > 3 else "2"
        with open(os.path.join(root, "fleet.log"), "wb") as log:
            subprocess.Popen([sys.executable, os.path.abspath(__file__), "serve", root, count],
                             stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 10
        while not os.path.exists(record) and time.time() < deadline:
            time.sleep(0.1)
    elif command == "serve":
        units = [Unit(f"127.0.0.{81 + i}", f"00:20:4a:00:{(81 + i) // 100:02d}:{(81 + i) % 100:02d}", local_port=10001)
                 for i in range(int(sys.argv[3]))]
        fleet = Fleet(units).start()
        with open(record + ".tmp", "w") as handle:
            json.dump({"oscc_lab_lantronix_query_port": fleet.query_port,
                       "oscc_lab_lantronix_setup_port": fleet.setup_port, "pid": os.getpid()}, handle)
        os.replace(record + ".tmp", record)
        signal.sigwait([signal.SIGTERM, signal.SIGINT])
        fleet.stop()
    elif command == "unconfigured":
        # A new unit without an address on a real Ethernet segment (a veth in a network namespace): it
        # takes the address of the first TCP SYN to port 1 sent to its MAC (docs/vendor-facts.md, Lantronix:
        # Address assignment).
        iface, mac, query_port, setup_port = sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
        wanted_mac = bytes.fromhex(mac.replace(":", ""))
        sniffer = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
        sniffer.bind((iface, 0))
        with open(record, "w") as handle:
            json.dump({"state": "unconfigured", "pid": os.getpid()}, handle)
        while True:
            frame = sniffer.recv(2048)
            if frame[0:6] != wanted_mac or frame[23] != 6:  # to this MAC, IPv4 carrying TCP
                continue
            header = (frame[14] & 0x0F) * 4
            port, flags = struct.unpack_from("!H", frame, 14 + header + 2)[0], frame[14 + header + 13]
            if port == 1 and flags & 0x02:
                address = socket.inet_ntoa(frame[30:34])
                break
        sniffer.close()
        subprocess.run(["ip", "addr", "add", f"{address}/24", "dev", iface], check=True)
        fleet = Fleet([Unit(address, mac, local_port=10001)], query_port, setup_port).start()
        with open(record, "w") as handle:
            json.dump({"state": "adopted", "ip": address, "pid": os.getpid()}, handle)
        signal.sigwait([signal.SIGTERM, signal.SIGINT])
        fleet.stop()
    elif command == "stop":
        end_recorded(record)


if __name__ == "__main__":
    main()
