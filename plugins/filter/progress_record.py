# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# PURE: the keyed progress record a playbook keeps on the controller (restore_estate.yml, replace_cluster_node.yml):
# signed when written, verified and judged against the request when read (docs: progress_record_sign.yml,
# progress_record_verdict.yml).
from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

CHECKSUM = "checksum"


def checksum(body: Mapping, key: str) -> str:
    """SHA-256 of the body as Ansible's to_json(sort_keys=true) writes it, followed by the key: the form the
    playbooks wrote before this filter, so their records still verify."""
    text = json.dumps(body, sort_keys=True) + key
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _key(key) -> str:
    if key is None:
        return ""
    if not isinstance(key, str):
        raise AnsibleFilterError("progress_record: key must be a string (the inventory's oscc_manifest_key)")
    return key


def progress_record_sign(record, key=""):
    """The record with the keyed checksum of the rest of it (any checksum it carried replaced)."""
    if not isinstance(record, Mapping):
        raise AnsibleFilterError(f"progress_record_sign: the input must be a mapping, got {type(record).__name__}")
    body = {name: value for name, value in record.items() if name != CHECKSUM}
    return dict(body, **{CHECKSUM: checksum(body, _key(key))})


def _parse(text: str) -> tuple[object, str]:
    """The JSON value of the file, or the one-line reason it is none."""
    try:
        return json.loads(text), ""
    except ValueError as error:
        # an object cut off before its end fails where the text ends: the file was truncated
        where = getattr(error, "pos", 0)
        cut = where >= len(text.rstrip()) or str(getattr(error, "msg", "")).startswith("Unterminated string")
        if text.lstrip().startswith("{") and cut:
            return None, f"it is truncated (its JSON ends after {len(text)} characters)"
        return None, f"it is not JSON ({getattr(error, 'msg', error)} at character {where})"


def _shown(value) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value) or "none"
    return str(value)


def _foreign(body: Mapping, request: Mapping) -> str:
    """The one-line reason the record was made for another request, or none."""
    differing = [name for name, wanted in request.items() if body.get(name) != wanted]
    if not differing:
        return ""
    made_for = "; ".join(f"{name} {_shown(body.get(name, '?'))}" for name in request)
    asked = "; ".join(f"{name} {_shown(request[name])}" for name in differing)
    return f"it is the record of {made_for}, not of this request ({asked})"


def progress_record_verdict(text, key="", request=None):
    """What the text of a progress record file (the file lookup's, none or empty when there is no file) is worth:
    found, the record without its checksum (empty unless it is usable), whether it says it is finished, and the
    one-line problem (empty when the record verifies and was made for the request)."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return {"found": False, "record": {}, "finished": False, "problem": ""}
    if not isinstance(text, (str, Mapping, list)):
        raise AnsibleFilterError("progress_record_verdict: the input must be the record file's text")
    if request is not None and not isinstance(request, Mapping):
        raise AnsibleFilterError("progress_record_verdict: request must be a mapping of the fields the record "
                                 "must hold")
    # ansible-core before 2.19 hands on JSON text that set_fact kept as the value it parses to
    found, problem = _parse(text) if isinstance(text, str) else (text, "")
    if not problem and not isinstance(found, Mapping):
        problem = f"it is not a progress record (a JSON object), but a JSON {type(found).__name__}"
    if problem:
        return {"found": True, "record": {}, "finished": False, "problem": problem}
    body = {name: value for name, value in found.items() if name != CHECKSUM}
    finished = bool(found.get("finished"))  # read even when the record does not verify: the playbook decides
    carried = found.get(CHECKSUM)
    if not isinstance(carried, str) or not hmac.compare_digest(carried, checksum(body, _key(key))):
        problem = "its checksum does not verify (changed by hand, or another key)"
    else:
        problem = _foreign(body, request or {})
    return {"found": True, "record": {} if problem else body, "finished": finished, "problem": problem}


class FilterModule:
    def filters(self):
        return {"progress_record_sign": progress_record_sign, "progress_record_verdict": progress_record_verdict}
