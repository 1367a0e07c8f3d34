# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# One rule, and one wording of its error, for the options every module checks alike: ports, e-mail addresses,
# seconds, values written into one line of a file or a console, and the files and names options give.
from __future__ import annotations

import errno
import ipaddress
import os
import re
import stat
import unicodedata

# NTFS and the common POSIX file systems (ext4, XFS) hold at most 255 characters (UTF-16 units on NTFS, bytes on
# POSIX) in one file or folder name.
NAME_MAX = 255
# The longest wait any timeout may ask for: 30 days. The Windows executor keeps a lease's expiry in an Int32 and waits
# in milliseconds; a larger value overflowed there and in Python's waits instead of being refused.
MAX_SECONDS = 30 * 24 * 3600
_LINE_BREAKS = (("\r", "CR"), ("\n", "LF"), ("\0", "NUL"))
# Windows refuses these in a file or folder name, with the control characters 0-31; the device prefixes \\?\ and
# \\.\ are the only place a ? may stand.
WINDOWS_FORBIDDEN = '"<>|?*'
_DEVICE_PREFIXES = ("\\\\?\\", "\\\\.\\")
# Names Windows gives to devices in every folder, with or without an extension: a file so named is the device.
_NUMBERED_DEVICES = [f"{port}{number}" for port in ("COM", "LPT") for number in range(1, 10)]
WINDOWS_DEVICE_NAMES = frozenset(["CON", "PRN", "AUX", "NUL", *_NUMBERED_DEVICES])
_ANY_LINE_BREAK = re.compile("\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_OS_REASONS = {
    errno.ENOENT: "does not exist",
    errno.ENOTDIR: "has a file where a folder should be",
    errno.EISDIR: "is a directory, not a file",
    errno.ENAMETOOLONG: "has a name too long for the file system",
    errno.EACCES: "is not accessible (permission denied)",
    errno.EPERM: "is not accessible (operation not permitted)",
    errno.ELOOP: "has too many levels of symbolic links",
    errno.EROFS: "is on a read-only file system",
    errno.ENOSPC: "cannot be written: no space left on the device",
}


def _items(values):
    return values.items() if hasattr(values, "items") else values


def _elements(option, value):
    """(name for the error, value) of an option, or of each element of a list option (chunks[0], ...)."""
    if isinstance(value, (list, tuple)):
        return [(f"{option}[{index}]", element) for index, element in enumerate(value)]
    return [(option, value)]


def port_problem(values):
    """The error for the first of `values` (option name -> port, None when not given) outside 1-65535, else None."""
    for option, value in values.items():
        if isinstance(value, bool):  # Python's True is 1: port true would mean port 1
            return f"{option} must be a port number (1-65535), got the boolean {value}"
        if value is not None and not 1 <= value <= 65535:
            return f"{option} must be between 1 and 65535, got {value}"
    return None


# A host name as DNS and RFC 1123 take it: labels of letters, digits and inner hyphens, each 1-63 long, 253 in all.
_HOST_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def host_problem(option, value):
    """The error when `value` is neither a host name (RFC 1123) nor an IPv4 or IPv6 address, else None."""
    text = str(value)
    try:
        ipaddress.ip_address(text)
        return None
    except ValueError:
        pass
    name = text[:-1] if text.endswith(".") else text  # a fully qualified name may end in the root's dot
    labels = name.split(".")
    # a last label of digits alone is a mistyped address (10.0.0.256), never a top-level domain
    if 0 < len(name) <= 253 and all(_HOST_LABEL.fullmatch(label) for label in labels) and not labels[-1].isdigit():
        return None
    return (f"{option} must be a host name (letters, digits and hyphens in dot-separated labels of at most 63, "
            f"253 in all) or an IP address, got {text!r}")


# An Informix server name (DBSERVERNAME, INFORMIXSERVER): a lower-case letter, then lower-case letters, digits and _,
# at most 128 characters (Informix Administrator's Reference, DBSERVERNAME).
INFORMIX_SERVER_NAME = re.compile(r"[a-z][a-z0-9_]{0,127}")


def informix_server_problem(values):
    """The error for the first of `values` (option -> name, None when not given) that is no Informix server name."""
    for option, value in _items(values):
        if value is not None and not (isinstance(value, str) and INFORMIX_SERVER_NAME.fullmatch(value)):
            return (f"{option} must be an Informix server name (a lower-case letter, then lower-case letters, digits "
                    f"and _, at most 128 characters), got {value!r}")
    return None


# One e-mail address: a local part and a domain, without blanks, control characters or <>,; (a display name or a
# second address would ride along; a line break and Bcc: a header of its own).
_ADDRESS = re.compile(r"[^\s\x00-\x1f\x7f<>,;]+@[^\s\x00-\x1f\x7f<>,;@]+")


