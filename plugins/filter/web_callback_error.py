# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Web Callback error codes (manual §4.6) -> what they mean, for monitoring and smoke tests.
from __future__ import annotations

from ansible.errors import AnsibleFilterError

# 1000-1013: Web Interaction / web component side; 17000s: the callback server. Wording is ours.
WEB_CALLBACK_ERRORS = {
    1000: "general error",
    1002: "no connection to the IVR server",
    1003: "connection to the Web Interaction server failed",
    1006: "the web page cannot be reached",
    1007: "invalid session ID",
    1008: "JavaScript is not enabled in the browser",
    1010: "a mandatory parameter is wrong",
    1011: "a parameter is wrong",
    1012: "internal error in the Web Interaction server",
    1013: "mapping error",
    17006: "duplicate callback found in the database",
    17021: "the callback server cannot process the request (internal error)",
    17025: "general error in the callback server",
    17027: "the callback queue does not exist",
    17028: "invalid callback schedule",
    17029: "the callback schedule is outside the contact center's callback routing plan",
    17030: "customer name too long (at most 75 characters)",
    17031: "the telephone number is one of the excluded numbers",
    17032: "callback description too long (at most 100 characters)",
    17033: "contact data too long (at most 1000 characters)",
    17035: "invalid priority (must be between 1 and 100)",
    17040: "the callback schedule has expired",
    17047: "invalid start or end date of the callback schedule (at most 180 days ahead)",
}


def web_callback_error(code):
    """The meaning of a Web Callback error code; the callback was not set up when one is returned."""
    try:
        number = int(str(code).strip())
    except ValueError:
        raise AnsibleFilterError(f"web_callback_error: {code!r} is not a Web Callback error code (a number)") from None
    return WEB_CALLBACK_ERRORS.get(number, f"unknown Web Callback error code {number}; see the System Monitor "
                                           "application for callback server errors")


class FilterModule:
    def filters(self):
        return {"web_callback_error": web_callback_error}
