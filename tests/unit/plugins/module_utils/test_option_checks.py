"""The collection's one rule each for ports, e-mail addresses, seconds, one-line values, names and files."""
import pytest

from ansible_collections.oscc.admin.plugins.module_utils._option_checks import (
    address_problem,
    dest_problem,
    file_problem,
    host_problem,
    identifier_problem,
    informix_server_problem,
    line_value_problem,
    name_problem,
    one_line,
    port_problem,
    seconds_problem,
    windows_path_problem,
)


@pytest.mark.parametrize("values, problem", [
    ({"port": 1, "tls_port": 65535, "other": None}, None),
    ({"port": 0}, "port must be between 1 and 65535, got 0"),
    ({"port": 80, "tls_port": 65536}, "tls_port must be between 1 and 65535, got 65536"),
    ({"a": -1, "b": 70000}, "a must be between 1 and 65535, got -1"),
])
def test_the_first_port_outside_the_range_is_named(values, problem):
    assert port_problem(values) == problem


@pytest.mark.parametrize("values, problem", [
    ({"port": True}, "port must be a port number (1-65535), got the boolean True"),  # True == 1 in Python
    ({"smtp_port": 25, "imap_port": False}, "imap_port must be a port number (1-65535), got the boolean False"),
])
def test_a_boolean_is_no_port(values, problem):
    assert port_problem(values) == problem


@pytest.mark.parametrize("value", ["oscc.example.com", "oscc.example.com.", "OSCC-1", "10.0.0.5", "::1",
                                   "fe80::1", "a" * 63 + ".example", "xn--dz-uja.example"])
def test_a_host_name_or_an_address_is_taken(value):
    assert host_problem("address", value) is None


@pytest.mark.parametrize("value", ["host.example\x0bx", "oscc&x.example", "%COMPUTERNAME%.example", 'a"b.example',
                                   "..\\..\\x", " host.example", "host.example ", "a" * 300, "a" * 64 + ".example",
                                   "-oscc.example", "oscc..example", "", "10.0.0.256"])
def test_what_is_no_host_name_is_refused_naming_the_option(value):
    problem = host_problem("address", value)
    assert problem.startswith("address must be a host name") and repr(value) in problem


@pytest.mark.parametrize("value", ["ol_main", "o", "ol_main_2", "a" * 128, None])
def test_an_informix_server_name_is_taken(value):
    assert informix_server_problem({"informixserver": value}) is None


@pytest.mark.parametrize("value", ["ol_main ", "OL_MAIN", "ol_m\u00e4in", "ol_main:stream", "..\\..\\Windows\\x",
                                   "x" * 129, "1ol", "_ol", "ol-main", "", 5])
def test_what_is_no_informix_server_name_is_refused_naming_the_option(value):
    problem = informix_server_problem({"informixserver": value})
    assert problem.startswith("informixserver must be an Informix server name") and repr(value) in problem


@pytest.mark.parametrize("values, problem", [
    ({"account": "oscc@x.example", "report_sender": None}, None),
    ({"account": "oscc"}, "account must be an e-mail address, got 'oscc'"),
    ({"account": "a@x", "report_sender": "reports"}, "report_sender must be an e-mail address, got 'reports'"),
])
def test_the_first_option_that_is_no_address_is_named(values, problem):
    assert address_problem(values) == problem


@pytest.mark.parametrize("values, problem", [
    ({"timeout": 1, "other": None}, None),
    ({"timeout": 0}, "timeout must be a positive number of seconds, got 0"),
    ({"timeout": 30, "connect_timeout": -5}, "connect_timeout must be a positive number of seconds, got -5"),
])
def test_the_first_option_below_one_second_is_named(values, problem):
    assert seconds_problem(values) == problem


@pytest.mark.parametrize("values, problem", [
    ({"address": "oscc-cluster.example", "port": 6021, "other": None}, None),
    ({"address": "x\nPassword=evil"}, "address must be one line without CR, LF or NUL characters (LF found), "
                                      "got 'x\\nPassword=evil'"),
    ({"a": "ok", "b": "x\r\n"}, "b must be one line without CR, LF or NUL characters (CR and LF found), got 'x\\r\\n'"),
    ([("properties.a", "1"), ("a key of properties", "k\0")],
     "a key of properties must be one line without CR, LF or NUL characters (NUL found), got 'k\\x00'"),
])
def test_the_first_value_that_would_start_a_new_line_is_named(values, problem):
    assert line_value_problem(values) == problem


