"""Builds and inspects the lab's simulated OSCC servers (test equipment).

A POSIX host keeps its Informix instance at plain paths under <root>/<host>. A simulated Windows
host spells its paths as Windows does (C:\\Program Files\\Informix, D:\\CCDATA\\rootdbs.000); they live
under <root>/<host>/drives/<letter>/, the simulator and the Windows stand-in modules translate.
"""
import argparse
import functools
import importlib.util
import json
import os
import py_compile
import re
import stat
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SIM = os.path.join(HERE, "informix", "ifxsim.py")
# The programs import the simulator, so its compiled form (written once by init_host) is reused: a lab
# host runs it a few times per task, and compiling it each time would dominate the benchmarks' timings.
LAUNCH = (f"import sys; sys.path.insert(0, {os.path.dirname(SIM)!r}); import ifxsim; "
          "sys.exit(ifxsim.main([ifxsim.__file__] + sys.argv[1:]))")
PROGRAMS = ("ontape", "onbar", "onstat", "onmode", "oninit", "dbaccess", "cdr")
OSCC_SERVICES = ("OpenScape Contact Center", "OpenScape Contact Center AutoPA")
SEED = {
    "hppc": {
        "agents": [["1001", "Anna Berger", "ready"], ["1002", "Jonas Keller", "work"]],
        "routing": [["sales", "6021"], ["support", "6022"]],
    },
    "sysmaster": {},
}
WINDOWS_LAYOUT = {
    "informixdir": r"C:\Program Files\Informix",
    "data": r"D:\CCDATA",
    "tape": r"C:\Backups",
    "backups": r"D:\OSCC-Backups",
}
# The uninstall entry of the OSCC server software on a simulated Windows server (name and version: sim).
OSCC_SOFTWARE = {"DisplayName": "OpenScape Contact Center Enterprise V12 Server", "DisplayVersion": "12.0.1.4"}
# Where the simulated main server has the OSCC software and its osccmseheaders.exe (manual §3.4.1).
OSCC_DIR = r"C:\Program Files\OpenScape Contact Center"
# The lab estate's names and addresses (tests/lab/README.md, Names, clocks and trust): lab host -> (short name,
# address); fully-qualified names end in DNS_DOMAIN. <root>/dns.json answers forward and reverse lookups.
ESTATE_NAMES = {"main": ("lab-main", "127.0.1.1"), "backup": ("lab-backup", "127.0.1.2"),
                "report": ("lab-report", "127.0.1.3")}
DNS_DOMAIN = "lab.invalid"
SYSTEM32 = r"C:\Windows\System32"
HOSTS_EQUIV = SYSTEM32 + r"\drivers\etc\hosts.equiv"
POWERSHELL = SYSTEM32 + r"\WindowsPowerShell\v1.0\powershell.exe"


def to_here(base, path):
    """Where a path of the simulated Windows host lives on this machine. A share (\\\\server\\share\\...) is
    the same folder for every host of the lab, <root>/unc/<server>/<share>/..., as one share is for an estate."""
    unc = re.match(r"^[\\/]{2}([^\\/]+)[\\/]+([^\\/]+)(.*)$", path)
    below_root = _lab_host().below_root  # the stand-ins' rule: '..' never leaves the drive or the share
    if unc:
        rest = below_root(unc.group(3))
        server = unc_aliases(os.path.dirname(base)).get(unc.group(1).lower(), unc.group(1).lower())
        return os.path.join(os.path.dirname(base), "unc", server, unc.group(2).lower(), *rest)
    match = re.match(r"^([A-Za-z]):[\\/]", path)
    if not match:
        return path
    return os.path.join(base, "drives", match.group(1).upper(), *below_root(path[3:]))


def host_paths(root, host):
    """Paths as this machine sees them (keys as below) and, under "host", as the host spells them."""
    base = os.path.join(os.path.abspath(root), host)
    windows = os.path.exists(os.path.join(base, "drives"))
    if windows:
        spelled = dict(WINDOWS_LAYOUT)
        here = {key: to_here(base, value) for key, value in spelled.items()}
    else:
        here = {key: os.path.join(base, key) for key in ("data", "tape", "backups")}
        here["informixdir"] = os.path.join(base, "informix")
        spelled = dict(here)
    return dict(here, base=base, windows=windows, host=spelled)


def host_join(paths, key, name):
    separator = "\\" if paths["windows"] else "/"
    return paths["host"][key] + separator + name


@functools.cache
def compile_simulator():
    """Writes the simulator's compiled form once per process (the lab runs with PYTHONDONTWRITEBYTECODE)."""
    py_compile.compile(SIM, cfile=importlib.util.cache_from_source(SIM), doraise=True)


