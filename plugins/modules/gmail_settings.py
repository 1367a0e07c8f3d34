#!/usr/bin/python
# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: gmail_settings
short_description: Enable IMAP and the report sender for the OSCC account in Google Workspace
version_added: 0.1.0
description:
  - Manual §3.3 - the OSCC e-mail server reads a Google Workspace account over IMAP, which must be enabled for the
    account. This module enables it through the Gmail API (C(users.settings.imap)) as a service account with
    domain-wide delegation, acting for O(account); it changes only what differs.
  - Reports by e-mail (§3.8) - with O(report_sender), that address becomes a send-as alias of the account
    (C(users.settings.sendAs), treated as an alias). Gmail may ask the address's owner to confirm it; the module then
    warns, and the C(report_sender) check of M(oscc.admin.mail_check) shows when it works.
  - What the API cannot do stays with the account's owner - creating the account, its app password (§3.3; Google
    requires 2-step verification for app passwords) and the OSCC side's session limit of 15.
  - Runs on the controller or any host with Python and the C(google-auth) library with its C(requests) transport
    (C(pip install google-auth[requests])). The library signs the service account's short-lived token request
    (a JWT grant acting for O(account)) with the key's private key, which is never sent, and posts it to the key's
    C(token_uri); the Gmail API calls then carry the access token.
requirements:
  - google-auth[requests]
