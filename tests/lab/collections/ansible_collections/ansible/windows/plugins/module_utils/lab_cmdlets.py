# Lab test equipment: the cmdlets oscc.admin's Windows-only plugins run through the host executor's cmdlet
# operation (plugin_utils/_host/contract.py OPERATIONS["cmdlet"]), each acting on the simulated host's state
# (windows.json) as the real cmdlet does: WebAdministration on the IIS objects, the Exchange Management Shell on
# the organisation, Exchange Online PowerShell on the tenant, Get-ItemProperty on the uninstall entries, ScheduledTasks
# on the tasks win_scheduled_task registered (a started task's saved batch runs detached through the POSIX executor).
# A parameter the real cmdlet does not have is refused as PowerShell refuses it. Standard library only.
from __future__ import annotations

import fnmatch
import importlib.util
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time

# PowerShell's common parameters, and those of a cmdlet that supports ShouldProcess.
COMMON = {"Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ErrorVariable", "WarningVariable",
          "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable"}
SHOULD_PROCESS = {"WhatIf", "Confirm"}
# What a host lacking IIS, the Exchange Management Shell or ExchangeOnlineManagement answers.
NO_IIS = "The term 'Import-Module WebAdministration' failed: IIS is not installed"
NO_SHELL = "the Exchange Management Shell is not on this host"
NO_ONLINE = ("the ExchangeOnlineManagement module is not installed on this host "
             "(Install-Module ExchangeOnlineManagement)")
MODULES = {"webadministration": ("iis", NO_IIS), "exchangeonlinemanagement": ("exchange_online", NO_ONLINE)}
# Modules every simulated Windows server has (Windows Server 2012 and later), by their lower-case name; lab_network.py
# simulates what the replication preflight runs of DnsClient and Microsoft.PowerShell.Management.
BUILT_IN = {"scheduledtasks": "ScheduledTasks", "dnsclient": "DnsClient",
            "microsoft.powershell.management": "Microsoft.PowerShell.Management", "netadapter": "NetAdapter",
            "nettcpip": "NetTCPIP"}
# The Exchange Management Shell's snap-in by major version (2013 and later, 2010, 2007).
SNAPINS = {15: "Microsoft.Exchange.Management.PowerShell.SnapIn", 14: "Microsoft.Exchange.Management.PowerShell.E2010",
           8: "Microsoft.Exchange.Management.PowerShell.Admin"}
NETBIOS = "LAB"
DC = "lab-dc.lab.invalid"
UNINSTALL = "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*"
UNINSTALL_32 = "HKLM:\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*"
APPHOST = "MACHINE/WEBROOT/APPHOST"
RESTRICTION = "system.webServer/security/isapiCgiRestriction"
HANDLERS = "system.webServer/handlers"
STATIC = "system.webServer/staticContent"
FILES = "system.webServer/defaultDocument/files"
# The handlers' accessPolicy flags in the order their values give them (the enum's ToString order).
ACCESS_FLAGS = ("Read", "Write", "Execute", "Source", "Script", "NoRemoteWrite", "NoRemoteRead", "NoRemoteExecute",
                "NoRemoteScript")


class Failure(Exception):
    """A terminating error: the operation fails with this message."""


class NotFound(Failure):
    """A non-terminating error (nothing found): none with -ErrorAction SilentlyContinue or Ignore."""


class Cmdlet:
    def __init__(self, function, source, parameters, should_process, since, parameters_since):
        self.function, self.source, self.should_process = function, source, should_process
        self.parameters, self.since, self.parameters_since = set(parameters), since, parameters_since or {}


TABLE: dict = {}  # name -> [Cmdlet]; a name in two shells (Get-Mailbox) has one per shell


def define(name, source, parameters, should_process=False, since=0, parameters_since=None):
    """source: "core", "module:<name>", "snapin" (the Exchange Management Shell, since a major version) or
    "online" (Exchange Online, after Connect-ExchangeOnline)."""
    def register(function):
        TABLE.setdefault(name, []).append(Cmdlet(function, source, parameters, should_process, since, parameters_since))
        return function
    return register