def init_host(root, host, server, python=sys.executable, platform="posix"):
    base = os.path.join(os.path.abspath(root), host)
    if platform == "windows":
        os.makedirs(os.path.join(base, "drives"), exist_ok=True)
    paths = host_paths(root, host)
    for key in ("informixdir", "data", "tape", "backups"):
        os.makedirs(paths[key], exist_ok=True)
    for sub in ("bin", "etc", "sim"):
        os.makedirs(os.path.join(paths["informixdir"], sub), exist_ok=True)
    drives = f'IFXSIM_DRIVES="{os.path.join(base, "drives")}" ' if paths["windows"] else ""
    compile_simulator()
    for program in PROGRAMS:
        # A Windows server's programs are <name>.exe; the short name stays for the shell-less lab tools.
        for wrapper in [os.path.join(paths["informixdir"], "bin", program + suffix)
                        for suffix in ("", ".exe") if suffix == "" or paths["windows"]]:
            with open(wrapper, "w") as handle:
                handle.write(f'#!/bin/sh\n{drives}exec "{python}" -S -c "{LAUNCH}" {program} "$@"\n')
            os.chmod(wrapper, os.stat(wrapper).st_mode | stat.S_IEXEC)
    root_chunk, data_chunk = (host_join(paths, "data", n) for n in ("rootdbs.000", "ccdata.000"))
    tapedev = host_join(paths, "tape", "BACKUP.001")
    with open(os.path.join(paths["informixdir"], "etc", f"ONCONFIG.{server}"), "w") as handle:
        handle.write(
            "# ONCONFIG of a simulated OSCC instance\n"
            f"ROOTNAME rootdbs\nROOTPATH {root_chunk}\nSERVERNUM 0\nDBSERVERNAME {server}\n"
            f"TAPEDEV {tapedev}  # manual 6.3.2.2: one pre-created file\n"
            "TAPEBLK 16\nTAPESIZE 0\nLTAPEDEV NUL\nLTAPEBLK 16\nLTAPESIZE 0\n"
        )
    open(to_here(base, tapedev), "a").close()
    with open(to_here(base, root_chunk), "w") as handle:
        json.dump(SEED, handle, sort_keys=True)
    open(to_here(base, data_chunk), "w").close()
    state = {"mode": "On-Line", "started": time.time(), "log": 10, "archives": [], "bases": {},
             "spaces": ["rootdbs", "ccdata"], "chunks": [root_chunk, data_chunk]}
    with open(os.path.join(paths["informixdir"], "sim", f"{server}.json"), "w") as handle:
        json.dump(state, handle, indent=1)
    faults = os.path.join(paths["informixdir"], "sim", f"{server}.faults")
    if os.path.exists(faults):
        os.remove(faults)
    if paths["windows"]:
        services = {name: {"state": "running", "start_mode": "auto"} for name in OSCC_SERVICES}
        services[f"IBM Informix Database Server - {server}"] = {"state": "running", "start_mode": "auto"}
        # System Properties' system variables (manual §7.3 step 1), as the host spells them; the clock's offset
        # from the lab's true time (w32tm answers from it).
        machine_environment = {"INFORMIXDIR": paths["host"]["informixdir"], "INFORMIXSERVER": server,
                               "ONCONFIG": f"ONCONFIG.{server}"}
        with open(os.path.join(base, "windows.json"), "w") as handle:
            json.dump({"services": services, "calls": [], "installed_software": [dict(OSCC_SOFTWARE)],
                       "machine_environment": machine_environment, "clock_offset_seconds": 0.0}, handle, indent=1)
        for name, program in (("osccmseheaders.exe", "osccmseheaders.py"), ("trcdbins.exe", "trcdbins.py"),
                              ("osccregistersnmpextension.exe", "osccsnmpreg.py")):
            _wrapper(to_here(base, OSCC_DIR + "\\" + name), python, os.path.join(HERE, program), base)
        _wrapper(to_here(base, SYSTEM32 + "\\w32tm.exe"), python, os.path.join(HERE, "w32tm.py"), base)
        _wrapper(to_here(base, SYSTEM32 + "\\shutdown.exe"), python, os.path.join(HERE, "shutdown.py"), base)
        windows_shells(base, python)
        os.makedirs(os.path.dirname(to_here(base, HOSTS_EQUIV)), exist_ok=True)  # hosts.equiv itself is absent
        if not os.path.exists(dns_path(root)):
            init_dns(root)
    return paths


def _wrapper(path, python, program, base, *fixed):
    """A simulated Windows program: a wrapper that knows its host's lab directory (`fixed`: arguments first)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    first = "".join(f' "{argument}"' for argument in fixed)
    with open(path, "w") as handle:
        handle.write(f'#!/bin/sh\nOSCC_LAB_HOST_DIR="{base}" exec "{python}" "{program}"{first} "$@"\n')
    os.chmod(path, 0o755)


def windows_shells(base, python=sys.executable):
    """cmd.exe and powershell.exe as far as the executor selftest uses them (tests/lab/winshell.py)."""
    _wrapper(to_here(base, SYSTEM32 + "\\cmd.exe"), python, os.path.join(HERE, "winshell.py"), base, "cmd")
    _wrapper(to_here(base, POWERSHELL), python, os.path.join(HERE, "winshell.py"), base, "powershell")


# ---------------------------------------------------------------- names, addresses, clocks (manual §7.1, §7.3)
def dns_path(root):
    return os.path.join(os.path.abspath(root), "dns.json")


def init_dns(root):
    """<root>/dns.json: forward (name -> address, short and fully-qualified names), reverse (address -> the
    fully-qualified name), the lab host at each address, and the names that do not answer a ping."""
    forward, reverse, hosts = {}, {}, {}
    for host, (name, address) in ESTATE_NAMES.items():
        forward[name] = forward[f"{name}.{DNS_DOMAIN}"] = address
        reverse[address] = f"{name}.{DNS_DOMAIN}"
        hosts[address] = host
    _save_dns(root, {"forward": forward, "reverse": reverse, "hosts": hosts, "unreachable": []})


def dns(root):
    with open(dns_path(root)) as handle:
        return json.load(handle)


def _save_dns(root, data):
    tmp = dns_path(root) + ".tmp"
    with open(tmp, "w") as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
    os.replace(tmp, dns_path(root))


def unc_aliases(root):
    """The lab's other names of UNC servers (alias -> server), as the stand-ins read them (lab_host.unc_server)."""
    try:
        with open(os.path.join(root, _lab_host().UNC_ALIASES)) as handle:
            return json.load(handle)
    except FileNotFoundError:
        return {}


