# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: authenticated manifests (docs/backup.md, Manifest signing). The controller signs each manifest it writes
# with an HMAC-SHA256 over a canonical serialisation of every other field, keyed by a secret from the vault that
# never reaches the host or the share; anybody who can write the share can copy or edit a manifest, nobody without
# the key can make one that verifies. Pure functions, no I/O.
from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json

ALGORITHM = "hmac-sha256"
# What the controller adds to a manifest when it reads one (model.read_manifests, archives.own_manifests), and the
# signature itself: never part of what is signed.
READ_KEYS = ("manifest", "manifest_link", "archive_link", "archive_resolved", "archive_path", "unsigned", "signature")
MINIMUM_KEY_LENGTH = 16
NOT_VERIFIED = "its signature does not verify: it was edited or signed with another key"


class ManifestKeyError(ValueError):
    """A manifest key that cannot sign (empty, too short, not text)."""


def canonical(manifest: dict) -> bytes:
    """Every field but the signature and what reading added: sorted keys, no white space, UTF-8."""
    fields = {k: v for k, v in manifest.items() if k not in READ_KEYS}
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8", "surrogatepass")


def key_id(key: bytes) -> str:
    """Names a key without revealing it: the start of a hash of it (a manifest records which key signed it)."""
    return hashlib.sha256(b"oscc.admin manifest key:" + key).hexdigest()[:16]


def _key_bytes(key, option: str) -> bytes:
    if not isinstance(key, str) or len(key.strip()) < MINIMUM_KEY_LENGTH:
        raise ManifestKeyError(f"{option} must be text of at least {MINIMUM_KEY_LENGTH} characters "
                               "(keep it in the vault)")
    return key.encode("utf-8")


@dataclasses.dataclass(frozen=True, repr=False)
class Trust:
    """Which manifests a run believes: those signed with one of `keys` (the first signs new ones), and unsigned
    ones only with `accept_unsigned`. Holds secrets: never returned, logged or written to the host."""

    keys: tuple = ()  # (key id, key), the signing key first
    accept_unsigned: bool = False

    @classmethod
    def of(cls, key=None, previous_keys=None, accept_unsigned=False) -> Trust:
        if previous_keys and key is None:
            raise ManifestKeyError("manifest_previous_keys needs manifest_key: the previous keys only verify, "
                                   "the key signs")
        keys = [_key_bytes(key, "manifest_key")] if key is not None else []
        keys += [_key_bytes(old, f"manifest_previous_keys[{n}]") for n, old in enumerate(previous_keys or [])]
        by_id = {}
        for secret in keys:  # a key listed twice counts once, in its first place
            by_id.setdefault(key_id(secret), secret)
        return cls(keys=tuple(by_id.items()), accept_unsigned=bool(accept_unsigned))

    def __repr__(self) -> str:
        return f"Trust(key_ids={self.key_ids}, accept_unsigned={self.accept_unsigned})"

    @property
    def key_ids(self) -> list[str]:
        return [identifier for identifier, _secret in self.keys]

    @property
    def signs(self) -> bool:
        return bool(self.keys)


def sign(manifest: dict, trust: Trust) -> dict:
    """The manifest with its signature by the signing key; unchanged (unsigned) when the run has no key."""
    if not trust.signs:
        return dict(manifest)
    identifier, key = trust.keys[0]
    value = hmac.new(key, canonical(manifest), hashlib.sha256).hexdigest()
    return dict({k: v for k, v in manifest.items() if k != "signature"},
                signature={"alg": ALGORITHM, "key_id": identifier, "value": value})


def is_unsigned(manifest: dict) -> bool:
    return "signature" not in manifest


def signature_problem(manifest: dict, trust: Trust) -> str | None:
    """Why a manifest's signature is not to be believed, or None. An unsigned manifest is believed only with
    trust.accept_unsigned (the caller lists each one so taken)."""
    if is_unsigned(manifest):  # no signature key at all; a signature that is null or empty was edited
        if trust.accept_unsigned:
            return None
        return ("it is unsigned (written before manifest_key was set, or by something else); "
                "accept_unsigned_manifests: true takes unsigned manifests")
    signature = manifest["signature"]
    if not isinstance(signature, dict) or not signature:
        return NOT_VERIFIED
    if not trust.signs:
        return "it is signed, but no manifest_key was given to verify it"
    if signature.get("alg") != ALGORITHM:
        return NOT_VERIFIED
    key = dict(trust.keys).get(signature.get("key_id"))
    value = signature.get("value")
    if key is None or not isinstance(value, str):
        return NOT_VERIFIED
    try:
        expected = hmac.new(key, canonical(manifest), hashlib.sha256).hexdigest()
    except (TypeError, ValueError):  # a value JSON cannot write again: not what was signed
        return NOT_VERIFIED
    return None if hmac.compare_digest(expected, value) else NOT_VERIFIED