def plain(value):
    """As the executor's ConvertTo-Plain: null, booleans and numbers stay, collections become lists of text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return str(value)


class Session:
    """One executor run: the modules it imported, the snap-in it added, whether it is connected to Exchange Online."""

    def __init__(self, state):
        self.data = state.data
        self.modules, self.snapins, self.online = set(), set(), False

    def run(self, op):
        """One cmdlet operation's result, as the executor's Invoke-One gives it."""
        try:
            found = self._run(op)
        except Failure as exc:
            return {"op": "cmdlet", "ok": False, "error": str(exc)}
        select = op.get("select")
        rows = [{k: plain(o.get(k)) for k in select} if select else {k: plain(v) for k, v in o.items()} for o in found]
        return {"op": "cmdlet", "ok": True, "objects": rows}

    def _run(self, op):
        if op.get("module"):
            self.import_module(str(op["module"]))
        if op.get("snapin") and str(op["snapin"]).lower() not in self.snapins:
            self.add_snapin(str(op["snapin"]))
        name = str(op.get("name"))
        if not re.fullmatch(r"[A-Za-z]+-[A-Za-z0-9]+", name):
            raise Failure(f"'{name}' is not a cmdlet name")
        command = self.resolve(name)
        given = op.get("parameters") or {}
        allowed = command.parameters | COMMON | (SHOULD_PROCESS if command.should_process else set())
        allowed = {p for p in allowed if self.major() >= command.parameters_since.get(p, 0)}
        params = {}
        for key, value in given.items():
            canonical = next((p for p in allowed if p.lower() == key.lower()), None)
            if canonical is None:
                raise Failure(f"A parameter cannot be found that matches parameter name '{key}'.")
            params[canonical] = value
        try:
            return list(command.function(self, params) or [])
        except NotFound:
            if str(params.get("ErrorAction", "")).lower() in ("silentlycontinue", "ignore"):
                return []
            raise

    def import_module(self, name):
        if name.lower() in BUILT_IN:
            self.modules.add(name.lower())
            return
        needed = MODULES.get(name.lower())
        if needed is None:
            raise Failure(f"The specified module '{name}' was not loaded because no valid module file was found in any "
                          "module directory.")
        if needed[0] not in self.data:
            raise Failure(needed[1])
        self.modules.add(name.lower())

    def has_module(self, name):
        return name.lower() in BUILT_IN or MODULES[name.lower()][0] in self.data

    def registered_snapins(self):
        return [SNAPINS[family(self.major())]] if "exchange" in self.data else []

    def add_snapin(self, name):
        if "exchange" not in self.data:
            raise Failure(NO_SHELL)
        if name.lower() not in [s.lower() for s in self.registered_snapins()]:
            raise Failure(f"The Windows PowerShell snap-in '{name}' is not installed on this computer.")
        self.snapins.add(name.lower())

    def major(self):
        return int(self.data["exchange"]["version"].split(".")[0]) if "exchange" in self.data else 0

    def resolve(self, name):
        for command in TABLE.get(name, []):
            source = command.source
            if source == "core" or (source == "online" and self.online) or \
                    (source == "snapin" and self.snapins and self.major() >= command.since) or \
                    (source.startswith("module:") and self.has_module(source[7:])):
                return command
        raise Failure(f"The term '{name}' is not recognized as the name of a cmdlet, function, script file, or "
                      "operable program. Check the spelling of the name, or if a path was included, verify that the "
                      "path is correct and try again.")


def family(major):
    return 15 if major >= 15 else (14 if major >= 14 else 8)


# ---- core cmdlets ----

@define("Get-ItemProperty", "core", {"Path", "LiteralPath", "Name", "Filter", "Include", "Exclude", "Credential",
                                     "UseTransaction"})
def get_item_property(session, p):
    """The uninstall entries of the programs installed (what Get-OsccVersion reads); the 32-bit view has none."""
    paths = p.get("Path", p.get("LiteralPath"))
    found = []
    for path in paths if isinstance(paths, list) else [paths]:
        if str(path).lower() == UNINSTALL.lower():
            found += [{"DisplayName": e["DisplayName"], "DisplayVersion": e["DisplayVersion"],
                       "PSChildName": f"{{{index:08X}-0000-0000-0000-000000000000}}", "PSPath": UNINSTALL[:-1] + "..."}
                      for index, e in enumerate(session.data.get("installed_software", []))]
        elif str(path).lower() != UNINSTALL_32.lower():
            raise Failure(f"lab stand-in: Get-ItemProperty is simulated for {UNINSTALL} only, not {path}")
    return found


@define("Get-Item", "core", {"Path", "LiteralPath", "Filter", "Include", "Exclude", "Force", "Credential", "Stream",
                             "UseTransaction"})
def get_item(session, p):
    """A file of the host (what the executor selftest reads): Name, Length and FullName of its FileInfo."""
    path = p.get("LiteralPath", p.get("Path"))
    here = _lab_host().to_here(str(path))
    if not os.path.isfile(here):
        raise NotFound(f"Cannot find path '{path}' because it does not exist.")
    return [{"Name": os.path.basename(here), "Length": os.path.getsize(here), "FullName": str(path)}]


@define("Get-Service", "core", {"Name", "DisplayName", "ComputerName", "DependentServices", "RequiredServices",
                                "Include", "Exclude", "InputObject"})
def get_service(session, p):
    """The host's services as win_service keeps them (the lab knows a service by its name only)."""
    if set(p) - {"ErrorAction"}:
        raise Failure("lab stand-in: Get-Service is simulated without parameters only")
    return [{"Name": name, "DisplayName": name, "Status": "Running" if service.get("state") == "running" else "Stopped"}
            for name, service in sorted(session.data.get("services", {}).items())]


@define("Get-Module", "core", {"Name", "ListAvailable", "All", "FullyQualifiedName", "PSEdition", "Refresh"})
def get_module(session, p):
    names = {"webadministration": "WebAdministration", "exchangeonlinemanagement": "ExchangeOnlineManagement",
             **BUILT_IN}
    wanted = str(p.get("Name", "*")).lower()
    shown = session.modules if not p.get("ListAvailable") else {m for m, (key, _msg) in MODULES.items()
                                                                  if key in session.data} | set(BUILT_IN)
    return [{"Name": names[m], "Version": "3.4.0" if m.startswith("exchange") else "1.0.0.0"}
            for m in sorted(shown) if wanted in ("*", m)]


@define("Get-PSSnapin", "core", {"Name", "Registered"})
def get_pssnapin(session, p):
    names = session.registered_snapins() if p.get("Registered") else [s for s in session.registered_snapins()
                                                                        if s.lower() in session.snapins]
    return [{"Name": n, "Version": f"{session.major()}.0.0.0"} for n in names
            if str(p.get("Name", "*")).lower() in ("*", n.lower())]


# ---- WebAdministration (IIS) ----

