"""What can be proven here about the collection's PowerShell, which cannot run on this machine
(test equipment, never shipped):

- grammar: every .ps1/.psm1 parses without ERROR or MISSING nodes under tree-sitter-pwsh;
- Windows PowerShell 5.1: no PowerShell 7-only syntax (?:, ??, ??=, &&, ||);
- lint: no 2>&1 on a native program (Windows PowerShell 5.1 turns its stderr into a terminating
  error under $ErrorActionPreference = 'Stop'), no Invoke-Expression, an array a function returns
  is returned wrapped (,@(...)) so PowerShell does not unroll it to $null or a single item;
- .NET regular expressions: every pattern literal of the scripts and every pattern the
  controller sends to a host compiles under .NET's own engine (Mono), which rejects Python-only
  syntax such as (?P<name>...);
- C#: the source every `Add-Type -TypeDefinition $variable` compiles (a here-string assigned to
  that variable) compiles as a library under Mono's mcs in C# 5, the language Windows PowerShell
  5.1's Add-Type compiles on .NET Framework 4 (P/Invoke declarations compile without running).

`python tests/static/pwsh_checks.py [files...]` prints the findings and a summary line; exit 1 on
any finding.
"""
from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys

import tree_sitter_pwsh
from tree_sitter import Language, Parser

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PARSER = Parser(Language(tree_sitter_pwsh.language()))
PS7_ONLY = {"ternary_expression": "?: (ternary)", "null_coalesce_expression": "??", "pipeline_chain_tail": "&& / ||"}
REGEX_OPERATORS = {"-match", "-notmatch", "-cmatch", "-imatch", "-cnotmatch", "-inotmatch", "-replace", "-creplace",
                   "-ireplace", "-split", "-csplit", "-isplit"}
REGEX_METHODS = {"match", "matches", "ismatch", "replace", "split"}
CSHARP = r"""
using System;
using System.Text;
using System.Text.RegularExpressions;
class DotnetRegex {
    static void Main() {
        string line;
        while ((line = Console.ReadLine()) != null) {
            string pattern = Encoding.UTF8.GetString(Convert.FromBase64String(line));
            try { new Regex(pattern); Console.WriteLine("OK"); }
            catch (ArgumentException e) { Console.WriteLine("ERR " + e.Message.Replace("\r", " ").Replace("\n", " ")); }
        }
    }
}
"""


def collection_scripts() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "plugins"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.split()
    return [os.path.join(ROOT, f) for f in listed
            if f.endswith((".ps1", ".psm1")) and os.path.exists(os.path.join(ROOT, f))]


def _text(source: bytes, node) -> str:
    return source[node.start_byte:node.end_byte].decode("utf-8", errors="replace")


def _walk(node):
    yield node
    for child in node.children:
        yield from _walk(child)


def _where(node) -> str:
    return f"{node.start_point[0] + 1}:{node.start_point[1] + 1}"


def string_value(source: bytes, node) -> str | None:
    """The value of a string literal, or None when it is built at run time ($ inside double quotes)."""
    literal = next((n for n in _walk(node) if n.type in ("verbatim_string_characters", "expandable_string_literal",
                                                          "verbatim_here_string_characters")), None)
    if literal is None:
        return None
    text = _text(source, literal)
    if literal.type == "verbatim_string_characters":
        return text[1:-1].replace("''", "'")
    if "$" in text or literal.type != "expandable_string_literal":
        return None
    escapes = {"`r": "\r", "`n": "\n", "`t": "\t", "`0": "\0", "``": "`", '`"': '"', '""': '"'}
    value, index, body = "", 0, text[1:-1]
    while index < len(body):
        pair = body[index:index + 2]
        if pair in escapes:
            value, index = value + escapes[pair], index + 2
        else:
            value, index = value + body[index], index + 1
    return value


def _first_string(node):
    return next((n for n in _walk(node) if n.type == "string_literal"), None)