def set_unc_alias(root, alias, server):
    """Another name of a UNC server (its FQDN, an address): a share by that name opens the server's folder."""
    aliases = dict(unc_aliases(root), **{alias.lower(): server.lower()})
    with open(os.path.join(root, _lab_host().UNC_ALIASES), "w") as handle:
        json.dump(aliases, handle)


def set_dns_forward(root, name, address):
    """A forward entry changed (an address) or removed (None): name is short or fully-qualified."""
    data = dns(root)
    if address is None:
        data["forward"].pop(name, None)
    else:
        data["forward"][name] = address
    _save_dns(root, data)


def set_dns_reverse(root, address, name):
    """A reverse (PTR) entry changed (a name) or removed (None)."""
    data = dns(root)
    if name is None:
        data["reverse"].pop(address, None)
    else:
        data["reverse"][address] = name
    _save_dns(root, data)


def set_reachable(root, host, reachable=True):
    """A lab host (main, backup, report) answering pings and w32tm, or not (its address unreachable)."""
    data = dns(root)
    address = ESTATE_NAMES[host][1]
    data["unreachable"] = sorted(set(data["unreachable"]) - {address} | (set() if reachable else {address}))
    _save_dns(root, data)


def _update_windows(root, host, change):
    """change(state) on the host's windows.json, under the lock the stand-ins take, written atomically."""
    _lab_host().update_json(os.path.join(host_paths(root, host)["base"], "windows.json"), change)


# Manual §6.2: the services of a simulated OSCC server and the local user each logs on as; the Informix server's
# service keeps the name init_host gave it. The Informix message service runs as LocalSystem.
ACCOUNT_SERVICES = {"OpenScape Contact Center": "hppc", "OpenScape Contact Center AutoPA": "hppc",
                    "IBM Informix Dynamic Server Message Service": None, "{ids}": "informix",
                    "Informix Server Discovery Process for SNMP": "informix"}


LAB_PASSWORDS = {"hppc": "lab-hppc-old", "informix": "lab-ifx-old"}  # the users' passwords `accounts` starts with


def init_accounts(root, host, server, passwords):
    """The local users hppc and informix with their passwords (user -> password) and every service of §6.2 logging
    on as its user with that password, all running (the lab keeps hashes only: lab_host.password_hash)."""
    digest = _lab_host().password_hash

    def change(state):
        state["users"] = {user: {"password_sha256": digest(password)} for user, password in passwords.items()}
        for name, user in ACCOUNT_SERVICES.items():
            name = name.format(ids=f"IBM Informix Database Server - {server}")
            service = state["services"].setdefault(name, {"state": "running", "start_mode": "auto"})
            if user:
                service.update(account=f".\\{user}", password_sha256=digest(passwords[user]))
    _update_windows(root, host, change)


def set_service_password(root, host, service, password, state=None):
    """A service's Log On password as someone set it in Services (and its state, e.g. stopped by a reboot)."""
    def change(data):
        data["services"][service]["password_sha256"] = _lab_host().password_hash(password)
        if state:
            data["services"][service]["state"] = state
    _update_windows(root, host, change)


def set_windows_faults(root, host, **faults):
    """Faults of the simulated Windows host itself (lab_cmdlets.LAB_FAULTS), e.g. stop_task_leaves_children."""
    _update_windows(root, host, lambda state: state.setdefault("lab_faults", {}).update(faults))


def set_clock_offset(root, host, seconds):
    """How far the host's clock is from the lab's true time (positive: ahead)."""
    _update_windows(root, host, lambda state: state.update(clock_offset_seconds=float(seconds)))


def set_machine_environment(root, host, name, value):
    """A system environment variable set (a value) or removed (None), as System Properties would."""
    def change(state):
        if value is None:
            state["machine_environment"].pop(name, None)
        else:
            state["machine_environment"][name] = value
    _update_windows(root, host, change)


def _lab_registry():
    """The registry stand-in (lab_registry.py), loaded from its file."""
    path = os.path.join(HERE, "collections", "ansible_collections", "ansible", "windows", "plugins", "module_utils",
                        "lab_registry.py")
    spec = importlib.util.spec_from_file_location("lab_registry", path)
    lab_registry = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lab_registry)
    return lab_registry


