"""A module's arguments for a test that calls its main() in process, on every ansible-core the collection claims.

ansible-core 2.19 brought `ansible.module_utils.testing.patch_module_args`; the older cores (2.17, 2.18: the
oldest-core stage of scripts/test) read the same JSON document from `basic._ANSIBLE_ARGS`, without a profile.
"""
import contextlib
import json
from unittest import mock

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core before 2.19
    from ansible.module_utils import basic

    @contextlib.contextmanager
    def patch_module_args(args=None):
        """Exposes args to the AnsibleModule instances created within this context."""
        document = json.dumps({"ANSIBLE_MODULE_ARGS": args or {}}).encode()
        with mock.patch.object(basic, "_ANSIBLE_ARGS", document):
            yield


__all__ = ["patch_module_args"]
