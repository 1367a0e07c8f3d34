"""gmail_settings without google-auth: the usual missing-library error, before any option or file is read."""
import importlib.util
import json
import sys

import pytest
from module_args import patch_module_args

from ansible_collections.oscc.admin.plugins.modules import gmail_settings


def without_google_auth(monkeypatch):
    """A fresh copy of the module loaded while google-auth cannot be imported (the installed one stays as it is)."""
    for name in ("google.auth.exceptions", "google.auth.transport.requests", "google.oauth2"):
        monkeypatch.setitem(sys.modules, name, None)  # None in sys.modules makes the import fail
    spec = importlib.util.spec_from_file_location("gmail_settings_without_google_auth", gmail_settings.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_missing_google_auth_is_named_as_the_library_to_install(monkeypatch, capsys):
    module = without_google_auth(monkeypatch)
    assert module.GOOGLE_AUTH_ERROR is not None
    args = {"account": "oscc@example.com", "service_account_file": "/nonexistent/key.json"}
    with patch_module_args(args), pytest.raises(SystemExit):
        module.main()
    result = json.loads(capsys.readouterr().out)
    assert result["failed"]
    assert "Failed to import the required Python library (google-auth[requests])" in result["msg"]
    assert "/nonexistent/key.json" not in result["msg"]


def test_the_installed_google_auth_is_found():
    assert gmail_settings.GOOGLE_AUTH_ERROR is None