def xpath_value(text):
    """An XPath 1.0 string literal: '...', "..." or concat() of them."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        if text[0] in text[1:-1]:
            raise Failure(f"Filter: {text} is not an XPath string literal")
        return text[1:-1]
    inner = re.fullmatch(r"concat\((.*)\)", text, re.S)
    if inner:
        pieces = re.findall(r"\s*('[^']*'|\"[^\"]*\")\s*(,|$)", inner.group(1))
        if "".join(p + c for p, c in pieces).replace(" ", "") != inner.group(1).replace(" ", "") or len(pieces) < 2:
            raise Failure(f"Filter: {text} is not an XPath string literal")
        return "".join(p[1:-1] for p, _comma in pieces)
    raise Failure(f"Filter: {text} is not an XPath string literal")


def parse_filter(text):
    """(element path, attribute, value) of a filter: a path, optionally [@attribute=<literal>]."""
    found = re.fullmatch(r"([A-Za-z/.]+?)(?:\[@(\w+)=(.+)\])?", str(text), re.S)
    if not found:
        raise Failure(f"Filter: {text} is not a configuration path")
    path, attribute, literal = found.groups()
    return path, attribute, (xpath_value(literal) if literal is not None else None)


def _iis_check(p):
    if str(p.get("PSPath", "")).upper() != APPHOST:
        raise Failure(f"lab stand-in: only -PSPath {APPHOST} is simulated, not {p.get('PSPath')!r}")


def _access_text(value):
    names = [n.strip() for n in str(value).split(",") if n.strip()]
    return ", ".join(sorted(names, key=lambda n: ACCESS_FLAGS.index(n) if n in ACCESS_FLAGS else 99)) or "None"


def _elements(session, path, location):
    """The entries of a collection as objects, and the state they live in (a dict or list), by element path."""
    iis = session.data["iis"]
    if path == RESTRICTION + "/add":
        return [{"path": e.get("path", k), "allowed": e["allowed"], "description": e.get("description", "")}
                for k, e in iis["isapi_cgi_restrictions"].items()]
    if path == HANDLERS:
        return [{"accessPolicy": _access_text(iis["handlers_access"].get(location, "Read,Script"))}]
    if path == STATIC + "/mimeMap":
        return [{"fileExtension": x, "mimeType": m} for x, m in iis["mime_types"].get(location, {}).items()]
    if path == FILES + "/add":
        return [{"value": d} for d in iis["default_documents"].get(location, [])]
    raise Failure(f"lab stand-in: the configuration path {path} is not simulated")


WEB = {"PSPath", "Filter", "Location"}


SITE = "system.applicationHost/sites/site"
_APPLICATION = re.compile(re.escape(SITE) + r"\[@name=(.+?)\]/application\[@path=(.+)\]", re.S)


def _sites(session, text):
    """The site, or the application of a site, that a filter on sites names: [{name}] or [{path}], or []."""
    iis = session.data["iis"]
    application = _APPLICATION.fullmatch(text)
    if application:  # IIS compares site names and application paths case-insensitively
        site, path = (xpath_value(part).lower() for part in application.groups())
        return [{"path": key.split("|", 1)[1]} for key in iis.get("applications", {})
                if key.lower() == f"{site}|{path}"]
    _path, attribute, value = parse_filter(text)
    if attribute != "name":
        raise Failure(f"lab stand-in: the filter {text} is not simulated")
    return [{"name": name} for name in iis.get("sites", {}) if name.lower() == value.lower()]


@define("Get-WebConfiguration", "module:WebAdministration", WEB | {"Recurse", "Metadata"})
def get_web_configuration(session, p):
    _iis_check(p)
    if str(p.get("Filter", "")).startswith(SITE + "["):
        return _sites(session, p["Filter"])
    path, attribute, value = parse_filter(p.get("Filter", ""))
    found = _elements(session, path, p.get("Location", ""))
    return [e for e in found if attribute is None or str(e.get(attribute)) == value]


@define("Set-WebConfigurationProperty", "module:WebAdministration",
        WEB | {"Name", "Value", "AtElement", "AtIndex", "AtName", "Clr", "Force"}, should_process=True)
def set_web_configuration_property(session, p):
    _iis_check(p)
    iis, location = session.data["iis"], p.get("Location", "")
    path, attribute, value = parse_filter(p.get("Filter", ""))
    name = p.get("Name")
    if path == RESTRICTION + "/add" and attribute == "path" and name in ("allowed", "description"):
        entry = next((e for k, e in iis["isapi_cgi_restrictions"].items() if e.get("path", k) == value), None)
        if entry is None:
            raise Failure(f"Target configuration object '{p['Filter']}' is not found at path '{APPHOST}'.")
        entry[name] = p["Value"] is True or str(p["Value"]).lower() == "true" if name == "allowed" else str(p["Value"])
        return []
    if path == HANDLERS and attribute is None and name == "accessPolicy":
        unknown = [n.strip() for n in str(p["Value"]).split(",") if n.strip() and n.strip() not in ACCESS_FLAGS]
        if unknown:
            raise Failure(f"'{unknown[0]}' is not a valid value for the accessPolicy attribute "
                          f"({', '.join(ACCESS_FLAGS)})")
        iis["handlers_access"][location] = str(p["Value"])
        return []
    raise Failure(f"lab stand-in: Set-WebConfigurationProperty -Filter {p.get('Filter')} -Name {name} is not simulated")


# A collection's state, its entry type and unique key, by the filter an add or remove names.
COLLECTIONS = {RESTRICTION: ("add", "path"), STATIC: ("mimeMap", "fileExtension"), FILES: ("add", "value")}


@define("Add-WebConfigurationProperty", "module:WebAdministration",
        WEB | {"Name", "Value", "AtElement", "AtIndex", "AtName", "Type", "Clr", "Force"}, should_process=True)
def add_web_configuration_property(session, p):
    _iis_check(p)
    iis, location, path = session.data["iis"], p.get("Location", ""), p.get("Filter", "")
    if path not in COLLECTIONS or p.get("Name") != "." or not isinstance(p.get("Value"), dict):
        raise Failure(f"lab stand-in: Add-WebConfigurationProperty -Filter {path} -Name {p.get('Name')} "
                      "is not simulated")
    kind, key = COLLECTIONS[path]
    value = p["Value"]
    unknown = set(value) - {"path": {"path", "allowed", "description", "groupId"},
                            "fileExtension": {"fileExtension", "mimeType"}, "value": {"value"}}[key]
    if unknown or not value.get(key):
        raise Failure(f"Unrecognized attribute '{sorted(unknown)[0] if unknown else key}'")
    existing = [e.get(key) for e in _elements(session, path + "/" + kind, location)]
    if str(value[key]).lower() in [str(e).lower() for e in existing]:
        raise Failure("Filename: \\\\?\\C:\\Windows\\system32\\inetsrv\\config\\applicationHost.config Error: "
                      f"Cannot add duplicate collection entry of type '{kind}' with unique key attribute '{key}' "
                      f"set to '{value[key]}'")
    if path == RESTRICTION:
        iis["isapi_cgi_restrictions"][str(value["path"]).lower()] = {
            "path": value["path"],
            "allowed": value.get("allowed") is True or str(value.get("allowed")).lower() == "true",
            "description": value.get("description", "")}
    elif path == STATIC:
        iis["mime_types"].setdefault(location, {})[value["fileExtension"]] = value.get("mimeType", "")
    else:
        iis["default_documents"].setdefault(location, []).append(value["value"])
    return []


@define("Remove-WebConfigurationProperty", "module:WebAdministration",
        WEB | {"Name", "AtElement", "AtIndex", "AtName", "Clr", "Force"}, should_process=True)
def remove_web_configuration_property(session, p):
    _iis_check(p)
    at = p.get("AtElement")
    if p.get("Filter") != STATIC or p.get("Name") != "." or not isinstance(at, dict) or set(at) != {"fileExtension"}:
        raise Failure(f"lab stand-in: Remove-WebConfigurationProperty -Filter {p.get('Filter')} is not simulated")
    session.data["iis"]["mime_types"].get(p.get("Location", ""), {}).pop(at["fileExtension"], None)
    return []


# ---- the Exchange Management Shell (on-premises) ----

def _org(session):
    return session.data["exchange"]


def _not_found(identity):
    return NotFound(f"The operation couldn't be performed because object '{identity}' couldn't be found on '{DC}'.")


def _sam(key, box):
    return box.get("sam") or key.split("@")[0]


def _identity(key, box):
    """A mailbox's Identity as Exchange shows it: its AD canonical name."""
    return f"{key.split('@')[-1]}/Users/{_sam(key, box)}"