def address_problem(values):
    """The error for the first of `values` (option name -> address, None when not given) that is not one e-mail
    address; a line break gets the words of line_value_problem."""
    for option, value in values.items():
        if value is None:
            continue
        problem = line_value_problem({option: value})
        if problem:
            return problem
        if not _ADDRESS.fullmatch(str(value)):
            return f"{option} must be an e-mail address, got {value!r}"
    return None


def empty_problem(values):
    """The error for the first of `values` (option name -> text, None when not given) that is empty or blank."""
    for option, value in values.items():
        if value is not None and not str(value).strip():
            return f"{option} must not be empty, got {value!r}"
    return None


def url_problem(values):
    """The error for the first of `values` (option name -> URL, None when not given) that is no http(s) URL."""
    for option, value in values.items():
        if value is None:
            continue
        found = re.fullmatch(r"https?://([^/?#\s]+)[^\s]*", str(value))
        if not found or not found.group(1).rsplit("@", 1)[-1].split(":")[0]:
            return f"{option} must be an https:// or http:// URL with a host, got {value!r}"
    return None


def scalar_problem(values):
    """The error for the first of `values` (option name -> value, or (name, value) pairs) that is not one value to
    write as text (a string, number or boolean): a list or mapping would be written as Python's repr, null as
    nothing."""
    for option, value in _items(values):
        if value is None:
            return f"{option} has no value (null); give the text to write, '' for an empty value"
        if not isinstance(value, (str, int, float, bool)):
            kind = "a list" if isinstance(value, (list, tuple)) else ("a mapping" if isinstance(value, dict)
                                                                      else type(value).__name__)
            return f"{option} must be one value (text, a number or a boolean), got {kind}: {value!r}"
    return None


def seconds_problem(values):
    """The error for the first of `values` (option name -> seconds, None when not given) below 1 or above
    MAX_SECONDS, else None."""
    for option, value in values.items():
        if value is not None and value < 1:
            return f"{option} must be a positive number of seconds, got {value}"
        if value is not None and value > MAX_SECONDS:
            return f"{option} must be at most {MAX_SECONDS} seconds (30 days), got {value}"
    return None


def line_value_problem(values, secret=()):
    """The error for the first of `values` (option name -> value, or (name, value) pairs; None when not given) that
    holds a CR, LF or NUL, else None. Written into a line of an INI, notes.ini, .properties or password file, sent
    as a console command or answered to a prompt, such a value would end its line and start another key or command.
    The value of an option in `secret` is not shown."""
    for option, value in _items(values):
        if value is None:
            continue
        text = str(value)
        found = [name for char, name in _LINE_BREAKS if char in text]
        if found:
            shown = "" if option in secret else f", got {text!r}"
            return f"{option} must be one line without CR, LF or NUL characters ({' and '.join(found)} found){shown}"
    return None


def name_problem(values, windows=False):
    """The error for the first of `values` (option name -> path or list of paths, None when not given) with a file or
    folder name longer than the file system holds (NAME_MAX), else None."""
    for option, value in values.items():
        for where, path in _elements(option, value if value is not None else []):
            for part in re.split(r"[\\/]" if windows else "/", str(path)):
                size = len(part.encode("utf-16-le")) // 2 if windows else len(part.encode("utf-8", "surrogateescape"))
                if size > NAME_MAX:
                    return (f"{where} holds a name of {size} characters, longer than the {NAME_MAX} a file system "
                            f"allows: {part[:40]}...")
    return None


def windows_path_problem(values):
    """The error for the first of `values` (option name -> path or list of paths, None when not given) with a
    character Windows forbids in a file or folder name, else None. Without it, the host would fail on the first
    folder it makes, perhaps after the server was touched. A line break gets the words of line_value_problem."""
    for option, value in _items(values):
        for where, path in _elements(option, value if value is not None else []):
            problem = line_value_problem([(where, path)])
            if problem:
                return problem
            text = str(path)
            text = next((text[len(p):] for p in _DEVICE_PREFIXES if text.startswith(p)), text)
            found = sorted({char for char in text if ord(char) < 32 or char in WINDOWS_FORBIDDEN})
            if found:
                return (f"{where} holds {''.join(found)!r}, which Windows forbids in a file or folder name "
                        f"(control characters and {WINDOWS_FORBIDDEN}), got {str(path)!r}")
            problem = _windows_name_problem(where, path, text)
            if problem:
                return problem
    return None


def _unc_problem(where, path, text):
    """A share path (\\\\server\\share, also after \\\\?\\UNC\\ or \\\\.\\UNC\\) whose server or share is empty, '.'
    or '..': it names no share, or another one than it seems. text: the path without its device prefix."""
    original = str(path)
    if original.startswith(("\\\\", "//")) and not original.startswith(_DEVICE_PREFIXES):
        rest = text[2:]
    elif text.lstrip("\\/")[:4].upper() in ("UNC\\", "UNC/"):
        rest = text.lstrip("\\/")[4:]
    else:
        return None
    names = (re.split(r"[\\/]", rest) + ["", ""])[:2]
    if any(name in ("", ".", "..") for name in names):
        return f"{where} names no share: its server or share is empty, '.' or '..', got {original!r}"
    return None