def snmp_installed(root, host, communities=None, managers=None):
    """The host as an operator left it: the SNMP service installed and running with these communities (name ->
    right: 4 READ ONLY, 8 READ WRITE) and permitted managers (in order, numbered 1, 2, ...), the OSCC agent not
    registered."""
    registry = _lab_registry()
    base = host_paths(root, host)["base"]

    def seed(keys):
        keys.update({k: dict(v) for k, v in registry.FRESH.items()})
        keys[registry.SNMP + "\\ValidCommunities"] = {n: {"type": "DWord", "value": r}
                                                       for n, r in (communities or {}).items()}
        keys[registry.SNMP + "\\PermittedManagers"] = {str(i + 1): {"type": "String", "value": m}
                                                        for i, m in enumerate(managers or [])}
    registry.change(seed, base)

    def installed(state):
        state.setdefault("features", {})["SNMP-Service"] = "Installed"
        state["services"]["SNMP"] = {"state": "running", "start_mode": "auto"}
    _update_windows(root, host, installed)


def snmp_registry(root, host):
    """The host's registry keys (key -> value name -> {type, value}), as the SNMP stand-ins keep them."""
    return _lab_registry().load(host_paths(root, host)["base"])


def set_trcdbins_fail(root, host, fail=True):
    """trcdbins -activate fails (exit 1) after writing its diagnostic files."""
    _update_windows(root, host, lambda state: state.update(trcdbins_fail=bool(fail)))


def hosts_equiv(root, host):
    """Where the host's C:\\Windows\\System32\\drivers\\etc\\hosts.equiv lives in the lab."""
    return to_here(host_paths(root, host)["base"], HOSTS_EQUIV)


SUNJAVA_ADMIN = ("admin", "lab-wadm-secret")


def exchange_organisation(version="15.0"):
    """A simulated Exchange organisation as OSCC finds it before §3.4: the account exists, nothing is set."""
    mailboxes = {a: {"email_addresses": [f"SMTP:{a}"], "forwarding_address": ""}
                 for a in ("oscc@lab.invalid", "agent1@lab.invalid", "reports@lab.invalid")}
    return {"version": version, "mailboxes": mailboxes, "throttling_policies": {}, "associations": {},
            "transport": {"ShadowRedundancyEnabled": True, "HeaderPromotionModeSetting": "NoCreate"},
            "imap": {"LoginType": "PlainTextLogin"},
            "receive_connectors": {"Client Frontend LAB-EXCHANGE": {"AuthMechanism": "Tls, Integrated"}},
            "send_as": {}, "full_access": {}}


# A Domino server (docs/vendor-facts.md, Domino): where notes.ini, the console program and the data live.
DOMINO_LAYOUT = {"windows": (r"C:\Lotus\Domino\notes.ini", r"C:\Lotus\Domino\nserver.exe", r"C:\Lotus\Domino\Data"),
                 "posix": ("domino/notesdata/notes.ini", "domino/bin/server", "domino/notesdata")}


def init_domino(base, platform, python=sys.executable):
    """notes.ini with SMTPVerifyAuthenticatedSender=1 (what §3.8 must change), the console program, a mail
    database mail/oscc.nsf; returns (notes.ini, console, data directory) as the host spells them."""
    spelled = DOMINO_LAYOUT[platform]
    if platform == "posix":
        spelled = tuple(os.path.join(base, p) for p in spelled)
    notes_ini, console, data = (to_here(base, p) for p in spelled)
    for folder in (os.path.dirname(notes_ini), os.path.dirname(console), os.path.join(data, "mail")):
        os.makedirs(folder, exist_ok=True)
    newline = "\r\n" if platform == "windows" else "\n"
    with open(notes_ini, "w", newline="") as handle:
        handle.write(newline.join(["[Notes]", "KitType=2", f"Directory={spelled[2]}",
                                   "ServerTasks=Replica,Router,Update,AMgr,Adminp,Sched,IMAP,SMTP",
                                   "SMTPVerifyAuthenticatedSender=1", ""]))
    open(os.path.join(data, "mail", "oscc.nsf"), "w").close()
    state = os.path.join(base, "domino-state.json")
    with open(state, "w") as handle:
        json.dump({"running": True, "notes_ini": notes_ini, "data_dir": data, "console": []}, handle)
    with open(console, "w") as handle:
        handle.write(f'#!/bin/sh\nDOMINO_STATE="{state}" exec "{python}" "{os.path.join(HERE, "domino.py")}" "$@"\n')
    os.chmod(console, 0o755)
    return spelled


# An Office 365 tenant as Exchange Online PowerShell shows it, and the app registered for app-only access.
OFFICE365 = {"organization": "lab.onmicrosoft.com", "app_id": "5e1f0c2a-7d3b-4c8e-9a61-0b2d4f6e8a10",
             "certificate_thumbprint": "3F2A9C1D8E7B6A5F4E3D2C1B0A9F8E7D6C5B4A39"}


def exchange_online_tenant():
    """The OSCC account exists and is licensed, IMAP off, SMTP AUTH following the tenant's default."""
    return {"organization": OFFICE365["organization"],
            "apps": {OFFICE365["app_id"]: OFFICE365["certificate_thumbprint"]},
            "mailboxes": {"oscc@lab.invalid": {"email_addresses": ["SMTP:oscc@lab.invalid"], "imap_enabled": False,
                                               "smtp_client_auth_disabled": None},
                          "reports@lab.invalid": {"email_addresses": ["SMTP:reports@lab.invalid"], "imap_enabled": True,
                                                  "smtp_client_auth_disabled": None}},
            "send_as": {}}


