"""The .properties editor: java.util.Properties reading rules, edits that leave the rest alone."""
import pytest

from ansible_collections.oscc.admin.plugins.module_utils import _properties as props

SAMPLE = (
    "# OSCC web components\r\n"
    "servlet.name=/HPPC/hppcwebchat\r\n"
    "socket.server.name : oldhost   \r\n"
    "socket.server.port 6021\r\n"
    "! legacy\r\n"
    "long.value = first \\\r\n"
    "    second\r\n"
    "socket.server.port=6099\r\n"
)


def test_parse_follows_java_rules():
    values = props.parse(SAMPLE)
    assert values["servlet.name"] == "/HPPC/hppcwebchat"
    assert values["socket.server.name"] == "oldhost   "
    assert values["long.value"] == "first second"
    assert values["socket.server.port"] == "6099"  # the last occurrence wins
    assert props.parse("a\\ b=c\\u00e9\\t\n") == {"a b": "c\u00e9\t"}


def test_set_rewrites_only_the_effective_line_with_its_own_separator():
    new, changes = props.set_properties(SAMPLE, {"socket.server.name": "oscc-cluster", "socket.server.port": 6021,
                                                 "servlet.name": "/HPPC/hppcwebchat"})
    assert changes == {"socket.server.name": ("oldhost   ", "oscc-cluster"), "socket.server.port": ("6099", "6021")}
    assert new == SAMPLE.replace("socket.server.name : oldhost   ", "socket.server.name : oscc-cluster").replace(
        "socket.server.port=6099", "socket.server.port=6021")
    assert props.set_properties(new, {"socket.server.port": "6021"}) == (new, {})


def test_continued_lines_are_replaced_whole_and_missing_keys_appended():
    new = props.set_properties(SAMPLE, {"long.value": "one", "socket.webchat.ssl": "true"})[0]
    assert "    second" not in new and "long.value = one\r\n" in new
    assert new.endswith("socket.webchat.ssl=true\r\n")


@pytest.mark.parametrize("value, stored", [(" lead", "\\ lead"), ("C:\\x", "C:\\\\x"), ("\u20ac", "\\u20ac"),
                                           ("caf\u00e9", "caf\u00e9")])
def test_values_are_escaped_and_read_back(value, stored):
    new = props.set_properties("", {"k": value})[0]
    assert new == f"k={stored}\n" and props.parse(new) == {"k": value}


def test_characters_beyond_utf16_units_are_written_as_surrogate_pairs_and_a_second_run_changes_nothing():
    """Java's \\u escapes hold UTF-16 units: an emoji is two of them, never one escape of five digits."""
    value = "Wartezeit \U0001F600 \U0002000B"
    new, changes = props.set_properties("greeting=hello\n", {"greeting": value})
    assert "\\ud83d\\ude00" in new and "\\ud840\\udc0b" in new and changes
    assert props.parse(new) == {"greeting": value}
    assert props.set_properties(new, {"greeting": value})[1] == {}