def find_box(boxes, identity):
    """(key, mailbox) by primary address, any of its addresses, SamAccountName or Identity; NotFound otherwise."""
    wanted = str(identity).lower()
    for key, box in boxes.items():
        addresses = [a.split(":", 1)[-1].lower() for a in box.get("email_addresses", [])]
        sam = _sam(key, box).lower()
        if wanted in (key, sam, _identity(key, box).lower(), f"{NETBIOS.lower()}\\{sam}") or wanted in addresses:
            return key, box
    raise _not_found(identity)


def _user(session, identity):
    """DOMAIN\\sam of a mailbox user, as permission entries show it."""
    try:
        key, box = find_box(_org(session)["mailboxes"], identity)
    except NotFound:
        return str(identity)
    return f"{NETBIOS}\\{_sam(key, box)}"


@define("Get-ExchangeServer", "snapin", {"Identity", "Domain", "Status", "DomainController"})
def get_exchange_server(session, p):
    """This host (named as its executor's env operation names it) and an older server of the same organisation."""
    version = _org(session)["version"]
    servers = [{"Name": socket.gethostname(), "AdminDisplayVersion": f"Version {version} (Build 1497.2)"},
               {"Name": "LAB-EXOLD", "AdminDisplayVersion": "Version 14.3 (Build 123.4)"}]
    if "Identity" in p:
        servers = [s for s in servers if s["Name"].lower() == str(p["Identity"]).lower()]
        if not servers:
            raise _not_found(p["Identity"])
    return servers


MAILBOX_READ = {"Identity", "ResultSize", "Filter", "Anr", "OrganizationalUnit", "RecipientTypeDetails", "Database",
                "Server", "DomainController", "ReadFromDomainController", "IgnoreDefaultScope", "Arbitration"}


@define("Get-Mailbox", "snapin", MAILBOX_READ)
def get_mailbox(session, p):
    boxes = _org(session)["mailboxes"]
    chosen = [find_box(boxes, p["Identity"])] if "Identity" in p else list(boxes.items())
    rows = []
    for key, box in chosen:
        target = box.get("forwarding_address")
        forwarding = None
        if target:
            forwarding = _identity(*find_box(boxes, target))
        rows.append({"Identity": _identity(key, box), "SamAccountName": _sam(key, box), "PrimarySmtpAddress": key,
                     "EmailAddresses": list(box["email_addresses"]), "ForwardingAddress": forwarding,
                     "DeliverToMailboxAndForward": bool(box.get("deliver_and_forward", False))})
    return rows


@define("Get-ThrottlingPolicy", "snapin", {"Identity", "Explicit", "Diagnostics", "DomainController"}, since=14)
def get_throttling_policy(session, p):
    policies = _org(session)["throttling_policies"]
    names = [n for n in policies if "Identity" not in p or n.lower() == str(p["Identity"]).lower()]
    if "Identity" in p and not names:
        raise _not_found(p["Identity"])
    return [{"Name": n, "Identity": n, **{k: str(v) for k, v in policies[n].items()}} for n in names]


@define("Get-ThrottlingPolicyAssociation", "snapin", {"Identity", "ResultSize", "DomainController"}, since=15)
def get_throttling_policy_association(session, p):
    key, box = find_box(_org(session)["mailboxes"], p.get("Identity", ""))
    return [{"Identity": _identity(key, box), "ThrottlingPolicyId": _org(session)["associations"].get(key) or None}]


@define("Get-TransportConfig", "snapin", {"Identity", "DomainController"})
def get_transport_config(session, p):
    config = dict(_org(session)["transport"])
    if session.major() < 14:  # Exchange 2007 has no shadow redundancy
        config.pop("ShadowRedundancyEnabled", None)
    return [config]


@define("Get-ImapSettings", "snapin", {"Server", "DomainController"})
def get_imap_settings(session, p):
    return [dict(_org(session)["imap"])]


@define("Get-ReceiveConnector", "snapin", {"Identity", "Server", "DomainController"})
def get_receive_connector(session, p):
    connectors = _org(session)["receive_connectors"]
    names = [n for n in connectors if "Identity" not in p or n.lower() == str(p["Identity"]).lower()]
    if "Identity" in p and not names:
        raise _not_found(p["Identity"])
    return [{"Identity": n, **connectors[n]} for n in names]


@define("Get-ADPermission", "snapin", {"Identity", "User", "Owner", "DomainController"})
def get_ad_permission(session, p):
    key, box = find_box(_org(session)["mailboxes"], p.get("Identity", ""))
    entries = [{"User": "NT AUTHORITY\\SELF", "ExtendedRights": ["Send-As", "Receive-As"], "Deny": False,
                "Identity": _identity(key, box)}]
    entries += [{"User": _user(session, u), "ExtendedRights": ["Send-As"], "Deny": False,
                 "Identity": _identity(key, box)} for u in _org(session)["send_as"].get(key, [])]
    return entries