def init_web_host(root, host, platform="posix", sunjava=False, python=sys.executable, exchange=None):
    """An enterprise web server: a POSIX host (with Sun Java System Web Server's simulated wadm when
    asked), or a simulated Windows server with IIS installed and its World Wide Web Publishing
    Service running (its IIS objects start empty)."""
    base = os.path.join(os.path.abspath(root), host)
    os.makedirs(base, exist_ok=True)
    if sunjava:
        home = os.path.join(base, "sunjava")
        os.makedirs(os.path.join(home, "bin"), exist_ok=True)
        with open(os.path.join(home, "state.json"), "w") as handle:
            json.dump({"user": SUNJAVA_ADMIN[0], "password": SUNJAVA_ADMIN[1], "configs": {}}, handle)
        wrapper = os.path.join(home, "bin", "wadm")
        program = os.path.join(HERE, "sunjava", "wadm.py")
        with open(wrapper, "w") as handle:
            handle.write(f'#!/bin/sh\nWADM_STATE="{home}/state.json" exec "{python}" "{program}" "$@"\n')
        os.chmod(wrapper, 0o755)
    if host == "domino":
        os.makedirs(os.path.join(base, "drives") if platform == "windows" else base, exist_ok=True)
        init_domino(base, platform, python)
    if platform == "windows" and host == "office365":  # a management host with ExchangeOnlineManagement
        state = {"services": {}, "exchange_online": exchange_online_tenant(), "calls": []}
    elif platform == "windows" and exchange:  # an Exchange server (version "15.0", "14.3", "8.3")
        state = {"services": {"MSExchangeTransport": {"state": "running", "start_mode": "auto"}},
                 "exchange": exchange_organisation(exchange), "calls": []}
    elif platform == "windows":
        os.makedirs(os.path.join(base, "drives", "C", "inetpub", "wwwroot"), exist_ok=True)
        state = {"services": {"W3SVC": {"state": "running", "start_mode": "auto"}},
                 "iis": {"sites": {"Default Web Site": {"physical_path": "C:\\inetpub\\wwwroot", "port": 80}},
                         "app_pools": {"DefaultAppPool": {"attributes": {}}}, "applications": {},
                         "isapi_cgi_restrictions": {}, "handlers_access": {}, "mime_types": {},
                         "default_documents": {}},
                 "calls": []}
    if platform == "windows":
        os.makedirs(os.path.join(base, "drives"), exist_ok=True)  # what marks a simulated Windows host
        with open(os.path.join(base, "windows.json"), "w") as handle:
            json.dump(state, handle, indent=1)
        windows_shells(base, python)
    return host_paths(root, host)


def stop_web_host(root, host):
    """Stop what a simulated web server left running (Sun Java instances)."""
    import signal

    state_path = os.path.join(os.path.abspath(root), host, "sunjava", "state.json")
    if os.path.exists(state_path):
        with open(state_path) as handle:
            for config in json.load(handle)["configs"].values():
                if config.get("pid"):
                    try:
                        os.kill(config["pid"], signal.SIGTERM)
                    except OSError:
                        pass


def environment(root, host, server):
    paths = host_paths(root, host)
    env = {"INFORMIXDIR": paths["informixdir"], "INFORMIXSERVER": server, "ONCONFIG": f"ONCONFIG.{server}",
           "PATH": os.path.join(paths["informixdir"], "bin") + os.pathsep + os.environ.get("PATH", "")}
    if paths["windows"]:
        env["IFXSIM_DRIVES"] = os.path.join(paths["base"], "drives")
    return env


def data(root, host):
    paths = host_paths(root, host)
    with open(os.path.join(paths["data"], "rootdbs.000")) as handle:
        return json.load(handle)


def windows_state(root, host):
    with open(os.path.join(host_paths(root, host)["base"], "windows.json")) as handle:
        return json.load(handle)


def fire_task(root, host, task):
    """Run what a scheduled task of a simulated Windows host would run: the host executor on its saved batch,
    through the POSIX executor (PowerShell cannot run here), paths translated. Returns its result and whether
    it exited non-zero, as Task Scheduler would report it."""
    import shlex
    import subprocess
    import tempfile

    paths = host_paths(root, host)
    action = windows_state(root, host)["scheduled_tasks"][task]["actions"][0]
    words = shlex.split(action["arguments"].replace("\\", "/"))
    batch_file = to_here(paths["base"], words[words.index("-BatchFile") + 1])
    with open(batch_file) as handle:
        batch = translate(json.load(handle), paths["base"])
    collection_root = os.path.dirname(os.path.dirname(HERE))
    executor = os.path.join(collection_root, "plugins", "plugin_utils", "_host", "executor_posix.py")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(batch, handle)
    try:
        done = subprocess.run([sys.executable, executor, "@" + handle.name], capture_output=True, check=False)
    finally:
        os.remove(handle.name)
    return dict(json.loads(done.stdout), failed=done.returncode != 0)


def software_version(root, host, pattern):
    """As Get-OsccVersion reads it: the stand-ins' own rule (lab_host.oscc_version), on the host's state."""
    return _lab_host().oscc_version(windows_state(root, host), pattern)


@functools.cache
def _lab_host():
    """The stand-ins' shared module (its state lock, its rules), loaded from its file."""
    path = os.path.join(HERE, "collections", "ansible_collections", "ansible", "windows", "plugins", "module_utils",
                        "lab_host.py")
    spec = importlib.util.spec_from_file_location("lab_host", path)
    lab_host = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lab_host)
    return lab_host


