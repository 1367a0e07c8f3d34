#!/usr/bin/python
# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: ldap_presence
short_description: Set the presence fields of users in the external LDAP directory
version_added: 0.1.0
description:
  - Manual §5.2 - for Client Desktop users to see other users' presence, their directory entries carry one or more
    of the presence ID (the OpenScape UC Application user ID), the OSCC user name and the line state (the
    OpenScape Voice line). The LDAP attribute of each field is the one the Manager application maps it to.
  - Reads every listed entry and replaces only the values that differ, over one connection (StartTLS or LDAPS,
    certificate validated). With O(object_class), an auxiliary class is added to entries that lack it.
  - Runs on the controller or any host with the C(ldap3) Python library.
requirements:
  - ldap3
options:
  server_uri:
    description: The directory, C(ldap://host[:port]) or C(ldaps://host[:port]).
    type: str
    required: true
  start_tls:
    description: Upgrade an C(ldap://) connection with StartTLS.
    type: bool
    default: true
  bind_dn:
    description: The DN to bind as; it must be allowed to write the attributes.
    type: str
    required: true
  bind_pw:
    description: Its password. Keep it in a vault.
    type: str
    required: true
  ca_file:
    description: A CA certificate file (PEM) the directory's certificate must chain to.
    type: path
  validate_certs:
    description: Validate the directory's certificate.
    type: bool
    default: true
  attributes:
    description:
      - The LDAP attribute of each presence field, as mapped in the Manager - keys C(presence_id), C(user_name),
        C(line_state) (give those used). Each value is an LDAP attribute name.
    type: dict
    required: true
  object_class:
    description: An auxiliary object class that allows the attributes; added to entries that lack it.
    type: str
  users:
    description:
      - One entry per user - C(dn) and the fields to set (C(presence_id), C(user_name), C(line_state)). A field
        left out stays as it is; an empty string removes the attribute. Values are one line; each DN is given
        once.
    type: list
    elements: dict
    required: true
  timeout:
    description: Seconds to wait for the directory.
    type: int
    default: 30
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
- name: Presence fields for two agents
  oscc.admin.ldap_presence:
    server_uri: ldap://dc1.contact.example.com
    bind_dn: CN=svc-oscc,OU=Service,DC=contact,DC=example,DC=com
    bind_pw: "{{ vault_ldap_password }}"
    attributes:
      presence_id: extensionAttribute1
      user_name: extensionAttribute2
    users:
      - dn: CN=Anna Berger,OU=Agents,DC=contact,DC=example,DC=com
        presence_id: anna.berger@uc.contact.example.com
        user_name: aberger
  delegate_to: localhost
"""

RETURN = r"""
changes:
  description: Per DN, each changed attribute with its value before (null when absent) and after (null when removed).
  returned: always
  type: dict
  sample: {"uid=anna.berger,ou=people,dc=example,dc=com": {"osccUserName": {"before": null, "after": "aberger"}}}
"""

import re
import ssl
import traceback
from urllib.parse import urlsplit

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.oscc.admin.plugins.module_utils._option_checks import (
    file_problem,
    line_value_problem,
    port_problem,
    scalar_problem,
    seconds_problem,
)

try:
    import ldap3
    from ldap3.core.exceptions import LDAPAttributeError, LDAPException, LDAPObjectClassError, LDAPSocketOpenError
except ImportError:
    LDAP3_ERROR = traceback.format_exc()
    ldap3 = None
    LDAPException = Exception
    LDAPSocketOpenError = LDAPAttributeError = LDAPObjectClassError = OSError
else:
    LDAP3_ERROR = None

FIELDS = ("presence_id", "user_name", "line_state")
# An LDAP attribute description (RFC 4512): a name, or a numeric OID.
ATTRIBUTE = re.compile(r"[A-Za-z][A-Za-z0-9-]*|[0-9]+(\.[0-9]+)+")
# What the operator checks for the LDAP result codes a presence run meets (RFC 4511 result codes).
RESULT_ADVICE = {
    32: "the entry does not exist (no such object): check the dn in users",
    34: "the DN is not valid LDAP syntax: check the dn in users",
    49: "the directory refused the credentials (invalid credentials): check bind_dn and bind_pw",
    50: "bind_dn may not do this (insufficient access rights): grant it write access to the presence attributes",
    17: "the directory's schema has no such attribute (undefined attribute type): check the LDAP names in attributes",
    21: "a value does not fit the attribute's syntax (invalid attribute syntax): check the values in users",
    65: ("the entry's object classes do not allow the attribute (object class violation): give object_class, the "
         "auxiliary class that does"),
    53: "the directory is unwilling to perform it (unwilling to perform): it may need StartTLS (start_tls) or LDAPS",
    13: "the directory requires a TLS connection (confidentiality required): use start_tls or ldaps://",
}


def ldap_reason(exc):
    """What an LDAP failure means for the operator, in one line, instead of the library's class and result names."""
    code = getattr(exc, "result", None)
    if isinstance(code, int) and code in RESULT_ADVICE:
        return f"{RESULT_ADVICE[code]} (LDAP result {code})"
    if isinstance(code, int):
        said = getattr(exc, "message", None) or getattr(exc, "description", None) or ""
        return f"the directory answered LDAP result {code} {getattr(exc, 'description', '')}: {said}".rstrip(": ")
    text = str(exc)
    if isinstance(exc, LDAPAttributeError):  # checked against the directory's schema before it is sent
        return f"the directory's schema does not know it ({text}): check the LDAP names in attributes"
    if isinstance(exc, LDAPObjectClassError):
        return f"the directory's schema does not know it ({text}): check object_class"
    if "certificate" in text.lower() or "ssl" in text.lower():
        return f"TLS with the directory failed ({text}): check ca_file and that the server's name is in its certificate"
    if isinstance(exc, LDAPSocketOpenError):
        return f"cannot connect ({text}): check the host and port of server_uri and that the directory listens there"
    return text


def users_problem(users, attributes):
    """The error for the first user entry that is not one entry to write: a DN named twice, a value that is not one
    line of text."""
    seen = {}
    for index, user in enumerate(users):
        key = normal_dn(user["dn"])
        if key in seen:
            return f"users[{index}].dn names the same entry as users[{seen[key]}].dn ({user['dn']!r}); give each once"
        seen[key] = index
        values = [(f"users[{index}].{f}", user[f]) for f in FIELDS if user.get(f) is not None]
        problem = scalar_problem(values) or line_value_problem(values + [(f"users[{index}].dn", user["dn"])])
        if problem:
            return problem
    return None


def normal_dn(dn):
    """A DN compared as the directory compares it here: case and blanks around separators ignored."""
    return re.sub(r"\s*([,=+])\s*", r"\1", str(dn).strip()).lower()


def plan(users, attributes, current, object_class):
    """Per DN the attribute changes {attr: (before, after)} and whether the object class must be added."""
    changes, classes = {}, {}
    for user in users:
        dn, now = user["dn"], current[user["dn"]]
        for field in FIELDS:
            if field not in user or user[field] is None:
                continue
            attribute, wanted = attributes[field], str(user[field])
            before = now.get(attribute.lower())
            after = wanted or None
            if before != after:
                changes.setdefault(dn, {})[attribute] = (before, after)
        if object_class and dn in changes and object_class.lower() not in now["objectclass"]:
            classes[dn] = True
    return changes, classes


def connect(module):
    params = module.params
    uri = urlsplit(params["server_uri"])
    try:
        port = uri.port
    except ValueError:  # not a number, or outside 0-65535
        port = -1
    if uri.scheme not in ("ldap", "ldaps") or not uri.hostname or port == -1:
        module.fail_json(msg="server_uri must be ldap://host[:port] or ldaps://host[:port], "
                             f"got {params['server_uri']!r}")
    problem = port_problem({"the port of server_uri": port})
    if problem:
        module.fail_json(msg=problem)
    validate = ssl.CERT_REQUIRED if params["validate_certs"] else ssl.CERT_NONE
    tls = ldap3.Tls(ca_certs_file=params["ca_file"], validate=validate)
    server = ldap3.Server(uri.hostname, port=port or (636 if uri.scheme == "ldaps" else 389),
                          use_ssl=uri.scheme == "ldaps", tls=tls, connect_timeout=params["timeout"])
    connection = ldap3.Connection(server, user=params["bind_dn"], password=params["bind_pw"], raise_exceptions=True,
                                  receive_timeout=params["timeout"])
    try:
        connection.open()
        if uri.scheme == "ldap" and params["start_tls"]:
            connection.start_tls()
        connection.bind()
    except LDAPException as exc:
        module.fail_json(msg=f"cannot bind to {params['server_uri']} as {params['bind_dn']}: {ldap_reason(exc)}")
    return connection


def main():
    module = AnsibleModule(
        argument_spec={
            "server_uri": {"type": "str", "required": True},
            "start_tls": {"type": "bool", "default": True},
            "bind_dn": {"type": "str", "required": True},
            "bind_pw": {"type": "str", "required": True, "no_log": True},
            "ca_file": {"type": "path"},
            "validate_certs": {"type": "bool", "default": True},
            "attributes": {"type": "dict", "required": True},
            "object_class": {"type": "str"},
            "users": {"type": "list", "elements": "dict", "required": True},
            "timeout": {"type": "int", "default": 30},
        },
        supports_check_mode=True,
    )
    if ldap3 is None:
        module.fail_json(msg=missing_required_lib("ldap3"), exception=LDAP3_ERROR)
    params = module.params
    ca_file = file_problem("ca_file", params["ca_file"]) if params["ca_file"] else None
    problem = seconds_problem({"timeout": params["timeout"]}) or ca_file
    if problem:
        module.fail_json(msg=problem)
    attributes = params["attributes"]
    unknown = sorted(set(attributes) - set(FIELDS))
    if unknown or not attributes:
        module.fail_json(msg=f"attributes: keys are {', '.join(FIELDS)}; got {', '.join(unknown) or 'none'}")
    for field, attribute in attributes.items():
        if not isinstance(attribute, str) or not ATTRIBUTE.fullmatch(attribute):
            module.fail_json(msg=f"attributes.{field} must be an LDAP attribute name (letters, digits and -), "
                                 f"got {attribute!r}")
    for index, user in enumerate(params["users"]):
        if not user.get("dn"):
            module.fail_json(msg=f"users[{index}] needs a dn")
        extra = sorted(set(user) - {"dn", *FIELDS})
        if extra:
            module.fail_json(msg=f"users[{index}]: unknown keys {', '.join(extra)} (dn, {', '.join(FIELDS)})")
        unmapped = [f for f in FIELDS if user.get(f) is not None and f not in attributes]
        if unmapped:
            module.fail_json(msg=f"users[{index}] sets {', '.join(unmapped)}, which attributes does not map")
    problem = users_problem(params["users"], attributes)
    if problem:
        module.fail_json(msg=problem)
    connection = connect(module)
    try:
        current = {}
        wanted = ["objectClass"] + list(attributes.values())
        for user in params["users"]:
            try:
                connection.search(user["dn"], "(objectClass=*)", search_scope=ldap3.BASE, attributes=wanted)
            except LDAPException as exc:
                module.fail_json(msg=f"cannot read {user['dn']}: {ldap_reason(exc)}")
            values = connection.response[0]["attributes"]
            current[user["dn"]] = {k.lower(): (v[0] if isinstance(v, list) and len(v) == 1 else (v or None))
                                   for k, v in values.items() if k.lower() != "objectclass"}
            current[user["dn"]]["objectclass"] = [c.lower() for c in values.get("objectClass", [])]
        changes, classes = plan(params["users"], attributes, current, params["object_class"])
        reported = {dn: {a: {"before": b, "after": n} for a, (b, n) in c.items()} for dn, c in changes.items()}
        result = {"changed": bool(changes), "changes": reported}
        if changes and module._diff:
            result["diff"] = {
                "before": "".join(f"{dn}: {a}={b}\n" for dn, c in changes.items() for a, (b, _n) in c.items()),
                "after": "".join(f"{dn}: {a}={n}\n" for dn, c in changes.items() for a, (_b, n) in c.items()),
            }
        if changes and not module.check_mode:
            for dn, attribute_changes in changes.items():
                modification = {a: [(ldap3.MODIFY_REPLACE, [n] if n is not None else [])]
                                for a, (_b, n) in attribute_changes.items()}
                if classes.get(dn):
                    modification["objectClass"] = [(ldap3.MODIFY_ADD, [params["object_class"]])]
                try:
                    connection.modify(dn, modification)
                except LDAPException as exc:
                    module.fail_json(msg=f"cannot change {dn}: {ldap_reason(exc)}", **result)
    finally:
        connection.unbind()
    module.exit_json(**result)


if __name__ == "__main__":
    main()