def test_a_secret_value_is_not_shown():
    problem = line_value_problem({"admin_password": "s3cret\nwadm_user=x"}, secret=("admin_password",))
    assert problem == "admin_password must be one line without CR, LF or NUL characters (LF found)"


def test_a_name_longer_than_the_file_system_holds_is_named():
    assert name_problem({"dest": "C:\\inetpub\\" + "A" * 255, "src": None}, windows=True) is None
    assert name_problem({"dest": "C:\\inetpub\\" + "A" * 256}, windows=True).startswith(
        "dest holds a name of 256 characters, longer than the 255 a file system allows: AAAA")
    assert name_problem({"path": "/srv/" + "\u00e9" * 128}).startswith("path holds a name of 256 characters")
    assert name_problem({"path": "/srv/a\\" + "b" * 250}) is None  # a backslash is part of a POSIX name


def test_file_problems_are_named(tmp_path):
    (tmp_path / "key.json").write_text("{}")
    assert file_problem("ca_file", str(tmp_path / "key.json")) is None
    assert file_problem("ca_file", str(tmp_path)) == f"ca_file {tmp_path} is a directory, not a file"
    assert file_problem("ca_file", str(tmp_path / "nope")) == f"ca_file {tmp_path}/nope does not exist"
    assert file_problem("ca_file", str(tmp_path / "key.json" / "x")) == \
        f"ca_file {tmp_path}/key.json/x has a file where a folder should be"
    assert file_problem("ca_file", str(tmp_path / ("n" * 300))).endswith("has a name too long for the file system")


def test_destination_problems_are_named(tmp_path):
    (tmp_path / "file").write_text("x")
    assert dest_problem("path", str(tmp_path / "new.war")) is None
    assert dest_problem("path", str(tmp_path / "file")) is None  # replaced
    assert dest_problem("path", str(tmp_path)) == f"path {tmp_path} is a directory, not a file"
    assert dest_problem("path", str(tmp_path / "nodir" / "x.war")) == \
        f"path {tmp_path}/nodir/x.war: its folder {tmp_path}/nodir does not exist"
    assert dest_problem("path", str(tmp_path / "nodir" / "x.war"), folder_may_be_missing=True) is None  # check mode
    assert dest_problem("path", str(tmp_path / "file" / "x.war")) == \
        f"path {tmp_path}/file/x.war: {tmp_path}/file is a file, not a folder"
    assert dest_problem("path", str(tmp_path / ("n" * 300))) == \
        f"path {tmp_path}/{'n' * 300} has a name too long for the file system"


@pytest.mark.parametrize("values, problem", [
    ({"destination": "D:\\OSCC-Backups\\a b", "other": None}, None),
    ({"destination": "\\\\?\\D:\\OSCC-Backups", "dest": "\\\\.\\pipe\\x", "unc": "\\\\srv\\share\\x"}, None),
    ({"destination": "D:\\OSCC-Backups\\a\nb"}, "destination must be one line without CR, LF or NUL characters "
     "(LF found), got 'D:\\\\OSCC-Backups\\\\a\\nb'"),
    ({"destination": "D:\\OSCC-Backups\\a\x01b"}, "destination holds '\\x01', which Windows forbids in a file or "
     "folder name (control characters and \"<>|?*), got 'D:\\\\OSCC-Backups\\\\a\\x01b'"),
    ({"destination": 'D:\\x\\a"b'}, "destination holds '\"', which Windows forbids"),
    ({"path": "D:\\x?\\y*", "other": "D:\\<"}, "path holds '*?', which Windows forbids"),
    ({"path": "\\\\?\\D:\\x?"}, "path holds '?', which Windows forbids"),  # only the prefix may hold one
    ({"path": "D:\\tab\there"}, "path holds '\\t', which Windows forbids"),
    ({"chunks": ["D:\\ok.000", "D:\\x\n.000"]}, "chunks[1] must be one line without CR, LF or NUL"),
])
def test_the_first_path_with_a_character_windows_forbids_is_named(values, problem):
    found = windows_path_problem(values)
    assert found == problem if problem is None else problem in found and "\n" not in found


DEVICE = "a name Windows reserves for a device (CON, PRN, AUX, NUL, COM1-9, LPT1-9, with any extension)"
STRIPPED = "a name ending in a dot or space, which Windows strips"


