"""Localisation and CaptureWCData.htm customisation rules (manual §4.4)."""
import pytest

from ansible_collections.oscc.admin.plugins.plugin_utils._web import pages

CAPTURE = """<form action="<WCSERVLET>">
<input type="hidden" name="varUserRequest" value="REQ_JS_START">
<input type="hidden" name="varSessionPriority" value="10">
<input type="text" name="varSource" maxlength="20">
<INPUT TYPE='hidden' NAME='varHPPCLanguage' VALUE='English'>
</form>"""


@pytest.mark.parametrize("fields, words", [
    ({"varSessionPriority": 0}, "must be a whole number from 1 to 100"),
    ({"varSessionPriority": 101}, "must be a whole number from 1 to 100"),
    ({"varSessionPriority": "5x"}, "must be a whole number from 1 to 100"),
    ({"varSessionPriority": 2.5}, "must be a whole number from 1 to 100"),
    ({"varSource": "web,shop"}, "may not contain ','"),
    ({"varSource": "web_shop"}, "may not contain '_'"),
    ({"varSource": "Straße"}, "may not contain 'ß'"),
    ({"varSource": "tab\there"}, "may not contain '\\t'"),
    ({"varUserRequest": "REQ_OTHER"}, "cannot be changed"),
    ({"bad name": 1}, "a field name is letters, digits and _ only"),
])
def test_the_manual_s_limits_are_refused_with_the_field_named(fields, words):
    errors = pages.field_errors(fields, "web_components_capture_fields")
    assert len(errors) == 1 and errors[0].startswith(f"web_components_capture_fields.{next(iter(fields))}") \
        and words in errors[0]


def test_allowed_values_pass():
    assert pages.field_errors({"varSessionPriority": 1, "varSource": "Web Shop 2", "Key3": "x"}) == []
    assert pages.field_errors({"varSessionPriority": "100"}) == []


@pytest.mark.parametrize("languages, words", [
    ([{"name": "english"}], "must be a folder name other than english"),
    ([{"name": "../x"}], "must be a folder name"),
    ([{"name": "deutsch"}, {"name": "Deutsch"}], "is given twice"),
    ([{"name": "deutsch", "entry_page": "index.htm"}], "entry_page must be WC<Language>.htm"),
    ([{"name": "deutsch", "colour": "red"}], "unknown keys colour"),
    ([{"hppc_language": "German"}], "needs a name"),
])
def test_bad_languages(languages, words):
    errors = pages.language_errors(languages)
    assert errors and words in errors[0]


def test_entry_page_asks_for_the_language_folder():
    main = '<a href="../hppcwis.dll?varUserRequest=REQ_WEBCHAT_MAIN&varUserLanguage=english&x=1">'
    assert "varUserLanguage=deutsch&x=1" in pages.localised_entry(main, "deutsch")
    assert pages.entry_page({"name": "deutsch"}) == "WCDeutsch.htm"


def test_customised_capture_sets_values_adds_missing_and_keeps_the_rest():
    text, changes = pages.customised_capture(CAPTURE, {"varSessionPriority": 50, "varSource": "Web",
                                                       "varHPPCLanguage": "German", "Key3": "a&b"})
    assert '<input type="hidden" name="varSessionPriority" value="50">' in text
    assert '<input type="text" name="varSource" maxlength="20" value="Web">' in text
    assert "NAME='varHPPCLanguage' value=\"German\"" in text
    assert '<input type="hidden" name="Key3" value="a&amp;b">\n</form>' in text
    assert 'name="varUserRequest" value="REQ_JS_START"' in text
    assert changes == {"varSessionPriority": ("10", "50"), "varSource": (None, "Web"),
                       "varHPPCLanguage": ("English", "German"), "Key3": (None, "a&b")}
    again, none = pages.customised_capture(text, {"varSessionPriority": 50, "Key3": "a&b"})
    assert again == text and none == {}


def test_a_page_without_a_form_gets_no_field_added():
    with pytest.raises(ValueError, match="no form"):
        pages.customised_capture("<html></html>", {"Key1": "x"})


def test_language_fields_carry_the_folder_and_the_manager_language():
    assert pages.language_fields({"name": "deutsch", "hppc_language": "German", "capture_fields": {"Key1": "de"}},
                                 {"varSessionPriority": 5}) == {
        "varSessionPriority": 5, "varUserLanguage": "deutsch", "varHPPCLanguage": "German", "Key1": "de"}
