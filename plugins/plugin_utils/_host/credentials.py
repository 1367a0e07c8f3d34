# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: the OSCC and Informix passwords of manual §6.2 (docs/credentials.md): which rules a password must meet, the
# one table of which account each password is and which services log on as it or are stopped for it, the order of
# the change, and the keyed fingerprint that tells a second run the password is already set (Windows never gives a
# password back). Data in, data out; a password never reaches a message.
from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json

HPPC = "hppc"
INFORMIX = "informix"
# The services by key, with the manual's names (§6.2 steps 2a, 3a); {server} is the Informix server (ol_<name>).
SERVICE_NAMES = {
    "oscc": "OpenScape Contact Center",
    "autopa": "OpenScape Contact Center AutoPA",
    "message": "IBM Informix Dynamic Server Message Service",
    "ids": "Informix IDS - {server}",
    "snmp": "Informix Server Discovery Process for SNMP",
}


@dataclasses.dataclass(frozen=True)
class Account:
    """A local user of §6.2 and the services its password concerns."""

    logon: tuple  # services that log on as this user: the password is entered on their Log On tab
    stopped: tuple  # services stopped for the change (the manual's, and OSCC's whenever Informix stops)
    startup_configuration: bool  # also the database-server password of the startup configuration (steps 10-13)
    steps: str  # the manual's steps, for messages and the README


# The one table (§6.2): hppc is the OSCC password, informix the Informix password. Stopping Informix stops OSCC
# first, as every shutdown does (§6.1): OSCC cannot run without its database.
ACCOUNTS = {
    HPPC: Account(logon=("oscc", "autopa"), stopped=("oscc", "autopa"), startup_configuration=False,
                  steps="§6.2 steps 2a-b, 7"),
    INFORMIX: Account(logon=("ids", "snmp"), stopped=("oscc", "autopa", "message", "ids", "snmp"),
                      startup_configuration=True, steps="§6.2 steps 3a-c, 8, 10-13"),
}
STOP_ORDER = ("oscc", "autopa", "message", "ids", "snmp")  # §6.2 steps 2a, 3a: OSCC before Informix
START_ORDER = ("message", "ids", "snmp", "oscc", "autopa")  # §6.2 steps 14, 15: Informix before OSCC
# §6.2: "Das Informix-Kennwort kann maximal 16 Zeichen lang sein und darf keine Leerzeichen enthalten."
INFORMIX_MAX_LENGTH = 16
# Windows refuses longer local passwords (Set-LocalUser: 257 characters, reference §6).
WINDOWS_MAX_LENGTH = 256
MINIMUM_KEY_LENGTH = 16
PENDING = "pending"
CONFIRMED = "confirmed"
RECORD_VERSION = 1


class CredentialsError(ValueError):
    """A password, key or record the change cannot go on with, in one line that never holds a password."""


def password_problem(user: str, password) -> str | None:
    """Why a password cannot be set, naming the rule and never the value; None when it can."""
    option = f"{user}_password"
    if not isinstance(password, str) or password == "":
        return f"{option} must be a non-empty text"
    if any(ord(c) < 32 or ord(c) == 127 for c in password):
        # NUL ends a string on Windows, a line break or tab would be taken for the end of the input
        return f"{option} holds a control character (NUL, line break, tab): not allowed"
    if len(password) > WINDOWS_MAX_LENGTH:
        return f"{option} is {len(password)} characters long; Windows takes at most {WINDOWS_MAX_LENGTH}"
    if user != INFORMIX:
        return None
    if len(password) > INFORMIX_MAX_LENGTH:
        return (f"{option} is {len(password)} characters long; the Informix password may have at most "
                f"{INFORMIX_MAX_LENGTH} (manual §6.2)")
    if any(c.isspace() for c in password):
        return f"{option} contains a space; the Informix password may not (manual §6.2)"
    return None


def key_problem(key) -> str | None:
    if not isinstance(key, str) or len(key.strip()) < MINIMUM_KEY_LENGTH:
        return (f"fingerprint_key must be text of at least {MINIMUM_KEY_LENGTH} characters (keep it in the vault; "
                "the inventory's oscc_manifest_key serves)")
    return None


