"""The PowerShell checks find what they are for: each on a deliberately broken fixture, and none on good code."""
import glob
import os

import pwsh_checks
import pytest

from ansible_collections.oscc.admin.plugins.plugin_utils._informix import restore_prompts

CACHE = os.path.join(pwsh_checks.ROOT, ".cache", "static")


def findings(source):
    found, patterns = pwsh_checks.check_source(source.encode(), "fixture.ps1")
    return found + pwsh_checks.dotnet_regex_problems(patterns, CACHE)


GOOD = """
function Get-Things([string]$dir) {
    ,@(Get-ChildItem -LiteralPath $dir | Where-Object { $_.Name -match '^(?<n>\\w+)\\.json$' })
}
$run = Invoke-Program @('ontape', '-s') @{}
if ($run.text -notmatch '(?i)program over') { throw 'x' }
$rows = [regex]::Matches($text, '^\\s*TAPEDEV\\s+(\\S+)')
Select-String -LiteralPath $f -Pattern '^\\s*DBSERVERNAME\\s+' | Out-Null
Write-Output (Get-Item -LiteralPath $f 2>&1)
"""


def test_good_code_has_no_finding():
    assert findings(GOOD) == []


@pytest.mark.parametrize("broken, words", [
    ("function F { if ($x) { 1 }", "does not parse"),
    ("$a = @(1, 2", "does not parse"),
    ("$v = $x ? 1 : 2", "PowerShell 7 only"),
    ("$v = $x ?? 2", "PowerShell 7 only"),
    ("$v ??= 2", "PowerShell 7 only"),
    ("Get-Thing && Set-Thing", "PowerShell 7 only"),
    ("$t = (& $p.keytool -list 2>&1 | Out-String)", "2>&1 on the native program '$p.keytool'"),
    ("keytool -list 2>&1", "2>&1 on the native program 'keytool'"),
    ("Invoke-Expression $code", "Invoke-Expression"),
    ("iex 'x'", "Invoke-Expression"),
    ("function Get-Items { return @(1) }", "Get-Items returns @(...) unwrapped"),
    ("function Get-Items { $x = 1; @($x) }", "Get-Items returns @(...) unwrapped"),
    ("$s -match '(?P<name>a)'", ".NET cannot compile '(?P<name>a)'"),
    ("[regex]::Match($t, '(?P<name>a)')", ".NET cannot compile"),
    ("Select-String -LiteralPath $f -Pattern '[a-'", ".NET cannot compile"),
    ("$s -replace '(unclosed', 'x'", ".NET cannot compile"),
])
def test_each_check_fails_its_broken_fixture(broken, words):
    found = findings(broken)
    assert any(words in f for f in found), found


def test_a_python_only_pattern_in_a_request_fails_the_dotnet_check(monkeypatch):
    """Issue 11 defect 1: (?P<name>...) reached PowerShell in the row patterns and RESTORE_PROMPTS."""
    assert not pwsh_checks.dotnet_regex_problems(pwsh_checks.request_patterns(), CACHE)
    monkeypatch.setattr(restore_prompts, "RESTORE_PROMPTS",
                        [*restore_prompts.RESTORE_PROMPTS, (r"^(?P<level>\d+)$", "level")])
    problems = pwsh_checks.dotnet_regex_problems(pwsh_checks.request_patterns(), CACHE)
    added_index = len(restore_prompts.RESTORE_PROMPTS) - 1
    assert problems and problems[0].startswith(f"RESTORE_PROMPTS[{added_index}]: .NET cannot")


def test_the_collections_scripts_pass():
    found, count = pwsh_checks.run(pwsh_checks.collection_scripts())
    assert found == [] and count > 10  # executor.ps1 and the prompt tables


def test_the_grammar_reads_ansible_windows_own_scripts():
    """The parser is trusted only because it reads the maintainers' code: 4 % of it hits known grammar gaps."""
    sources = glob.glob(os.path.join(pwsh_checks.ROOT, ".collections", "ansible_collections", "ansible", "windows",
                                     "plugins", "**", "*.ps*1"), recursive=True)
    assert len(sources) > 50
    clean = 0
    for path in sources:
        with open(path, "rb") as handle:
            tree = pwsh_checks.PARSER.parse(handle.read())
        clean += not any(n.is_error or n.is_missing for n in pwsh_checks._walk(tree.root_node))
    assert clean / len(sources) >= 0.9, f"{clean} of {len(sources)} parse clean"


ADDED_TYPE = """
$source = @'
namespace Fixture
{
    public static class Answer
    {
        public static int Get() { return 42; }
    }
}
'@
Add-Type -TypeDefinition $source -Language CSharp
"""


@pytest.mark.parametrize("old, new, words", [
    ("", "", None),
    ("return 42;", "return 42", "does not compile"),
    ("public static int Get() { return 42; }", "public static int Get() => 42;", "does not compile"),  # C# 6
    ("-TypeDefinition $source", "-Path $source", "Add-Type without -TypeDefinition"),
])
def test_the_csharp_an_add_type_compiles_is_compiled_as_csharp_5(tmp_path, old, new, words):
    script = tmp_path / "fixture.ps1"
    script.write_text(ADDED_TYPE.replace(old, new, 1) if old else ADDED_TYPE)
    found, _count = pwsh_checks.run([str(script)], with_requests=False)
    if words is None:
        assert found == []
    else:
        assert any(words in f for f in found), found