@pytest.mark.parametrize("values, problem", [
    ({"destination": "D:\\CON"}, f"destination holds 'CON', {DEVICE}, got 'D:\\\\CON'"),
    ({"destination": "D:\\b. "}, f"destination holds 'b. ', {STRIPPED}, got 'D:\\\\b. '"),
    ({"destination": "D:\\b."}, f"destination holds 'b.', {STRIPPED}"),
    ({"path": "D:\\x\\nul.txt\\y"}, f"path holds 'nul.txt', {DEVICE}"),
    ({"path": "D:\\x\\Com7"}, f"path holds 'Com7', {DEVICE}"),
    ({"path": "D:\\x\\LPT1 .log"}, f"path holds 'LPT1 .log', {DEVICE}"),
    ({"path": "\\\\srv\\share\\aux"}, f"path holds 'aux', {DEVICE}"),
    ({"path": "\\\\?\\D:\\prn"}, f"path holds 'prn', {DEVICE}"),
    ({"chunks": ["D:\\ok.000", "D:\\x \\c.000"]}, f"chunks[1] holds 'x ', {STRIPPED}"),
    ({"destination": "D:\\CONSOLE\\COM10\\LPT\\.\\..\\x\\", "unc": "\\\\?\\UNC\\srv\\share\\x"}, None),
    ({"destination": "D:/x/COM1/"}, f"destination holds 'COM1', {DEVICE}"),
])
def test_a_path_with_a_name_windows_takes_for_a_device_or_strips_is_named(values, problem):
    """Issue 19 review: D:\\CON and D:\\b. were accepted and written (as the console device, as D:\\b)."""
    found = windows_path_problem(values)
    assert found == problem if problem is None else problem in found and "\n" not in found


@pytest.mark.parametrize("values, forbidden, problem", [
    ({"informixserver": "ol_main", "services": ["OpenScape Contact Center"], "none": None}, None, None),
    ({"task_username": "O'Brien"}, {"task_username": '"'}, None),
    ({"informixserver": "ol_main\nx"}, None,
     "informixserver must be a name without control characters, got 'ol_main\\nx'"),
    ({"services": ["OpenScape Contact Center", "x\x7f"]}, None,
     "services[1] must be a name without control characters"),
    ({"task_username": 'a"b'}, {"task_username": '"'},
     "task_username must be a name without control characters or any of \", got 'a\"b'"),
    ({"task_username": "SYSTEM\nx"}, {"task_username": '"'}, "task_username must be a name without control"),
])
def test_the_first_name_with_a_control_character_is_named(values, forbidden, problem):
    found = identifier_problem(values, forbidden)
    assert found == problem if problem is None else problem in found and "\n" not in found


@pytest.mark.parametrize("message, line", [
    ("one line", "one line"),
    ("a\nb", "a\\nb"),
    ("a\r\nb\rc", "a\\r\\nb\\rc"),
    ("a\u2028b\x85c\x0bd", "a\\u2028b\\x85c\\x0bd"),
])
def test_a_message_becomes_one_line(message, line):
    assert one_line(message) == line and len(one_line(message).splitlines()) == 1


NO_SHARE = "names no share: its server or share is empty, '.' or '..'"


@pytest.mark.parametrize("values, problem", [
    ({"destination": "\\\\..\\..\\escape"}, f"destination {NO_SHARE}"),
    ({"destination": "\\\\nas\\..\\x"}, f"destination {NO_SHARE}"),
    ({"destination": "\\\\nas"}, f"destination {NO_SHARE}"),
    ({"destination": "\\\\?\\UNC\\.\\oscc"}, f"destination {NO_SHARE}"),
    ({"destination": "//nas//x"}, f"destination {NO_SHARE}"),
    ({"destination": "\\\\.\\UNC\\..\\oscc"}, f"destination {NO_SHARE}"),
    ({"destination": "\\\\backupsrv\\oscc::$INDEX_ALLOCATION"}, "destination holds 'oscc::$INDEX_ALLOCATION': a ':'"),
    ({"destination": "D:..\\x"}, "destination holds 'D:..': a ':' past the drive"),
    ({"destination": "D:x"}, "destination holds 'D:x'"),
    ({"destination": "\\\\backupsrv\\oscc\\x", "other": "\\\\?\\UNC\\backupsrv\\oscc", "d": "\\\\?\\D:\\x"}, None),
])
def test_a_share_path_that_names_no_share_a_device_path_or_a_stream_is_named(values, problem):
    """Issue 19 second review: \\\\..\\..\\x wrote outside the share; \\\\.\\UNC\\ and ::$INDEX_ALLOCATION spell the
    destination itself past the safety folder's check."""
    found = windows_path_problem(values)
    assert found == problem if problem is None else problem in found and "\n" not in found
