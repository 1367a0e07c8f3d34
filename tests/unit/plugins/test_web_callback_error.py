"""Web Callback error codes of manual §4.6."""
import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.oscc.admin.plugins.filter.web_callback_error import WEB_CALLBACK_ERRORS, web_callback_error


def test_every_code_of_the_manual_is_known():
    manual = {1000, 1002, 1003, 1006, 1007, 1008, 1010, 1011, 1012, 1013, 17006, 17021, 17025, 17027, 17028, 17029,
              17030, 17031, 17032, 17033, 17035, 17040, 17047}
    assert set(WEB_CALLBACK_ERRORS) == manual


@pytest.mark.parametrize("code, words", [(17035, "between 1 and 100"), ("1008", "JavaScript"), (" 17030 ", "75")])
def test_meanings(code, words):
    assert words in web_callback_error(code)


def test_unknown_and_bad_codes():
    assert "unknown Web Callback error code 4711" in web_callback_error(4711)
    with pytest.raises(AnsibleFilterError, match="not a Web Callback error code"):
        web_callback_error("abc")