@define("Get-MailboxPermission", "snapin", {"Identity", "User", "Owner", "DomainController", "ResultSize"})
def get_mailbox_permission(session, p):
    key, box = find_box(_org(session)["mailboxes"], p.get("Identity", ""))
    entries = [{"User": "NT AUTHORITY\\SELF", "AccessRights": ["FullAccess, ReadPermission"], "Deny": False,
                "Identity": _identity(key, box)}]
    entries += [{"User": _user(session, u), "AccessRights": ["FullAccess"], "Deny": False,
                 "Identity": _identity(key, box)} for u in _org(session)["full_access"].get(key, [])]
    return entries


def _add_address(box, add):
    for address in add if isinstance(add, list) else [add]:
        if address.split(":", 1)[-1].lower() not in [a.split(":", 1)[-1].lower() for a in box["email_addresses"]]:
            box["email_addresses"].append(address)


def _email_addresses(box, value):
    """-EmailAddresses: a list replaces them, @{Add=...; Remove=...} changes them."""
    if isinstance(value, dict):
        unknown = set(k.lower() for k in value) - {"add", "remove"}
        if unknown:
            raise Failure("Cannot convert the hashtable to a MultiValuedProperty: "
                          f"the key '{sorted(unknown)[0]}' is not Add or Remove.")
        for k, v in value.items():
            if k.lower() == "add":
                _add_address(box, v)
            else:
                gone = [a.split(":", 1)[-1].lower() for a in (v if isinstance(v, list) else [v])]
                box["email_addresses"] = [a for a in box["email_addresses"] if a.split(":", 1)[-1].lower() not in gone]
    else:
        box["email_addresses"] = list(value if isinstance(value, list) else [value])


@define("Set-Mailbox", "snapin", {"Identity", "EmailAddresses", "ForwardingAddress", "DeliverToMailboxAndForward",
                                  "ThrottlingPolicy", "DomainController"}, should_process=True)
def set_mailbox(session, p):
    boxes = _org(session)["mailboxes"]
    _key, box = find_box(boxes, p.get("Identity", ""))
    if "EmailAddresses" in p:
        _email_addresses(box, p["EmailAddresses"])
    if "ForwardingAddress" in p:
        box["forwarding_address"] = find_box(boxes, p["ForwardingAddress"])[0] if p["ForwardingAddress"] else ""
    if "DeliverToMailboxAndForward" in p:
        box["deliver_and_forward"] = bool(p["DeliverToMailboxAndForward"])
    return []


@define("New-Mailbox", "snapin", {"Name", "Shared", "PrimarySmtpAddress", "UserPrincipalName", "Password", "Database",
                                  "Alias", "DisplayName", "OrganizationalUnit", "DomainController"},
        should_process=True)
def new_mailbox(session, p):
    boxes = _org(session)["mailboxes"]
    address = str(p.get("PrimarySmtpAddress") or f"{p.get('Name')}@lab.invalid")
    try:
        find_box(boxes, address)
    except NotFound:
        boxes[address.lower()] = {"email_addresses": [f"SMTP:{address}"], "forwarding_address": "",
                                  "sam": str(p["Name"])}
        return [{"Identity": _identity(address.lower(), boxes[address.lower()])}]
    raise Failure(f'The proxy address "SMTP:{address}" is already being used by the proxy addresses or '
                  "LegacyExchangeDN. Please choose another proxy address.")


THROTTLING = {"ImapMaxBurst", "ImapRechargeRate", "ImapMaxConcurrency", "ImapCutoffBalance", "DomainController"}


@define("New-ThrottlingPolicy", "snapin", THROTTLING | {"Name", "ThrottlingPolicyScope"}, should_process=True, since=14)
def new_throttling_policy(session, p):
    policies = _org(session)["throttling_policies"]
    if any(n.lower() == str(p["Name"]).lower() for n in policies):
        raise Failure(f"The throttling policy '{p['Name']}' already exists.")
    policies[p["Name"]] = {k: str(v) for k, v in p.items() if k.startswith("Imap")}
    return [{"Identity": p["Name"]}]


@define("Set-ThrottlingPolicy", "snapin", THROTTLING | {"Identity"}, should_process=True, since=14)
def set_throttling_policy(session, p):
    policies = _org(session)["throttling_policies"]
    name = next((n for n in policies if n.lower() == str(p.get("Identity", "")).lower()), None)
    if name is None:
        raise _not_found(p.get("Identity"))
    policies[name].update({k: str(v) for k, v in p.items() if k.startswith("Imap")})
    return []


@define("Set-ThrottlingPolicyAssociation", "snapin", {"Identity", "ThrottlingPolicy", "DomainController"},
        should_process=True, since=15)
def set_throttling_policy_association(session, p):
    org = _org(session)
    key, _box = find_box(org["mailboxes"], p.get("Identity", ""))
    wanted = str(p.get("ThrottlingPolicy", "")).lower()
    name = next((n for n in org["throttling_policies"] if n.lower() == wanted), None)
    if name is None:
        raise Failure(f"Couldn't find the throttling policy '{p.get('ThrottlingPolicy')}'.")
    org["associations"][key] = name
    return []


@define("Set-TransportConfig", "snapin", {"Identity", "ShadowRedundancyEnabled", "HeaderPromotionModeSetting",
                                          "DomainController"}, should_process=True,
        parameters_since={"ShadowRedundancyEnabled": 14})
def set_transport_config(session, p):
    modes = ("MustCreate", "MayCreate", "NoCreate")
    if "HeaderPromotionModeSetting" in p and p["HeaderPromotionModeSetting"] not in modes:
        raise Failure(f"Cannot bind parameter 'HeaderPromotionModeSetting': '{p['HeaderPromotionModeSetting']}' is not "
                      "MustCreate, MayCreate or NoCreate.")
    _org(session)["transport"].update({k: v for k, v in p.items() if k in ("ShadowRedundancyEnabled",
                                                                             "HeaderPromotionModeSetting")})
    return []