def _windows_name_problem(where, path, text):
    """A folder or file name of the path (its drive, '.' and '..' aside) that Windows takes for a device (CON, NUL.txt)
    or changes (a trailing dot or space is stripped, so 'b. ' is written as 'b'), or a ':' past the drive (a stream
    such as '::$INDEX_ALLOCATION', or a drive-relative 'D:x'), else None."""
    problem = _unc_problem(where, path, text)
    if problem:
        return problem
    for index, part in enumerate(re.split(r"[\\/]", text)):
        if part in ("", ".", "..") or index == 0 and re.fullmatch(r"[A-Za-z]:", part):
            continue
        if ":" in part:
            return (f"{where} holds {part!r}: a ':' past the drive names a stream or a drive-relative path, got "
                    f"{str(path)!r}")
        if part.split(".")[0].rstrip(" ").upper() in WINDOWS_DEVICE_NAMES:
            return (f"{where} holds {part!r}, a name Windows reserves for a device (CON, PRN, AUX, NUL, COM1-9, "
                    f"LPT1-9, with any extension), got {str(path)!r}")
        if part.endswith((".", " ")):
            return (f"{where} holds {part!r}, a name ending in a dot or space, which Windows strips, got "
                    f"{str(path)!r}")
    return None


def posix_path_problem(values):
    """The error for the first of `values` (option name -> path or list of paths, None when not given) with a NUL
    character, which no POSIX path can hold, else None."""
    for option, value in _items(values):
        for where, path in _elements(option, value if value is not None else []):
            if "\0" in str(path):
                return f"{where} holds a NUL character, which no file or folder name can hold, got {str(path)!r}"
    return None


def identifier_problem(values, forbidden=None):
    """The error for the first of `values` (option name -> name or list of names, None when not given) that reaches
    a host as a name (an Informix server, a service, an account) and holds a control character, or one of the
    characters `forbidden` (option name -> characters) gives it, else None."""
    for option, value in _items(values):
        extra = (forbidden or {}).get(option, "")
        for where, name in _elements(option, value if value is not None else []):
            text = str(name)
            if any(unicodedata.category(char) == "Cc" or char in extra for char in text):
                without = "control characters" + (f" or any of {extra}" if extra else "")
                return f"{where} must be a name without {without}, got {text!r}"
    return None


def one_line(message):
    """A message as one line: each line break left in it (a value shown as it was given), as str.splitlines counts
    them, becomes its escape as text (\\n, \\r\\n, \\x85, ...)."""
    return _ANY_LINE_BREAK.sub(lambda found: repr(found.group())[1:-1], str(message))


def _reason(exc):
    return _OS_REASONS.get(exc.errno) or (exc.strerror or str(exc)).lower()


def os_error_problem(option, path, exc):
    """One line for an OSError met on the file or folder an option names."""
    return f"{option} {path} {_reason(exc)}"


def file_problem(option, path):
    """The error when the file an option names is not an existing, readable regular file, else None."""
    try:
        info = os.stat(path)
    except (OSError, ValueError) as exc:
        if isinstance(exc, OSError):
            return os_error_problem(option, path, exc)
        return f"{option} {path!r} holds a NUL character"
    if stat.S_ISDIR(info.st_mode):
        return f"{option} {path} is a directory, not a file"
    if not stat.S_ISREG(info.st_mode):
        return f"{option} {path} is not a regular file"
    if not os.access(path, os.R_OK):
        return f"{option} {path} is not readable"
    return None


def dest_problem(option, path, folder_may_be_missing=False):
    """The error when no file can be written where an option says: the path is a directory, its folder does not
    exist (unless `folder_may_be_missing`: in check mode, where the task that makes it did not run) or is a file, or
    a name is too long; else None (an existing file may be replaced)."""
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        info = None  # its folder says why
    except (OSError, ValueError) as exc:
        if isinstance(exc, OSError):
            return os_error_problem(option, path, exc)
        return f"{option} {path!r} holds a NUL character"
    if info is not None:
        return f"{option} {path} is a directory, not a file" if stat.S_ISDIR(info.st_mode) else None
    folder = os.path.dirname(os.path.abspath(path))
    try:
        folder_info = os.stat(folder)
    except FileNotFoundError:
        return None if folder_may_be_missing else f"{option} {path}: its folder {folder} does not exist"
    except OSError as exc:
        return f"{option} {path}: its folder {folder} {_reason(exc)}"
    if not stat.S_ISDIR(folder_info.st_mode):
        return f"{option} {path}: {folder} is a file, not a folder"
    return None
