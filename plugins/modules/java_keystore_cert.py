# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation for the java_keystore_cert action plugin (plugins/action/java_keystore_cert.py).
from __future__ import annotations

DOCUMENTATION = r"""
module: java_keystore_cert
short_description: Trust a mail server's CA certificate in the Agent Portal's Java keystore
version_added: 0.1.0
description:
  - Manual §3.6 - the root and intermediate certificates of the enterprise mail servers go into the Java keystore
    of the Java the Agent Portal uses (C(keytool -import -alias <server> -keystore ..\lib\security\cacerts)).
  - Idempotent by alias and SHA-256 fingerprint - an alias holding the same certificate is left alone, one holding
    another certificate is replaced.
  - The keystore password reaches keytool through its environment (C(-storepass:env)); it is never on a command
    line, in a file on the host or in the result. Reads, then imports (round trips in docs/windows.md).
options:
  keystore:
    description: The keystore, for example C(C:\Program Files\Java\jre\lib\security\cacerts). Absolute.
    type: str
    required: true
  keystore_password:
    description: Its password (Java's default for C(cacerts) is C(changeit)), one line. Keep it in a vault.
    type: str
    required: true
  alias:
    description: The alias, by the manual the mail server's name.
    type: str
    required: true
  certificate:
    description: The certificate file (PEM or DER) on the host. Absolute.
    type: str
    required: true
  keytool:
    description: The keytool of that Java, for example C(C:\Program Files\Java\jre\bin\keytool.exe).
    type: str
    default: keytool
extends_documentation_fragment:
  - oscc.admin.action
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
author:
  - oscc.admin maintainers (@oscc-admin)
"""

EXAMPLES = r"""
- name: Trust the Exchange server's CA for the Agent Portal
  oscc.admin.java_keystore_cert:
    keytool: C:\Program Files\Java\jre\bin\keytool.exe
    keystore: C:\Program Files\Java\jre\lib\security\cacerts
    keystore_password: "{{ vault_agent_portal_keystore_password }}"
    alias: exch01.contact.example.com
    certificate: C:\OSCC\certificates\contact-root-ca.pem
"""

RETURN = r"""
fingerprint:
  description: SHA-256 fingerprint of the certificate now under the alias.
  returned: always
  type: str
previous_fingerprint:
  description: The fingerprint under the alias before (null when the alias was new).
  returned: always
  type: str
remote_operations:
  description: Remote round trips the task made.
  returned: always
  type: int
"""