@define("Set-ImapSettings", "snapin", {"LoginType", "Server", "DomainController"}, should_process=True)
def set_imap_settings(session, p):
    if "LoginType" in p and p["LoginType"] not in ("PlainTextLogin", "PlainTextAuthentication", "SecureLogin"):
        raise Failure(f"Cannot bind parameter 'LoginType': '{p['LoginType']}' is not a LoginOptions value.")
    _org(session)["imap"].update({k: v for k, v in p.items() if k == "LoginType"})
    return []


@define("Set-ReceiveConnector", "snapin", {"Identity", "AuthMechanism", "PermissionGroups", "DomainController"},
        should_process=True)
def set_receive_connector(session, p):
    connectors = _org(session)["receive_connectors"]
    name = next((n for n in connectors if n.lower() == str(p.get("Identity", "")).lower()), None)
    if name is None:
        raise _not_found(p.get("Identity"))
    if "AuthMechanism" in p:
        connectors[name]["AuthMechanism"] = str(p["AuthMechanism"])
    return []


def _grant(session, table, p, right, given):
    org = _org(session)
    key, box = find_box(org["mailboxes"], p.get("Identity", ""))
    if str(given).replace("-", " ").lower() != right.lower():
        raise Failure(f"lab stand-in: only {right} is simulated, not {given}")
    user = find_box(org["mailboxes"], p.get("User", ""))[0]
    if user not in org[table].setdefault(key, []):
        org[table][key].append(user)
    return [{"Identity": _identity(key, box), "User": _user(session, user)}]


@define("Add-ADPermission", "snapin", {"Identity", "User", "ExtendedRights", "AccessRights", "InheritanceType", "Deny",
                                       "DomainController"}, should_process=True)
def add_ad_permission(session, p):
    return _grant(session, "send_as", p, "Send As", p.get("ExtendedRights"))


@define("Add-MailboxPermission", "snapin", {"Identity", "User", "AccessRights", "InheritanceType", "Deny", "Owner",
                                            "DomainController", "AutoMapping"}, should_process=True)
def add_mailbox_permission(session, p):
    return _grant(session, "full_access", p, "FullAccess", p.get("AccessRights"))


# ---- Exchange Online PowerShell (ExchangeOnlineManagement) ----

def _tenant(session):
    return session.data["exchange_online"]


@define("Connect-ExchangeOnline", "module:ExchangeOnlineManagement",
        {"AppId", "CertificateThumbprint", "Certificate", "CertificateFilePath", "CertificatePassword", "Organization",
         "ShowBanner", "UserPrincipalName", "Credential", "ExchangeEnvironmentName", "ConnectionUri",
         "DelegatedOrganization", "Prefix", "CommandName", "ShowProgress", "SkipLoadingFormatData", "Device",
         "ManagedIdentity", "PageSize"})
def connect_exchange_online(session, p):
    """App-only: the tenant and the app's certificate must match."""
    tenant = _tenant(session)
    app, thumbprint = str(p.get("AppId", "")), str(p.get("CertificateThumbprint", ""))
    if str(p.get("Organization", "")).lower() != tenant["organization"] or \
            tenant["apps"].get(app, "").upper() != thumbprint.upper() or not thumbprint:
        raise Failure(f"AADSTS700016: application {app} with that certificate was not found in the tenant")
    session.online = True
    return []


@define("Disconnect-ExchangeOnline", "module:ExchangeOnlineManagement", {"ConnectionId", "ModulePrefix"},
        should_process=True)
def disconnect_exchange_online(session, p):
    session.online = False
    return []


def _online_box(session, identity):
    boxes = _tenant(session)["mailboxes"]
    try:
        return find_box(boxes, identity)
    except NotFound:
        raise NotFound(f"The operation couldn't be performed because object '{identity}' couldn't be found on "
                       "'LABPR01A001.PROD.OUTLOOK.COM'.") from None


@define("Get-Mailbox", "online", {"Identity", "ResultSize", "Filter", "Anr", "RecipientTypeDetails", "Properties",
                                  "PropertySets", "Archive", "SoftDeletedMailbox"})
def get_online_mailbox(session, p):
    key, box = _online_box(session, p.get("Identity", ""))
    return [{"Identity": key.split("@")[0], "EmailAddresses": list(box["email_addresses"]), "PrimarySmtpAddress": key}]


@define("Get-CASMailbox", "online",
        {"Identity", "ResultSize", "Filter", "Properties", "PropertySets", "ProtocolSettings"})
def get_cas_mailbox(session, p):
    key, box = _online_box(session, p.get("Identity", ""))
    return [{"Identity": key.split("@")[0], "ImapEnabled": box["imap_enabled"],
             "SmtpClientAuthenticationDisabled": box["smtp_client_auth_disabled"]}]


@define("Get-RecipientPermission", "online", {"Identity", "Trustee", "AccessRights", "ResultSize"})
def get_recipient_permission(session, p):
    key, _box = _online_box(session, p.get("Identity", ""))
    entries = [{"Identity": key, "Trustee": "NT AUTHORITY\\SELF", "AccessRights": ["SendAs"]}]
    entries += [{"Identity": key, "Trustee": t, "AccessRights": ["SendAs"]}
                for t in _tenant(session)["send_as"].get(key, [])]
    return [e for e in entries if "Trustee" not in p or e["Trustee"].lower() == str(p["Trustee"]).lower()]


@define("Set-Mailbox", "online", {"Identity", "EmailAddresses", "ForwardingSmtpAddress", "DeliverToMailboxAndForward"},
        should_process=True)
def set_online_mailbox(session, p):
    _key, box = _online_box(session, p.get("Identity", ""))
    if "EmailAddresses" in p:
        _email_addresses(box, p["EmailAddresses"])
    return []


@define("Set-CASMailbox", "online", {"Identity", "ImapEnabled", "PopEnabled", "SmtpClientAuthenticationDisabled"},
        should_process=True)
def set_cas_mailbox(session, p):
    _key, box = _online_box(session, p.get("Identity", ""))
    settings = (("ImapEnabled", "imap_enabled"), ("SmtpClientAuthenticationDisabled", "smtp_client_auth_disabled"))
    for name, key in settings:
        if name in p:
            box[key] = p[name]
    return []