options:
  account:
    description: The OSCC account in Google Workspace.
    type: str
    required: true
  service_account_file:
    description:
      - The service account's JSON key (C(client_email), C(private_key), C(token_uri)). Its client ID needs
        domain-wide delegation in the Admin console for the scopes
        C(https://www.googleapis.com/auth/gmail.settings.basic) and, with O(report_sender),
        C(https://www.googleapis.com/auth/gmail.settings.sharing).
    type: path
    required: true
  imap:
    description: IMAP access for the account.
    type: bool
    default: true
  report_sender:
    description: The From address of reports by e-mail, made a send-as alias of the account. One address.
    type: str
  api_url:
    description: The Gmail API's root, for a private endpoint or a proxy. An C(https://) or C(http://) URL.
    type: str
    default: https://gmail.googleapis.com
  timeout:
    description: Seconds for each HTTP request.
    type: int
    default: 30
  validate_certs:
    description: Validate the API's TLS certificates.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: posix
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
author:
  - oscc.admin maintainers (@oscc-admin)
"""

EXAMPLES = r"""
- name: Enable IMAP for the OSCC account and let it send reports as osccreports@
  oscc.admin.gmail_settings:
    account: osccemail@contoso.com
    service_account_file: /etc/oscc/google-oscc-admin.json
    report_sender: osccreports@contoso.com
  delegate_to: localhost
"""

RETURN = r"""
imap:
  description: The account's IMAP settings after the task (as the Gmail API returns them).
  returned: always
  type: dict
  sample: {"enabled": true, "autoExpunge": true, "expungeBehavior": "archive", "maxFolderSize": 0}
send_as:
  description: The report sender's send-as alias after the task, with its C(verificationStatus).
  returned: when report_sender is given
  type: dict
"""

import functools
import json
import traceback
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlsplit

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.urls import open_url

from ansible_collections.oscc.admin.plugins.module_utils._option_checks import (
    address_problem,
    file_problem,
    seconds_problem,
    url_problem,
)

try:
    import requests
    from google.auth.exceptions import RefreshError, TransportError
    from google.auth.transport.requests import Request
    from google.oauth2 import service_account
except ImportError:  # reported by the module, not at import
    GOOGLE_AUTH_ERROR = traceback.format_exc()
else:
    GOOGLE_AUTH_ERROR = None

SCOPE_IMAP = "https://www.googleapis.com/auth/gmail.settings.basic"
SCOPE_SEND_AS = "https://www.googleapis.com/auth/gmail.settings.sharing"
KEY_FIELDS = ("client_email", "private_key", "token_uri")
# What a JSON document that is no object holds, in JSON's words.
JSON_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean",
              type(None): "null"}


class ApiError(Exception):
    pass


def delegated_credentials(key, where, subject, scopes):
    """google-auth's credentials of the service account `key` acting for `subject`, checked so far that signing the
    grant cannot fail on the key's form; `where` names the key file in errors."""
    try:
        credentials = service_account.Credentials.from_service_account_info(key, scopes=scopes, subject=subject)
    except (ValueError, TypeError):  # cryptography's words for no PEM, or a PEM that wants a passphrase
        raise ApiError(f"{where} is not a service account key "
                       "(private_key is no PEM private key without a passphrase)") from None
    try:
        credentials.sign_bytes(b"")  # google-auth loads any PEM key but signs only with RSA
    except (TypeError, ValueError, AttributeError):
        raise ApiError(f"{where} is not a service account key "
                       "(private_key is no RSA key, which Google's are)") from None
    return credentials


def access_token(params, key, scopes):
    """A token of the Gmail API for the account, granted to the service account `key` for `scopes`."""
    where = f"service_account_file {params['service_account_file']}"
    credentials = delegated_credentials(key, where, params["account"], scopes)
    session = requests.Session()
    session.verify = params["validate_certs"]
    try:
        credentials.refresh(functools.partial(Request(session), timeout=params["timeout"]))
    except TransportError as exc:
        raise ApiError(f"cannot reach {key['token_uri']}: {one_line(exc)}") from None
    except RefreshError as exc:  # Google's "error: error_description", e.g. unauthorized_client: ...
        reason = one_line(exc.args[0] if exc.args else exc).rstrip(".")
        raise ApiError(f"{key['token_uri']} refused the token: {reason}; "
                       f"the service account {key['client_email']} needs domain-wide delegation for "
                       f"{' '.join(scopes)} to act for {params['account']}") from None
    finally:
        session.close()
    return credentials.token


def one_line(reason):
    return " ".join(str(reason).split())


class Gmail:
    def __init__(self, params, token):
        self.p, self.token = params, token

    def request(self, url, method="GET", body=None, headers=None):
        headers = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            answer = open_url(url, method=method, data=data, headers=headers, timeout=self.p["timeout"],
                              validate_certs=self.p["validate_certs"])
            return json.loads(answer.read() or b"{}")
        except HTTPError as exc:
            raise ApiError(f"{method} {url.split('?', maxsplit=1)[0]} answered HTTP {exc.code}: "
                           f"{self.reason(exc)}") from None
        except (URLError, OSError) as exc:
            raise ApiError(f"cannot reach {url.split('?', maxsplit=1)[0]}: {getattr(exc, 'reason', exc)}") from None

    @staticmethod
    def reason(exc):
        try:
            error = json.loads(exc.read() or b"{}")
        except ValueError:
            return exc.reason
        if isinstance(error.get("error"), dict):  # the API's {"error": {"code", "message", "status"}}
            return error["error"].get("message", exc.reason)
        return " - ".join(str(error[k]) for k in ("error", "error_description") if error.get(k)) or exc.reason

    def call(self, path, method="GET", body=None):
        url = f"{self.p['api_url'].rstrip('/')}/gmail/v1/users/{quote(self.p['account'])}/settings/{path}"
        return self.request(url, method, body, headers={"Authorization": f"Bearer {self.token}"})


def read_key(path):
    """The service account key at `path`, checked for the fields the grant needs."""
    problem = file_problem("service_account_file", path)
    if problem:
        raise ApiError(problem)
    try:
        with open(path, encoding="utf-8") as handle:
            key = json.load(handle)
    except (OSError, ValueError) as exc:
        raise ApiError(f"service_account_file {path} is not a readable JSON key: {exc}") from None
    where = f"service_account_file {path}"
    if not isinstance(key, dict):
        raise ApiError(f"{where} holds {JSON_KINDS.get(type(key), 'no object')}, not a service account key "
                       f"(an object with {', '.join(KEY_FIELDS)})")
    missing = [k for k in KEY_FIELDS if not key.get(k)]
    if missing or key.get("type", "service_account") != "service_account":
        raise ApiError(f"{where} is not a service account key (missing {', '.join(missing) or 'type'})")
    wrong = [k for k in KEY_FIELDS if not isinstance(key[k], str)]
    if wrong:
        raise ApiError(f"{where} is not a service account key ({', '.join(wrong)} must be text)")
    token_uri = urlsplit(key["token_uri"])
    if token_uri.scheme not in ("http", "https") or not token_uri.hostname:
        raise ApiError(f"{where} is not a service account key (token_uri must be an https:// or http:// URL, "
                       f"got {key['token_uri']!r})")
    return key


def run(module):
    params, check = module.params, module.check_mode
    key = read_key(params["service_account_file"])
    scopes = [SCOPE_IMAP] + ([SCOPE_SEND_AS] if params["report_sender"] else [])
    gmail = Gmail(params, access_token(params, key, scopes))
    result, before, after = {"changed": False}, {}, {}
    imap = gmail.call("imap")
    if bool(imap.get("enabled")) != params["imap"]:
        before["imap"], after["imap"] = {"enabled": bool(imap.get("enabled"))}, {"enabled": params["imap"]}
        wanted_imap = dict(imap, enabled=params["imap"])
        imap = wanted_imap if check else gmail.call("imap", "PUT", wanted_imap)
    result["imap"] = imap
    sender = params["report_sender"]
    if sender:
        aliases = gmail.call("sendAs").get("sendAs", [])
        alias = next((a for a in aliases if a.get("sendAsEmail", "").lower() == sender.lower()), None)
        if alias is None:
            before["send_as"], after["send_as"] = None, sender
            wanted = {"sendAsEmail": sender, "treatAsAlias": True}
            alias = dict(wanted, verificationStatus="unknown") if check else gmail.call("sendAs", "POST", wanted)
        if alias.get("verificationStatus") == "pending":
            module.warn(f"Gmail sent a confirmation message to {sender}; "
                        "reports can be sent as it once it is confirmed")
        result["send_as"] = alias
    result["changed"] = bool(after)
    if after and module._diff:
        result["diff"] = {"before": json.dumps(before, indent=1) + "\n", "after": json.dumps(after, indent=1) + "\n"}
    return result


def main():
    module = AnsibleModule(
        argument_spec={
            "account": {"type": "str", "required": True},
            "service_account_file": {"type": "path", "required": True},
            "imap": {"type": "bool", "default": True},
            "report_sender": {"type": "str"},
            "api_url": {"type": "str", "default": "https://gmail.googleapis.com"},
            "timeout": {"type": "int", "default": 30},
            "validate_certs": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    if GOOGLE_AUTH_ERROR is not None:
        module.fail_json(msg=missing_required_lib("google-auth[requests]"), exception=GOOGLE_AUTH_ERROR)
    problem = (address_problem({o: module.params[o] for o in ("account", "report_sender")})
               or seconds_problem({"timeout": module.params["timeout"]})
               or url_problem({"api_url": module.params["api_url"]}))
    if problem:
        module.fail_json(msg=problem)
    try:
        module.exit_json(**run(module))
    except ApiError as exc:
        module.fail_json(msg=str(exc))


if __name__ == "__main__":
    main()