def set_software_version(root, host, version):
    """A patch installed on (or removed from) the simulated server."""
    _update_windows(root, host, lambda state: state.update(
        installed_software=[dict(OSCC_SOFTWARE, DisplayVersion=version)] if version else []))


def translate(value, base):
    if isinstance(value, dict):
        return {k: translate(v, base) for k, v in value.items()}
    if isinstance(value, list):
        return [translate(v, base) for v in value]
    return to_here(base, value) if isinstance(value, str) else value


def set_faults(root, host, server, faults):
    path = os.path.join(host_paths(root, host)["informixdir"], "sim", f"{server}.faults")
    with open(path, "w") as handle:
        json.dump(faults, handle)


# Enterprise Replication between the OSCC servers (manual chapter 7): the report tables, replicated from the main
# and backup servers to the central report server, and the administration data between main and backup.
REPORT_TABLES = ("stats_calls", "stats_agents", "stats_queues", "stats_routing", "stats_contacts")
ADMIN_TABLES = ("agents", "routing")
ER_ONCONFIG = (("CDR_QUEUEMEM", "500"), ("CDR_QDATA_SBSPACE", "cdr_qdata"), ("CDR_DBSPACE", "cdr_dbs"))
ER_SBSPACE_PAGES = 1000  # of 2048 bytes: the queue holds CDR_QUEUEMEM KB in memory and this much spooled


def er_domain_path(root):
    return os.path.join(os.path.abspath(root), "er-domain.json")


def _ifxsim():
    spec = importlib.util.spec_from_file_location("lab_ifxsim", SIM)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def init_replication(root, hosts=("main", "backup", "report"), servers=None, report="report",
                     sync_seconds_per_replicate=0.0):
    """One Enterprise Replication domain of instances built by init_host (server ol_<host> unless `servers`
    names them): groups g_<server> with ids 1, 2, ... in the order given; the ONCONFIG's CDR_ parameters; the
    queue's sbspace cdr_qdata with its chunk; the empty report tables in hppc; the replicate sets oscc_report
    (rep_<table> per report table: every host but `report` a source, `report` receive-only) and oscc_admin
    (rep_agents, rep_routing: the sources both ways, `report` receive-only); ER running everywhere, nothing
    suspended, the queues empty. Returns the domain (er_state)."""
    path = er_domain_path(root)
    domain = {"servers": {}, "replicates": {}, "replicate_sets": {}, "suspended": [], "queues": {}, "mtimes": {},
              "er_sync_seconds_per_replicate": float(sync_seconds_per_replicate), "er_check_seconds_per_replicate": 0.0}
    groups = {}
    for number, host in enumerate(hosts, 1):
        server = (servers or {}).get(host) or f"ol_{host}"
        paths = host_paths(root, host)
        state_path = os.path.join(paths["informixdir"], "sim", f"{server}.json")
        if not os.path.exists(state_path):
            raise ValueError(f"{host}: no instance {server} (build it with init_host first)")
        group = groups[host] = f"g_{server}"
        onconfig = os.path.join(paths["informixdir"], "etc", f"ONCONFIG.{server}")
        with open(onconfig) as handle:
            lines = handle.read().splitlines()
        present = {line.split()[0] for line in lines if line.split()}
        lines += [f"{name} {value}" for name, value in ER_ONCONFIG if name not in present]
        with open(onconfig, "w") as handle:
            handle.write("\n".join(lines) + "\n")
        with open(state_path) as handle:
            state = json.load(handle)
        chunk = host_join(paths, "data", "cdr_qdata.000")
        open(to_here(paths["base"], chunk), "a").close()
        if "cdr_qdata" not in state["spaces"]:
            state["spaces"].append("cdr_qdata")
            state["chunks"].append(chunk)
        state.update(sbspaces={"cdr_qdata": {"pages": ER_SBSPACE_PAGES, "pagesize": 2048}}, er_domain=path,
                     er_group=group)
        with open(state_path, "w") as handle:
            json.dump(state, handle, indent=1)
        root_chunk = os.path.join(paths["data"], "rootdbs.000")
        with open(root_chunk) as handle:
            databases = json.load(handle)
        for table in REPORT_TABLES:
            databases.setdefault("hppc", {}).setdefault(table, [])
        with open(root_chunk, "w") as handle:
            json.dump(databases, handle, sort_keys=True)
        domain["servers"][group] = {
            "id": number, "server": server, "host": host, "informixdir": paths["informixdir"],
            "onconfig": f"ONCONFIG.{server}",
            "drives": os.path.join(paths["base"], "drives") if paths["windows"] else None,
            "running": True, "status": "Connected" if state["mode"] == "On-Line" else "Connecting",
            "status_changed": time.time(), "backlog": []}
    roles = {groups[h]: "receiveonly" if h == report else "primary" for h in hosts}
    for name, tables in (("oscc_report", REPORT_TABLES), ("oscc_admin", ADMIN_TABLES)):
        domain["replicate_sets"][name] = [f"rep_{t}" for t in tables]
        for table in tables:
            domain["replicates"][f"rep_{table}"] = {"database": "hppc", "table": table, "participants": dict(roles)}
    with open(path + ".lock", "a"):
        pass
    with open(path, "w") as handle:
        json.dump(domain, handle, indent=1)
    return er_state(root)