@define("Add-RecipientPermission", "online", {"Identity", "Trustee", "AccessRights"}, should_process=True)
def add_recipient_permission(session, p):
    key, _box = _online_box(session, p.get("Identity", ""))
    if p.get("AccessRights") != "SendAs":
        raise Failure("Cannot bind parameter 'AccessRights': AccessRights accepts only SendAs, "
                      f"got {p.get('AccessRights')}")
    trustees = _tenant(session)["send_as"].setdefault(key, [])
    if str(p["Trustee"]).lower() not in trustees:
        trustees.append(str(p["Trustee"]).lower())
    return [{"Identity": key, "Trustee": p["Trustee"], "AccessRights": ["SendAs"]}]


# ---- ScheduledTasks (Task Scheduler) ----
# The tasks are those win_scheduled_task keeps in windows.json ("scheduled_tasks", key: folder + name); a started
# task's run (its pid and the pid's start time) is kept apart in "scheduled_task_runs", so the task definition
# win_scheduled_task compares stays as it registered it. A run is the host executor on the task's saved batch
# (-BatchFile), as labctl.fire_task runs it, but detached: a session of its own, not waited for.
TASK_RUNS = "scheduled_task_runs"
NO_TASK = "The system cannot find the file specified."
REFUSED = "The operator or administrator has refused the request. (Exception from HRESULT: 0x800710E0)"
TASK_COMMON = {"CimSession", "ThrottleLimit", "AsJob"}


def _lab_host():
    """lab_host beside this file: from the module's payload under Ansible, from the file in the tests (where the real
    collection comes first on the path)."""
    try:
        from ansible_collections.ansible.windows.plugins.module_utils import lab_host
        return lab_host
    except ImportError:
        pass
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lab_host.py")
    spec = importlib.util.spec_from_file_location("lab_host_for_cmdlets", path)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def _split_key(key):
    folder, _, name = key.rpartition("\\")
    return folder + "\\", name


def _not_simulated(p, *names):
    for name in names:
        if name in p:
            raise Failure(f"lab stand-in: -{name} is not simulated")


def _find_task(session, p):
    """The key of the task -TaskName names in -TaskPath (the root folder \\ when not given, as the cmdlets take it)."""
    _not_simulated(p, "InputObject", *TASK_COMMON)
    folder = str(p.get("TaskPath") or "\\")
    wanted = (folder if folder.endswith("\\") else folder + "\\") + str(p.get("TaskName") or "")
    key = next((k for k in session.data.get("scheduled_tasks", {}) if k.lower() == wanted.lower()), None)
    if key is None:
        raise NotFound(NO_TASK)
    return key


def _pid_start(pid):
    """The start time (clock ticks since boot) of a live process, None when it is gone or a zombie."""
    try:
        os.waitpid(pid, os.WNOHANG)  # a run started by this very process (the tests) is reaped here
    except ChildProcessError:
        pass
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] in ("Z", "X") else fields[19]


def _running(session, key):
    run = session.data.get(TASK_RUNS, {}).get(key)
    return bool(run) and _pid_start(run["pid"]) == run["start"]


def _task_state(session, key):
    if session.data["scheduled_tasks"][key].get("enabled") is False:
        return "Disabled"
    return "Running" if _running(session, key) else "Ready"


@define("Get-ScheduledTask", "module:ScheduledTasks", {"TaskName", "TaskPath"} | TASK_COMMON)
def get_scheduled_task(session, p):
    """Tasks by name and folder (wildcards, lists), in every folder when -TaskPath is not given."""
    _not_simulated(p, *TASK_COMMON)
    names = p.get("TaskName", "*")
    folders = p.get("TaskPath", "*")
    names, folders = (v if isinstance(v, list) else [v] for v in (names, folders))
    found = []
    for key in sorted(session.data.get("scheduled_tasks", {})):
        folder, name = _split_key(key)
        if any(fnmatch.fnmatchcase(name.lower(), str(n).lower()) for n in names) and \
                any(fnmatch.fnmatchcase(folder.lower(), str(f).lower()) for f in folders):
            found.append({"TaskName": name, "TaskPath": folder, "State": _task_state(session, key),
                          "Description": session.data["scheduled_tasks"][key].get("description")})
    if not found:
        raise NotFound(f"No MSFT_ScheduledTask objects found with property 'TaskName' equal to '{names[0]}'.  Verify "
                       "the value of the property and retry.")
    return found


@define("Start-ScheduledTask", "module:ScheduledTasks", {"TaskName", "TaskPath", "InputObject"} | TASK_COMMON)
def start_scheduled_task(session, p):
    """Starts a run unless the task is disabled; a running task is left alone (multiple_instances 2, IgnoreNew,
    Task Scheduler's default) or stopped first (3, StopExisting)."""
    key = _find_task(session, p)
    task = session.data["scheduled_tasks"][key]
    if task.get("enabled") is False:
        raise Failure(REFUSED)
    if _running(session, key):
        policy = task.get("multiple_instances", 2)
        if policy == 2:
            return []
        if policy != 3:
            raise Failure(f"lab stand-in: a second run with multiple_instances {policy} is not simulated")
        _stop_run(session, key)
    lab_host = _lab_host()
    words = shlex.split(str((task.get("actions") or [{}])[0].get("arguments", "")).replace("\\", "/"))
    if "-BatchFile" not in words[:-1]:
        raise Failure("lab stand-in: only a task running the host executor on a saved batch (-BatchFile) is simulated")
    with open(lab_host.to_here(words[words.index("-BatchFile") + 1])) as handle:
        batch = lab_host.to_here(json.load(handle))
    runs = os.path.join(lab_host.host_dir(), "task-runs")
    os.makedirs(runs, exist_ok=True)
    base = os.path.join(runs, re.sub(r"[^A-Za-z0-9]+", "_", key).strip("_"))
    with open(base + ".batch.json", "w") as handle:
        json.dump(batch, handle)
    for stale in (base + ".out", base + ".rc"):
        if os.path.exists(stale):
            os.remove(stale)
    executor = os.path.join(os.environ["OSCC_LAB_REPO"], "plugins", "plugin_utils", "_host", "executor_posix.py")
    script = '"$0" "$1" "@$2" > "$3.out" 2>&1; echo $? > "$3.rc"'
    proc = subprocess.Popen(["/bin/sh", "-c", script, sys.executable, executor, base + ".batch.json", base],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, close_fds=True)
    start = None
    for _ in range(100):  # /proc shows the new process at once; a moment's patience all the same
        start = _pid_start(proc.pid)
        if start is not None or os.path.exists(base + ".rc"):
            break
        time.sleep(0.01)
    session.data.setdefault(TASK_RUNS, {})[key] = {"pid": proc.pid, "start": start, "started": time.time(),
                                                   "output": base + ".out", "rc_file": base + ".rc"}
    return []