def service_names(informixserver: str, overrides: dict | None = None) -> dict:
    """Each service key's name on this host: the manual's, the Informix server filled in, or the inventory's."""
    names = {key: name.format(server=informixserver) for key, name in SERVICE_NAMES.items()}
    for key, name in (overrides or {}).items():
        if key not in SERVICE_NAMES:
            raise CredentialsError(f"services: unknown key {key!r}; known: {', '.join(SERVICE_NAMES)}")
        if not isinstance(name, str) or not name.strip() or any(ord(c) < 32 for c in name):
            raise CredentialsError(f"services.{key} must be a service name on one line")
        names[key] = name
    return names


@dataclasses.dataclass(frozen=True)
class Plan:
    """What a change does, in the manual's order."""

    users: tuple  # the users whose password changes (steps 7, 8), in the table's order
    stop: tuple  # service keys to stop first (steps 2a, 3a)
    logon: tuple  # (service key, user): the Log On passwords (steps 2b, 3b, 3c)
    startup_configuration: bool  # the operator's checkpoint (steps 10-13) is due
    start: tuple  # service keys to start afterwards (steps 14, 15)


def plan(users) -> Plan:
    """The change for these users: every service of theirs stopped in the stop order, the Log On passwords, the users,
    then the start order. Users outside the table are refused."""
    unknown = [u for u in users if u not in ACCOUNTS]
    if unknown:
        raise CredentialsError(f"unknown user {unknown[0]!r}; §6.2 changes {HPPC} and {INFORMIX}")
    ordered = tuple(u for u in ACCOUNTS if u in users)
    stopped = {key for u in ordered for key in ACCOUNTS[u].stopped}
    return Plan(users=ordered,
                stop=tuple(k for k in STOP_ORDER if k in stopped),
                logon=tuple((key, u) for u in ordered for key in ACCOUNTS[u].logon),
                startup_configuration=any(ACCOUNTS[u].startup_configuration for u in ordered),
                start=tuple(k for k in START_ORDER if k in stopped))


def started_for(users) -> tuple:
    """The service keys a start brings back for these users, in the start order (§6.2 steps 14, 15)."""
    return plan(users).start


def key_id(key: str) -> str:
    """Names the key without revealing it (a record says which key made its fingerprints)."""
    return hashlib.sha256(b"oscc.admin credentials key:" + key.encode("utf-8")).hexdigest()[:16]


def fingerprint(key: str, host: str, user: str, password: str) -> str:
    """HMAC-SHA256 of the host, the user and the password, keyed by the vault's key: equal for the same password,
    and without the key nobody can test a guess against it (a plain hash could be)."""
    message = json.dumps(["oscc.admin account password", host, user, password], separators=(",", ":"),
                         ensure_ascii=False).encode("utf-8", "surrogatepass")
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def read_record(text: str | None) -> dict:
    """The accounts of a record (user -> entry); empty when there is none. A damaged record is refused: a change
    should not be skipped or repeated on a guess."""
    if not text:
        return {}
    try:
        record = json.loads(text)
    except ValueError:
        raise CredentialsError("the credentials record is not JSON; remove it to change every password again") from None
    if not isinstance(record, dict) or not isinstance(record.get("accounts"), dict):
        raise CredentialsError("the credentials record has no accounts; remove it to change every password again")
    return record["accounts"]


def due(accounts: dict, fingerprints: dict) -> tuple:
    """The users whose recorded fingerprint is not this password's (or who have none), in the table's order."""
    return tuple(u for u in ACCOUNTS if u in fingerprints
                 and (accounts.get(u) or {}).get("fingerprint") != fingerprints[u])


def pending(accounts: dict, users) -> bool:
    """Whether the startup configuration still waits for the operator (a change of these users set it pending)."""
    return any((accounts.get(u) or {}).get("startup_configuration") == PENDING for u in users)


