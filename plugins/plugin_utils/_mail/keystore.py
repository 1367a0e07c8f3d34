# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: A CA certificate in a Java keystore under an alias (manual §3.6), compared by SHA-256 fingerprint:
# the keytool runs as executor `run` operations, what keytool printed read here. The store password
# reaches keytool in its environment (-storepass:env), never in its argv or the request.
from __future__ import annotations

import re

from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._host.streams import in_fixed_order

FINGERPRINT = re.compile(r"SHA256:\s*([0-9A-F:]{95})")
PASSWORD_VARIABLE = "OSCC_STOREPASS"
SECRET = "storepass"
TIMEOUT = 120
# What a JVM prints on its own before keytool says anything (JAVA_TOOL_OPTIONS, _JAVA_OPTIONS, JDK_JAVA_OPTIONS).
_NOISE = re.compile(r"^(Picked up \w+:|NOTE: Picked up )")


class KeystoreError(ValueError):
    pass


def keytool(tool: str, *args: str, store: str | None = None) -> dict:
    """One keytool run; with store, the keystore and its password from the environment."""
    argv = [tool, *args]
    op = {"op": "run", "argv": argv, "timeout": TIMEOUT, "encoding": "utf-8"}
    if store is not None:
        argv += ["-keystore", store, "-storepass:env", PASSWORD_VARIABLE]
        op["secret_env"] = {PASSWORD_VARIABLE: SECRET}
    return op


def said(output: str) -> str:
    """keytool's own words in one line: its error line, else its last line, without the JVM's notices. output: a
    run's text in fixed order (streams.in_fixed_order), so the line is the same whatever the host."""
    lines = [line.strip() for line in output.splitlines() if line.strip() and not _NOISE.match(line.strip())]
    errors = [line for line in lines if line.lower().startswith("keytool error")]
    return ((errors or lines or ["no output"])[-1])[-200:]


def read_ops(tool: str, keystore: str, alias: str, certificate: str) -> Batch:
    reads = Batch().add("keystore", {"op": "stat", "path": keystore})
    reads.add("certificate", keytool(tool, "-printcert", "-file", certificate))
    return reads.add("alias", keytool(tool, "-list", "-v", "-alias", alias, store=keystore))


def fingerprints(results: dict, keystore: str, certificate: str) -> tuple:
    """(fingerprint under the alias or None, fingerprint of the certificate) from the results of read_ops, by name."""
    found, printed, listed = results["keystore"], results["certificate"], results["alias"]
    if not found["exists"]:
        raise KeystoreError(f"keystore {keystore} does not exist")
    if found.get("dangling"):
        raise KeystoreError(f"keystore {keystore} is a link that leads nowhere")
    if found["dir"]:
        raise KeystoreError(f"keystore {keystore} is a folder, not a file")
    wanted = FINGERPRINT.search(in_fixed_order(printed))
    if printed["rc"] != 0 or not wanted:
        raise KeystoreError(f"certificate {certificate} is not a certificate keytool can read: "
                            f"{said(in_fixed_order(printed))}")
    text = in_fixed_order(listed)
    if listed["rc"] != 0 and "password was incorrect" in text.lower():
        raise KeystoreError(f"keystore_password is not the password of {keystore}")
    if listed["rc"] != 0 and "does not exist" not in text:  # the store exists: what does not is the alias
        raise KeystoreError(f"keytool could not read {keystore}: {said(text)}")
    current = FINGERPRINT.search(text) if listed["rc"] == 0 else None
    if listed["rc"] == 0 and not current:
        raise KeystoreError(f"keytool listed the alias in {keystore} without a SHA-256 fingerprint: {said(text)}")
    return (current.group(1) if current else None), wanted.group(1)


def apply_ops(tool: str, keystore: str, alias: str, certificate: str, replace: bool) -> Batch:
    """The old certificate removed (when there is one), the new one imported."""
    ops = Batch()
    if replace:
        ops.add("delete", keytool(tool, "-delete", "-alias", alias, store=keystore))
    return ops.add("import", keytool(tool, "-importcert", "-noprompt", "-alias", alias, "-file", certificate,
                                     store=keystore))


def apply_problem(results: dict, keystore: str, alias: str, certificate: str) -> str | None:
    """Every keytool exit code checked, the -delete's too; the first that failed, in one line."""
    deleted, imported = results.get("delete"), results.get("import")
    if deleted and deleted["rc"] != 0:
        return f"keytool could not remove the old certificate {alias} from {keystore}: {said(in_fixed_order(deleted))}"
    if imported and imported["rc"] != 0:
        return f"keytool could not import {certificate} as {alias}: {said(in_fixed_order(imported))}"
    return None
