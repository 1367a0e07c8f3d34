"""The PowerShell twin of the remote procedures, checked as text (PowerShell cannot run here)."""
import json
import re

from ansible_collections.oscc.admin.plugins.plugin_utils import _remote_posix as posix
from ansible_collections.oscc.admin.plugins.plugin_utils import _remote_windows as windows

SCRIPT = windows.SCRIPT


def body(function):
    start = SCRIPT.index(f"function {function}")
    following = SCRIPT.find("\nfunction ", start + 1)
    return SCRIPT[start: following if following > 0 else len(SCRIPT)]


def test_render_passes_the_procedure_and_its_parameters_as_json():
    script, parameters = windows.render("backup", {"level": 1, "destination": "D:\\OSCC-Backups"})
    assert script.startswith(windows.MARKER)
    assert parameters == {"Procedure": "backup", "Json": json.dumps({"level": 1, "destination": "D:\\OSCC-Backups"})}


def test_both_twins_offer_the_same_procedures():
    offered = set(re.findall(r"(\w+) = \{ Invoke-", SCRIPT))
    assert offered == set(posix.PROCEDURES) | set(windows.WINDOWS_ONLY)


def test_read_only_probes_can_run_in_check_mode():
    assert "[CmdletBinding(SupportsShouldProcess)]" in SCRIPT


def test_native_programs_run_through_cmd_so_streams_are_not_reencoded():
    native = body("Invoke-Native")
    assert "cmd.exe" in native and "' > \"' + $stdoutFile" in native and "' < \"' + $stdinFile" in native
    assert "-t', 'STDIO') -stdoutFile $partial" in SCRIPT


def test_the_archive_is_renamed_before_the_manifest_and_retention_comes_last():
    backup = body("Invoke-Backup")
    renamed = backup.index("Move-Item -LiteralPath $partial -Destination $archive")
    manifest = backup.index("Write-Atomic $manifestPath")
    deletion = backup.index("foreach ($name in @($p.delete))")
    assert renamed < manifest < deletion
    assert "Get-FileHash -LiteralPath $path -Algorithm SHA256" in SCRIPT


def test_backups_are_locked_and_never_overwrite():
    assert "[IO.FileMode]::CreateNew" in body("Lock-Server")
    assert "already exists; no backup overwrites another" in body("Invoke-Backup")
    assert "Unlock-Server $ifx.lock $token" in body("Invoke-Backup").rsplit("} finally {", maxsplit=1)[-1]
    assert "Open-LockGuard $path" in body("Lock-Server") and "Open-LockGuard $path" in body("Unlock-Server")
    assert "Assert-LockHeld $ifx.lock $p.lock_token" in body("Invoke-Restore")


def restore_body():
    return body("Invoke-Restore") + body("Invoke-RestoreTouching")


def test_restore_checks_checksums_before_taking_the_server_offline():
    restore = restore_body()
    assert restore.index("Invoke-VerifyArchives") < restore.index("'onmode', '-ky'")
    assert "'onmode', '-k'" not in SCRIPT  # never the bare -k, which asks twice


def test_restore_uses_the_documented_prompt_free_paths():
    restore = restore_body()
    assert "'ontape', '-r', '-t', 'STDIO'" in restore and "'ontape', '-r', '-d'" in restore
    assert "IFX_ONTAPE_FILE_PREFIX = 'oscc_restore'" in restore
    assert "'onmode', '-m'" in restore and "Wait-Mode $ifx @(5)" in restore


def test_onconfig_is_read_as_latin1():  # and written so by the executor (tests/unit/plugins/action/test_onconfig_write.py)
    assert "GetEncoding(28591).GetString" in body("Invoke-Probe")


def test_the_tapedev_restore_is_driven_by_the_prompt_table():
    prompted = body("Invoke-Prompted")
    assert "$m = [regex]::Match($rest, $prompts[$i][0], [Text.RegularExpressions.RegexOptions]::IgnoreCase)" in prompted
    assert "Copy-Item -LiteralPath $files[$due] -Destination $p.tapedev" in prompted
    assert "if ($action -eq 'abort') {\n                Fail" in prompted and "$proc.Kill()" in prompted
    assert "Invoke-Prompted $ifx.vars @('ontape', '-r') @($p.prompts) $p.timeout $files" in restore_body()


def test_the_script_is_ascii_so_windows_powershell_reads_a_bom_less_file_right():
    assert SCRIPT.isascii()  # Windows PowerShell 5.1 reads a .ps1 without BOM in the ANSI code page