def er_state(root):
    """The domain as the simulator keeps it (layout: informix/ifxsim.py, Enterprise Replication)."""
    sim = _ifxsim()
    with sim.Domain(er_domain_path(root), write=False) as domain:
        return domain.state


def er_pump(root):
    """Deliver what can be delivered now, as any simulator invocation in the domain does first."""
    sim = _ifxsim()
    with sim.Domain(er_domain_path(root)) as domain:
        sim.pump(domain.state)


def er_configure(root, sync_seconds_per_replicate=None, check_seconds_per_replicate=None):
    """How long `cdr sync` / `cdr check` take per replicate (seconds, slept outside the domain's lock)."""
    sim = _ifxsim()
    with sim.Domain(er_domain_path(root)) as domain:
        if sync_seconds_per_replicate is not None:
            domain.state["er_sync_seconds_per_replicate"] = float(sync_seconds_per_replicate)
        if check_seconds_per_replicate is not None:
            domain.state["er_check_seconds_per_replicate"] = float(check_seconds_per_replicate)



# ---------------------------------------------------------------- the failover cluster (manual chapter 8)
CLUSTER_NAME = "LAB-CLUSTER"


@functools.cache
def _lab_cluster():
    """The stand-ins' cluster simulation (tests/lab/.../lab_cluster.py), loaded from its file."""
    path = os.path.join(HERE, "collections", "ansible_collections", "ansible", "windows", "plugins", "module_utils",
                        "lab_cluster.py")
    spec = importlib.util.spec_from_file_location("lab_cluster", path)
    lab_cluster = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lab_cluster)
    return lab_cluster


# The cluster's networks (manual §8.8 step 3), in the order the cluster uses them for its own traffic (lowest
# metric first), and the subnet of each; a node's Customer adapter has the node's inventory address.
CLUSTER_NETWORKS = [{"Name": "Private Cluster", "Metric": 1000, "Role": "ClusterOnly", "Address": "10.255.0.0"},
                    {"Name": "Customer", "Metric": 2000, "Role": "ClusterAndClient", "Address": "127.0.1.0"},
                    {"Name": "Switch", "Metric": 3000, "Role": "ClusterAndClient", "Address": "10.254.0.0"}]
# Which Windows Server each node runs: the binding order is read differently on each (docs/cluster.md).
NODE_OS = {"main": "2016", "backup": "2012 R2"}


def node_network(host, release):
    """A node's adapters as §8.8 step 3 wants them: network order Private Cluster, Customer, Switch; TCP/IP binding
    order Customer, Private Cluster, Switch (interface metrics; on 2012 R2 also the registry's Bind, which lists a
    removed adapter too, as Bind can)."""
    number = ESTATE_NAMES[host][1].rsplit(".", 1)[1]
    adapters = [{"name": "Customer", "address": ESTATE_NAMES[host][1], "metric": 10},
                {"name": "Private Cluster", "address": f"10.255.0.{number}", "metric": 20},
                {"name": "Switch", "address": f"10.254.0.{number}", "metric": 30}]
    for index, adapter in enumerate(adapters, 12):
        adapter.update(index=index, guid=f"{{{index:08X}-{int(number):04X}-4000-8000-00155D000000}}")
    system = {"2016": {"caption": "Microsoft Windows Server 2016 Standard", "version": "10.0.14393"},
              "2012 R2": {"caption": "Microsoft Windows Server 2012 R2 Standard", "version": "6.3.9600"}}[release]
    bind = ["\\Device\\" + a["guid"] for a in adapters]
    bind.insert(1, "\\Device\\{0000DEAD-0000-4000-8000-00155D000000}")  # a removed adapter Bind still lists
    return {"os": system, "adapters": adapters, "tcpip_bind": bind}


def set_network(root, host, change):
    """change(the node's network: os, adapters, tcpip_bind) on a lab host, e.g. a wrong binding order."""
    _update_windows(root, host, lambda state: change(state["network"]))


def set_computer_name(root, host, name):
    """The name Win32_ComputerSystem gives on a host (a new server named wrongly)."""
    _update_windows(root, host, lambda state: state.update(computer_name=name))


def set_oscc_version(root, host, version):
    """The DisplayVersion of the OSCC server software's uninstall entry (its patch level, docs/backup.md)."""
    def change(state):
        for entry in state["installed_software"]:
            if entry["DisplayName"].startswith("OpenScape Contact Center"):
                entry["DisplayVersion"] = version
    _update_windows(root, host, change)


def init_cluster(root, hosts=("main", "backup"), owner="main"):
    """<root>/cluster.json: the built Windows hosts as the nodes of one cluster (two nodes and a file share witness,
    NodeAndFileShareMajority as on 2012 R2), every node Up, the HPPC Group and the Cluster Group online on `owner`,
    the networks of CLUSTER_NETWORKS. Each node's windows.json gains the FailoverClusters module and its network
    (node_network, the Windows release of NODE_OS)."""
    nodes = {}
    for number, host in enumerate(hosts, 1):
        nodes[ESTATE_NAMES[host][0]] = {"host": host, "id": number, "clussvc": "Running", "state": "Up",
                                        "drain": "NotInitiated", "forced": False}
        network = node_network(host, NODE_OS.get(host, "2016"))
        _update_windows(root, host, lambda state, network=network: state.update(failover_clustering=True,
                                                                                 network=network))
    owner_name = ESTATE_NAMES[owner][0]
    groups = {name: {"name": name, "owner": owner_name, "state": "Online", "persistent": "Online"}
              for name in ("Cluster Group", "HPPC Group")}
    data = {"name": CLUSTER_NAME, "quorum_type": "NodeAndFileShareMajority", "witness_online": True,
            "nodes": nodes, "groups": groups, "networks": [dict(n) for n in CLUSTER_NETWORKS]}
    with open(_lab_cluster().path(os.path.abspath(root)), "w") as handle:
        json.dump(data, handle, indent=1)