def _live_children():
    """{parent pid: [child pid]} of the processes alive now (zombies left out)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] not in ("Z", "X"):
                children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def _process_tree(pid):
    """The run's process and all it started, also those in sessions of their own (the executor starts each
    program so): Task Scheduler ends them all, as the job object it runs a task in holds them."""
    children, found, todo = _live_children(), [], [pid]
    while todo:
        found.append(todo.pop())
        todo += children.get(found[-1], [])
    return found


def _freeze_tree(pid):
    """The run's whole tree stopped where it stands, a process started meanwhile included: Task Scheduler ends the
    job object a task runs in, which holds every process the run started, however late."""
    frozen = set()
    while True:
        grown = [p for p in _process_tree(pid) if p not in frozen]
        if not grown:
            return frozen
        for found in grown:
            try:
                os.kill(found, signal.SIGSTOP)
            except (ProcessLookupError, PermissionError):
                pass
        frozen.update(grown)


def _stop_run(session, key):
    run = session.data.get(TASK_RUNS, {}).get(key)
    if not run or not _running(session, key):
        return
    tree = _freeze_tree(run["pid"])
    if session.data.get(LAB_FAULTS, {}).get("stop_task_leaves_children"):
        # fault: the run's own process ends, the programs it started (cdr) run on, as they would outside its job
        spared = {process["ProcessId"] for process in _simulated_processes() if process["ProcessId"] in tree}
        tree -= spared
        for pid in spared:
            os.kill(pid, signal.SIGCONT)
    for pid in tree:  # ended at once, as TerminateJobObject ends them: nothing of the run writes afterwards
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_pid_start(pid) is not None for pid in tree):
        time.sleep(0.02)
    run["stopped"] = time.time()


# ---- processes (Get-CimInstance Win32_Process, Stop-Process) ----
# Only the simulated host's own Informix programs are processes of it: the lab's ifxsim launches (labctl.init) whose
# IFXSIM_DRIVES is this host's. Stop-Process ends none but those, so a test can never end a process of the machine.
LAB_FAULTS = "lab_faults"  # windows.json: faults a test injects, e.g. stop_task_leaves_children
WIN32_NAME_FILTER = re.compile(r"^\s*Name\s*=\s*'([^']*)'\s*$", re.I)


def _simulated_processes():
    """Win32_Process rows (ProcessId, Name, CommandLine) of the simulated host's Informix programs."""
    lab_host = _lab_host()
    drives = os.path.join(lab_host.host_dir(), "drives")
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or _pid_start(int(entry)) is None:
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                argv = [a.decode(errors="replace") for a in handle.read().split(b"\0")[:-1]]
            with open(f"/proc/{entry}/environ", "rb") as handle:
                environ = dict(v.decode(errors="replace").partition("=")[::2] for v in handle.read().split(b"\0") if v)
        except OSError:
            continue
        if len(argv) < 5 or argv[1:3] != ["-S", "-c"] or "import ifxsim" not in argv[3] or \
                environ.get("IFXSIM_DRIVES") != drives:
            continue
        program = lab_host.to_host(os.path.join(environ.get("INFORMIXDIR", ""), "bin", argv[4] + ".exe"))
        found.append({"ProcessId": int(entry), "Name": argv[4] + ".exe",
                      "CommandLine": subprocess.list2cmdline([program] + argv[5:])})
    return found


@define("Get-CimInstance", "core", {"ClassName", "Filter", "Property", "Namespace", "ComputerName", "CimSession",
                                    "Query", "QueryDialect", "KeyOnly", "Shallow", "OperationTimeoutSec",
                                    "ResourceUri", "InputObject"})
def get_cim_instance(session, p):
    if str(p.get("ClassName", "")).lower() != "win32_process" or set(p) - {"ClassName", "Filter", "ErrorAction"}:
        raise Failure("lab stand-in: Get-CimInstance is simulated for -ClassName Win32_Process [-Filter] only")
    wanted = None
    if "Filter" in p:
        match = WIN32_NAME_FILTER.match(str(p["Filter"]))
        if not match:
            raise Failure("lab stand-in: only -Filter \"Name = '<name>'\" is simulated")
        wanted = match.group(1).lower()
    return [row for row in _simulated_processes() if wanted is None or row["Name"].lower() == wanted]


@define("Stop-Process", "core", {"Id", "Name", "InputObject", "Force", "PassThru"}, should_process=True)
def stop_process(session, p):
    _not_simulated(p, "Name", "InputObject", "PassThru")
    ids = p.get("Id") if isinstance(p.get("Id"), list) else [p.get("Id")]
    known = {row["ProcessId"] for row in _simulated_processes()}
    missing = [int(i) for i in ids if int(i) not in known]
    for pid in [int(i) for i in ids if int(i) in known]:  # an id not found does not keep the others running
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and _pid_start(pid) is not None:
            time.sleep(0.02)
    if missing:
        raise NotFound(f"Cannot find a process with the process identifier {missing[0]}.")
    return []


@define("Stop-ScheduledTask", "module:ScheduledTasks", {"TaskName", "TaskPath", "InputObject"} | TASK_COMMON)
def stop_scheduled_task(session, p):
    """Ends the task's running instance and every process it started; a task not running is left as it is."""
    _stop_run(session, _find_task(session, p))
    return []