def check_source(source: bytes, name: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Findings ("file:line:col: what") and the regular expression literals found (where, pattern)."""
    tree = PARSER.parse(source)
    findings, patterns = [], []
    functions = set()
    for node in _walk(tree.root_node):
        if node.type == "function_name":
            functions.add(_text(source, node).lower())
    for node in _walk(tree.root_node):
        where = f"{name}:{_where(node)}"
        if node.is_error or node.is_missing:
            problem = "missing " + node.type if node.is_missing else "syntax error"
            findings.append(f"{where}: does not parse ({problem})")
        elif node.type in PS7_ONLY:
            findings.append(f"{where}: {PS7_ONLY[node.type]} is PowerShell 7 only; Windows PowerShell 5.1 rejects it")
        elif node.type == "assignment_operator" and _text(source, node) == "??=":
            findings.append(f"{where}: ??= is PowerShell 7 only; Windows PowerShell 5.1 rejects it")
        elif node.type == "command":
            command = next((c for c in node.children if c.type in ("command_name", "command_name_expr")), None)
            called = _text(source, command).lower() if command is not None else ""
            if called in ("invoke-expression", "iex"):
                findings.append(f"{where}: Invoke-Expression runs a string as code")
            native = node.children[0].type == "command_invocation_operator" or (
                called and "-" not in called and called not in functions)
            merged = [n for n in _walk(node) if n.type == "merging_redirection_operator" and _text(source, n) == "2>&1"]
            if native and merged:
                findings.append(f"{where}: 2>&1 on the native program {called!r}: under $ErrorActionPreference = "
                                "'Stop' Windows PowerShell 5.1 ends the script at its first stderr line")
            if called == "select-string":
                elements = [c for c in _walk(node) if c.type in ("command_parameter", "string_literal")]
                for index, element in enumerate(elements[:-1]):
                    if element.type == "command_parameter" and _text(source, element).lower() == "-pattern":
                        following = elements[index + 1]
                        if following.type == "string_literal":
                            patterns.append((f"{name}:{_where(following)}", string_value(source, following)))
        elif node.type == "comparison_expression":
            operator = next((c for c in node.children if c.type == "comparison_operator"), None)
            if operator is not None and _text(source, operator).lower() in REGEX_OPERATORS:
                right = node.children[-1]
                literal = _first_string(right)
                if literal is not None and right.start_byte > operator.start_byte:
                    patterns.append((f"{name}:{_where(literal)}", string_value(source, literal)))
        elif node.type == "invocation_expression":
            kind = next((c for c in node.children if c.type == "type_literal"), None)
            member = next((c for c in node.children if c.type == "member_name"), None)
            arguments = next((c for c in node.children if c.type == "argument_list"), None)
            if kind is not None and member is not None and arguments is not None and \
                    _text(source, kind).lower() in ("[regex]", "[text.regularexpressions.regex]",
                                                     "[system.text.regularexpressions.regex]"):
                given = [c for c in _walk(arguments) if c.type == "argument_expression"]
                position = 0 if _text(source, member).lower() == "new" else 1
                if _text(source, member).lower() in REGEX_METHODS | {"new"} and len(given) > position:
                    literal = _first_string(given[position])
                    if literal is not None:
                        patterns.append((f"{name}:{_where(literal)}", string_value(source, literal)))
        elif node.type == "function_statement":
            findings += _unwrapped_returns(source, node, name)
    return findings, [(where, p) for where, p in patterns if p is not None]


def _unwrapped_returns(source: bytes, function, name: str) -> list[str]:
    """`return @(...)` or a final bare `@(...)` is unrolled by PowerShell: 0 items become $null, 1 the item."""
    found = []
    body = next((c for c in _walk(function) if c.type == "statement_list"), None)
    if body is None:
        return found
    outputs = [n for n in _walk(body) if n.type == "flow_control_statement" and n.children[0].type == "return"]
    statements = [c for c in body.children if c.type not in ("comment",)]
    if statements:
        outputs.append(statements[-1])
    for statement in outputs:
        expression = statement.children[-1] if statement.type == "flow_control_statement" else statement
        chain = [n for n in expression.children if n.type == "pipeline_chain"] if expression.type == "pipeline" else []
        if expression.type == "pipeline" and len(chain) == 1 and len(chain[0].children) == 1:
            unary = chain[0].children[0]
            if unary.type == "unary_expression" and unary.children and unary.children[0].type == "array_expression":
                function_name = _text(source, next(c for c in function.children if c.type == "function_name"))
                found.append(f"{name}:{_where(unary)}: {function_name} returns @(...) unwrapped; "
                             "return ,@(...) so 0 or 1 items stay an array")
    return found


def embedded_csharp(source: bytes, name: str) -> list[tuple[str, str]]:
    """(where, code) of each C# source an `Add-Type -TypeDefinition $variable` compiles: the verbatim here-string
    assigned to that variable; an Add-Type given anything else is a finding (code None)."""
    tree = PARSER.parse(source)
    here_strings = {}
    for node in _walk(tree.root_node):
        if node.type == "assignment_expression":
            literal = next((n for n in _walk(node.children[-1]) if n.type == "verbatim_here_string_characters"), None)
            if literal is not None:
                body = _text(source, literal)
                here_strings[_text(source, node.children[0]).strip().lower()] = (
                    f"{name}:{_where(literal)}", body[body.index("\n") + 1:body.rindex("\n")])
    found = []
    for node in _walk(tree.root_node):
        if node.type == "command" and _text(source, node).lower().startswith("add-type"):
            elements = [c for c in _walk(node) if c.type in ("command_parameter", "variable")]
            given = [elements[i + 1] for i, e in enumerate(elements[:-1]) if e.type == "command_parameter" and
                     _text(source, e).lower() == "-typedefinition" and elements[i + 1].type == "variable"]
            code = here_strings.get(_text(source, given[0]).lower()) if given else None
            found.append(code or (f"{name}:{_where(node)}", None))
    return found


def csharp_problems(sources: list[tuple[str, str]], cache_dir: str) -> list[str]:
    """Compile each embedded C# source as a C# 5 library with mcs; findings for those it rejects."""
    problems = []
    os.makedirs(cache_dir, exist_ok=True)
    for where, code in sources:
        if code is None:
            problems.append(f"{where}: Add-Type without -TypeDefinition $variable of a here-string")
            continue
        stem = os.path.join(cache_dir, f"add_type_{hashlib.sha256(code.encode()).hexdigest()[:12]}")
        with open(stem + ".cs", "w") as handle:
            handle.write(code)
        done = subprocess.run(["mcs", "-nologo", "-target:library", "-langversion:5", "-warnaserror+",
                               f"-out:{stem}.dll", stem + ".cs"], capture_output=True, text=True)
        if done.returncode != 0:
            errors = " | ".join(line for line in done.stdout.splitlines() if "error" in line)
            problems.append(f"{where}: the C# does not compile: {errors}")
    return problems


def dotnet_regex_problems(patterns: list[tuple[str, str]], cache_dir: str) -> list[str]:
    """Compile each pattern with .NET's Regex under Mono; findings for those it rejects."""
    if not patterns:
        return []
    os.makedirs(cache_dir, exist_ok=True)
    exe = os.path.join(cache_dir, f"dotnet_regex_{hashlib.sha256(CSHARP.encode()).hexdigest()[:12]}.exe")
    if not os.path.exists(exe):
        source = exe[:-4] + ".cs"
        with open(source, "w") as handle:
            handle.write(CSHARP)
        subprocess.run(["mcs", "-nologo", f"-out:{exe}", source], check=True, capture_output=True)
    lines = "".join(base64.b64encode(p.encode()).decode() + "\n" for _where_, p in patterns)
    done = subprocess.run(["mono", exe], input=lines, capture_output=True, text=True, check=True)
    answers = done.stdout.splitlines()
    return [f"{where}: .NET cannot compile {pattern!r}: {answer[4:]}"
            for (where, pattern), answer in zip(patterns, answers) if answer != "OK"]


def request_patterns() -> list[tuple[str, str]]:
    """Every regular expression the controller sends to a host in a request."""
    sys.path.insert(0, os.path.join(ROOT, ".collections"))
    from ansible_collections.oscc.admin.plugins.plugin_utils._informix import restore_prompts
    from ansible_collections.oscc.admin.plugins.plugin_utils._mail import header_tool_prompts

    # The prompt tables of prompted operations are the only patterns a request carries: the output
    # of every other program is parsed on the controller.
    found = [(f"RESTORE_PROMPTS[{i}]", entry[0]) for i, entry in enumerate(restore_prompts.RESTORE_PROMPTS)]
    sample = {key: "x" for key, _label in header_tool_prompts.HEADER_TOOL_LABELS}
    header_table = header_tool_prompts.header_tool_prompts(sample)
    found += [(f"header_tool_prompts[{i}]", entry[0]) for i, entry in enumerate(header_table)]
    return found


def run(files: list[str], with_requests: bool = True) -> list[str]:
    findings, patterns, csharp = [], [], []
    for path in files:
        with open(path, "rb") as handle:
            source = handle.read()
        more, found = check_source(source, os.path.relpath(path, ROOT))
        findings += more
        patterns += found
        csharp += embedded_csharp(source, os.path.relpath(path, ROOT))
    if with_requests:
        patterns += request_patterns()
    findings += dotnet_regex_problems(patterns, os.path.join(ROOT, ".cache", "static"))
    findings += csharp_problems(csharp, os.path.join(ROOT, ".cache", "static"))
    return findings, len(patterns)


def main(argv):
    files = argv[1:] or collection_scripts()
    findings, count = run(files, with_requests=not argv[1:])
    for finding in findings:
        print(finding)
    print(f"pwsh checks: {len(files)} script(s), {count} regular expression(s), C# of Add-Type: "
          f"{len(findings) or 'no'} finding(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