def _change_cluster(root, change):
    """change(cluster data) under the cluster's lock, then the cluster settled; the OSCC services it moves are
    written after the lock is let go (the stand-ins' lock order)."""
    lab_cluster, moved = _lab_cluster(), []
    cluster = lab_cluster.Cluster(os.path.abspath(root))
    try:
        change(cluster.data)
        cluster.settle(lambda host, states: moved.append((host, states)))
        cluster.save()
    except BaseException:
        cluster.close()
        raise
    for host, states in moved:
        def apply(state, states=states):
            for name, value in states.items():
                if name in state["services"]:
                    state["services"][name]["state"] = value
        _update_windows(root, host, apply)


def cluster_state(root):
    """cluster.json after the cluster settled (a partition set with set_reachable takes effect here too)."""
    _change_cluster(root, lambda data: None)
    with open(_lab_cluster().path(os.path.abspath(root))) as handle:
        return json.load(handle)


def set_cluster_network_metric(root, network, metric):
    """A cluster network's metric: the cluster's own traffic prefers the lowest (the network order)."""
    def change(data):
        next(n for n in data["networks"] if n["Name"] == network)["Metric"] = metric
    _change_cluster(root, change)


def set_witness(root, online=True):
    """The file share witness reachable (its vote counts) or not."""
    _change_cluster(root, lambda data: data.update(witness_online=bool(online)))


def reboot_node(root, host):
    """A restart of the node: its cluster service starts normally, without the start parameters of a forced quorum
    (manual §8.7 note); short of votes it stops again."""
    def change(data):
        node = next(v for v in data["nodes"].values() if v["host"] == host)
        node.update(clussvc="Running", state="Up", forced=False, drain="NotInitiated")
    _change_cluster(root, change)


def copy_lab(source, destination):
    """A copy of a built lab at `destination`, as if built there: the files that name the lab's folder (the program
    wrappers, each instance's state, the replication domain) are rewritten to name the copy. Tests copy one lab
    built and backed up once instead of building and backing it up again for each test."""
    import shutil

    source, destination = os.path.abspath(source), os.path.abspath(destination)
    shutil.copytree(source, destination, symlinks=True)  # copy2: times kept, archives keep their age
    old, new = source.encode(), destination.encode()
    for folder, _dirs, files in os.walk(destination):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                content = handle.read()
            if old in content:
                times = os.stat(path)
                with open(path, "wb") as handle:
                    handle.write(content.replace(old, new))
                os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))
    return destination


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["init", "ensure", "dump", "web", "replication", "cluster", "accounts"],
                        help="ensure: init hosts not built yet; web: build web servers (host:platform) and test kits; "
                             "replication: one Enterprise Replication domain of built hosts (host[:server]), the last "
                             "one named report receive-only; cluster: the built hosts as one failover cluster, the "
                             "first owning the groups; accounts: the users hppc and informix and the services of "
                             "manual §6.2 logging on as them, on built hosts (host:server), the passwords lab-only")
    parser.add_argument("--root", required=True)
    parser.add_argument("--host", action="append", required=True,
                        help="host[:server[:platform]], e.g. main:ol_main:windows")
    args = parser.parse_args()
    if args.command == "web":
        import webkit

        for spec in args.host:
            host, platform = (spec.split(":") + ["posix"])[:2]
            init_web_host(args.root, host, platform=platform, sunjava=host == "web-sunjava",
                          exchange="15.0" if host == "exchange" else None)
        webkit.iis_zip(os.path.join(args.root, "HPPCEnterpriseWeb.zip"))
        return
    if args.command == "replication":
        chosen = [(spec.split(":") + [""])[:2] for spec in args.host]
        try:
            init_replication(args.root, [h for h, _s in chosen], servers={h: s for h, s in chosen if s})
        except ValueError as exc:
            parser.error(str(exc))
        return
    if args.command == "accounts":  # lab-only passwords, never a real estate's
        for spec in args.host:
            host, server = (spec.split(":") + [""])[:2]
            init_accounts(args.root, host, server or f"ol_{host}", LAB_PASSWORDS)
        return
    if args.command == "cluster":
        hosts = [spec.split(":")[0] for spec in args.host]
        init_cluster(args.root, hosts, owner=hosts[0])
        return
    for spec in args.host:
        host, server, platform = (spec.split(":") + ["", ""])[:3]
        server = server or f"ol_{host}"
        built = os.path.exists(os.path.join(host_paths(args.root, host)["informixdir"], "sim", f"{server}.json"))
        if args.command == "init" or (args.command == "ensure" and not built):
            init_host(args.root, host, server, platform=platform or "posix")
        elif args.command == "dump":
            print(json.dumps({host: data(args.root, host)}, indent=1))


if __name__ == "__main__":
    main()