def held_back(accounts: dict, users) -> tuple:
    """The users this run does not change whose earlier change still waits for the startup configuration: OSCC is not
    started before the operator confirmed it with that password (§6.2 steps 10-15)."""
    return tuple(u for u in ACCOUNTS if u not in users
                 and (accounts.get(u) or {}).get("startup_configuration") == PENDING)


def held_back_message(accounts: dict, users) -> str:
    changed = ", ".join(f"{u} (changed {(accounts.get(u) or {}).get('changed', 'earlier')})" for u in users)
    return (f"the password of {changed} still waits for the startup configuration (tcfmain, manual §6.2 steps 10-13); "
            "OSCC is not started before it: enter that password in tcfmain, then run again with "
            "credentials_informix_password and credentials_startup_configuration_done=true")


def reopened(accounts: dict, fingerprints: dict) -> tuple:
    """The users whose password differs from the one still waiting for the startup configuration: the operator's
    confirmation was for that one, so this password opens the checkpoint again."""
    return tuple(u for u in ACCOUNTS if u in fingerprints and ACCOUNTS[u].startup_configuration
                 and (accounts.get(u) or {}).get("startup_configuration") == PENDING
                 and accounts[u].get("fingerprint") != fingerprints[u])


REOPENED = ("this Informix password is not the one that waited for the startup configuration: enter this one in "
            "tcfmain (manual §6.2 steps 10-13), then confirm it")
OSCC_SERVICES = ("oscc", "autopa")
DATABASE_SERVICE = "ids"  # Informix itself; the message and SNMP services do not hold the database


def database_problem(start: tuple, running, names: dict) -> str | None:
    """Why OSCC may not start: its Informix server neither runs nor is started first (§6.1, §6.2 steps 14-15)."""
    if not any(k in OSCC_SERVICES for k in start) or DATABASE_SERVICE in start or DATABASE_SERVICE in running:
        return None
    return (f"{names[DATABASE_SERVICE]} is not running: OSCC is not started without its database (manual §6.1, "
            "§6.2 steps 14-15); start Informix first")


def summary(out: dict, check_mode: bool) -> str:
    """The one line for people; in check mode what a real run would do."""
    labels = (("would set the passwords of", "would stop", "would start") if check_mode
              else ("passwords set", "stopped", "started"))
    values = [", ".join(out[k]) or "none" for k in ("users", "stopped", "started")]
    line = "; ".join(f"{label}: {value}" for label, value in zip(labels, values))
    if out.get("reopened"):
        line += "; " + REOPENED
    if out.get("stops_at_checkpoint"):
        line += "; a real run would stop at the operator's startup configuration checkpoint (§6.2 steps 10-13)"
    elif out["startup_configuration_pending"]:
        line += ("; the startup configuration would wait for the operator (§6.2 steps 10-13)" if check_mode
                 else "; waiting for the startup configuration (§6.2 steps 10-13)")
    return line


def record_text(accounts: dict) -> str:
    return json.dumps({"version": RECORD_VERSION, "accounts": accounts}, indent=1, sort_keys=True) + "\n"


def changed_accounts(accounts: dict, fingerprints: dict, users, key: str, now: str) -> dict:
    """The record after these users' passwords were set: their fingerprints, and the startup configuration pending
    where their password is also the database-server password (§6.2 steps 10-13)."""
    updated = {u: dict(e) for u, e in accounts.items()}
    for user in users:
        entry = {"fingerprint": fingerprints[user], "key_id": key_id(key), "changed": now}
        if ACCOUNTS[user].startup_configuration:
            entry["startup_configuration"] = PENDING
        updated[user] = entry
    return updated


def confirmed_accounts(accounts: dict) -> dict:
    """The record once the operator confirmed the startup configuration."""
    return {u: dict(e, **({"startup_configuration": CONFIRMED} if e.get("startup_configuration") == PENDING else {}))
            for u, e in accounts.items()}


CHECKPOINT = ("the Informix password is also the database-server password of OSCC's startup configuration, a GUI "
              "(tcfmain, tab Administrationsserver, field Kennwort für Datenbankserver; manual §6.2 steps 10-13) "
              "that this collection cannot set: set it on the server, then run again with "
              "credentials_startup_configuration_done=true; until then the services stay stopped")
