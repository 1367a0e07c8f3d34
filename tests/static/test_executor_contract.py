"""The Windows host executor (plugins/plugin_utils/_host/executor.ps1) against the contract of contract.py, proven
without PowerShell; operations, keys, outputs and command lines are read from the tree-sitter-pwsh syntax tree:

- it passes the collection's PowerShell checks (grammar, 5.1 syntax, lint, .NET regular expressions), and keeps
  its form: the header, ASCII, no shell, one JSON document written last, one statement per line (no `;` between
  statements), no line over 120 columns;
- its size is held by what it does, not by its lines: exactly the operations of OPERATIONS, a ceiling on the number
  of functions and on each function's length;
- its dispatch table offers exactly the operations of OPERATIONS; each operation's function reads exactly the
  declared request keys (as $op.<key>), and every hashtable it writes to its output holds only declared result
  keys and every required one, all of them together every declared key; nothing else leaks into its output;
- the batch reads the declared batch keys and writes the declared batch and per-operation result keys;
- every native program gets its command line from ConvertTo-CommandLine, and that function, run by a small
  evaluator of exactly the syntax it uses (anything else is refused, so it cannot pass by being misread), gives
  the command lines subprocess.list2cmdline gives for a table of awkward argvs, written here as literals.

Each check is also run on deliberately broken copies of the script, which it must reject.
"""
import os
import subprocess

import pwsh_checks
import pytest
from pwsh_checks import PARSER, _text, _walk, string_value

from ansible_collections.oscc.admin.plugins.plugin_utils._host import contract

SCRIPT = os.path.join(pwsh_checks.ROOT, "plugins", "plugin_utils", "_host", "executor.ps1")
CACHE = os.path.join(pwsh_checks.ROOT, ".cache", "static")
with open(SCRIPT, "rb") as _handle:
    SOURCE = _handle.read()
COMMON = set(contract.OP_RESULT_COMMON) - {"halt"}  # what Invoke-One's failure result holds
# Statements whose blocks write to the enclosing function's output (their conditions do not).
BLOCKS = {"if_statement", "elseif_clauses", "elseif_clause", "else_clause", "try_statement", "catch_clauses",
          "catch_clause", "finally_clause", "foreach_statement", "for_statement", "while_statement", "do_statement",
          "switch_statement", "switch_body", "switch_clauses", "switch_clause"}
# .NET methods the operations call as statements that return nothing, and commands that write nothing.
VOID_METHODS = {"dispose", "close", "flush", "write", "kill", "flushfinalblock", "assign", "terminate",
                "delete", "copy", "copyto", "move", "replace", "sort", "zerofreebstr", "writealltext",
                "setattributes", "setlastwritetimeutc"}
# Commands that write nothing to the output: cmdlets so documented, and the executor's own helpers named here, whose
# bodies test_the_quiet_helpers_write_nothing checks.
QUIET_HELPERS = {"stop-tree", "move-over", "write-atomically", "expand-entry", "set-environment", "invoke-retried",
                 "clear-readonly", "copy-shared", "copy-checked"}
QUIET_COMMANDS = {"import-module", "add-pssnapin", "add-member", "start-sleep"} | QUIET_HELPERS
# The executor's size: its functions (the operations' and their helpers, measured 71: issue 18 added 8 for the OEM
# code page, shared reads and copies, read-only temporary files and retried changes, 1 for the job object and 1 for
# the what-if guard, 1 for compiling the native types once where a run and a stat both need them; issue 19 added 1,
# the read-only lock_live operation) and the length of each.
MOST_FUNCTIONS = 74  # issue 19 item 1: Open-Checked, Copy-Checked
LONGEST_FUNCTION = 60
WIDEST_LINE = 120


class Script:
    """A PowerShell script's syntax tree and the parts of it the contract is read from."""

    def __init__(self, source: bytes):
        self.source = source
        self.root = PARSER.parse(source).root_node
        self.functions = {}
        for node in _walk(self.root):
            if node.type == "function_statement":
                name = next(c for c in node.children if c.type == "function_name")
                self.functions[self.text(name).lower()] = node  # PowerShell names are case-insensitive

    def text(self, node) -> str:
        return _text(self.source, node)

    def line(self, node) -> int:
        return node.start_point[0] + 1

    def statements(self, node=None):
        """The statement_list of a function's body, or of the script itself."""
        if node is None:
            return next(c for c in self.root.children if c.type == "statement_list")
        block = next(c for c in node.children if c.type == "script_block")
        body = next((c for c in block.children if c.type == "script_block_body"), None)
        return next((c for c in body.children if c.type == "statement_list"), None) if body else None

    def parameters(self, function) -> list[str]:
        declared = next((c for c in function.children if c.type == "function_parameter_declaration"), None)
        return [self.text(v).lower() for v in _walk(declared) if v.type == "variable"] if declared else []

    def function_of(self, node):
        while node is not None and node.type != "function_statement":
            node = node.parent
        return node

    def reached(self, name: str) -> list[str]:
        """The function `name` and every function of the script it calls, directly or through another."""
        reached, pending = [], [name]
        while pending:
            current = pending.pop()
            if current in reached:
                continue
            reached.append(current)
            for node in _walk(self.functions[current]):
                if node.type == "command_name" and self.text(node).lower() in self.functions:
                    pending.append(self.text(node).lower())
        return reached

    def function_name(self, function) -> str:
        return self.text(next(c for c in function.children if c.type == "function_name")).lower()

    def hash_keys(self, hash_literal) -> list:
        """The keys of a hashtable literal: names or string literals (None for a key computed at run time)."""
        keys = []
        for entry in _walk(hash_literal):
            if entry.type == "hash_entry" and self._owner(entry) == hash_literal:
                key = next(c for c in entry.children if c.type == "key_expression")
                inner = key.children[0]
                if inner.type == "simple_name":
                    keys.append(self.text(inner))
                else:
                    literal = next((n for n in _walk(inner) if n.type == "string_literal"), None)
                    keys.append(string_value(self.source, literal) if literal is not None and
                                self.text(literal) == self.text(inner) else None)
        return keys

    @staticmethod
    def _owner(entry):
        node = entry.parent
        while node.type != "hash_literal_expression":
            node = node.parent
        return node

    def member_reads(self, scope, variable: str):
        """($names read as variable.<name>, problems) inside scope: any other use of the variable is a problem."""
        names, problems = set(), []
        for node in _walk(scope):
            if node.type != "variable" or self.text(node).lower() != variable or node.parent.type == "script_parameter":
                continue
            parent = node.parent
            member = next((c for c in parent.children if c.type == "member_name"), None)
            if parent.type == "member_access" and parent.children[0] == node and member is not None and \
                    member.children[0].type == "simple_name" and parent.children[1].type == ".":
                names.add(self.text(member))
            else:
                while parent.type in ("unary_expression", "command_elements", "argument_expression", "pipeline_chain"):
                    parent = parent.parent
                problems.append(f"line {self.line(node)}: {variable} used other than as {variable}.<key>: "
                                f"{self.text(parent)[:60]!r}")
        return names, problems

    def emitted(self, statement_list):
        """The statements whose values go to the output: not assigned, captured or used as a condition."""
        for child in statement_list.children:
            if child.type == "pipeline":
                yield child
            elif child.type == "flow_control_statement" and child.children[0].type == "return":
                yield next((c for c in child.children if c.type == "pipeline"), child)
            elif child.type in BLOCKS:
                yield from self._emitted_in(child)

    def _emitted_in(self, node):
        for child in node.children:
            if child.type == "statement_block":
                inner = next((c for c in child.children if c.type == "statement_list"), None)
                if inner is not None:
                    yield from self.emitted(inner)
            elif child.type in BLOCKS:
                yield from self._emitted_in(child)

    def classify(self, statement):
        """("hash", node) for a hashtable literal, ("quiet", None) for what writes nothing, ("call", method),
        ("command", name) or ("value", text) for anything else written to the output."""
        if statement.type != "pipeline":
            return "value", self.text(statement)
        if statement.children[0].type == "assignment_expression":
            return "quiet", None
        chain = next(c for c in statement.children if c.type == "pipeline_chain")
        elements = [c for c in chain.children if c.type != "|"]
        if any(e.type == "command" for e in elements):
            last = elements[-1]
            name = next((c for c in last.children if c.type == "command_name"), None)
            return "command", self.text(name).lower() if name is not None else self.text(last)
        expression = elements[0]
        while expression.type == "unary_expression" and len(expression.children) == 1:
            expression = expression.children[0]
        if expression.type == "hash_literal_expression":
            return "hash", expression
        if expression.type in ("post_increment_expression", "pre_increment_expression", "post_decrement_expression"):
            return "quiet", None
        if expression.type == "expression_with_unary_operator" and expression.children[0].type == "cast_expression":
            kind = next(c for c in expression.children[0].children if c.type == "type_literal")
            if self.text(kind).lower() == "[void]":
                return "quiet", None
        if expression.type == "invocation_expression":
            member = next(c for c in expression.children if c.type == "member_name")
            return "call", self.text(member).lower()
        return "value", self.text(statement)

    def dispatch_table(self):
        """{operation: function name} from the top-level `$operations = @{ name = 'Function' }`."""
        for statement in self.statements().children:
            first = statement.children[0] if statement.type == "pipeline" else None
            if first is not None and first.type == "assignment_expression" and \
                    self.text(first.children[0]).lower() == "$operations":
                table = next(n for n in _walk(first) if n.type == "hash_literal_expression")
                entries = [e for e in _walk(table) if e.type == "hash_entry"]
                values = []
                for entry in entries:
                    value = next(c for c in entry.children if c.type == "pipeline")
                    literal = next((n for n in _walk(value) if n.type == "string_literal"), None)
                    values.append(string_value(self.source, literal) if literal is not None and
                                  self.text(literal) == self.text(value) else None)
                return dict(zip(self.hash_keys(table), values))
        return None


def stray_outputs(script, statement_list, where) -> list[str]:
    """What a body writes to its output besides hashtable literals: PowerShell would return it with the result."""
    problems = []
    for statement in script.emitted(statement_list):
        kind, what = script.classify(statement)
        if kind == "value" or (kind == "call" and what not in VOID_METHODS) or \
                (kind == "command" and what not in QUIET_COMMANDS):
            problems.append(f"{where} line {script.line(statement)}: writes {script.text(statement)!r} to its output")
    return problems


def contract_problems(source: bytes) -> list[str]:
    """Everything in which the script departs from contract.py's operations, keys and batch."""
    script = Script(source)
    problems = []
    table = script.dispatch_table()
    if table is None:
        return ["no $operations = @{ ... } dispatch table"]
    for name in sorted(set(table) - set(contract.OPERATIONS)):
        problems.append(f"offers {name!r}, which contract.OPERATIONS does not declare")
    for name in sorted(set(contract.OPERATIONS) - set(table)):
        problems.append(f"does not offer {name!r}")
    functions = {}
    for name, function in table.items():
        node = script.functions.get((function or "").lower())
        if node is None:
            problems.append(f"{name}: {function!r} is not a function of the script")
        elif name in contract.OPERATIONS:
            functions[name] = node
    if len({id(n) for n in functions.values()}) != len(functions):
        problems.append("two operations share one function")
    op_ranges = [(n.start_byte, n.end_byte) for n in functions.values()]
    for node in _walk(script.root):  # helpers see $op through dynamic scope: no one else may touch it
        if node.type == "variable" and script.text(node).lower() == "$op" and \
                not any(start <= node.start_byte < end for start, end in op_ranges):
            problems.append(f"line {script.line(node)}: $op outside an operation function")
    for name, function in sorted(functions.items()):
        declared = contract.OPERATIONS[name]
        if script.parameters(function) != ["$op"]:
            problems.append(f"{name}: takes {script.parameters(function)}, not ($op)")
        for node in _walk(function):
            if node.type == "variable" and script.text(node).lower() in ("$args", "$psboundparameters", "$input"):
                problems.append(f"{name}: reads its request through {script.text(node)}")
        reads, misuse = script.member_reads(function, "$op")
        problems += [f"{name}: {p}" for p in misuse]
        for key in sorted(reads - set(declared[contract.REQUEST])):
            problems.append(f"{name}: reads $op.{key}, which is not a declared request key")
        for key in sorted(set(declared[contract.REQUEST]) - reads):
            problems.append(f"{name}: never reads the declared request key {key}")
        allowed = set(declared[contract.RESULT]) | COMMON | {"halt"}
        required = {k for k, (_kind, needed) in declared[contract.RESULT].items() if needed}
        written = set()
        body = script.statements(function)
        for statement in script.emitted(body):
            kind, hash_literal = script.classify(statement)
            if kind != "hash":
                continue
            keys = script.hash_keys(hash_literal)
            written |= {k for k in keys if k}
            where = f"{name} line {script.line(hash_literal)}"
            if None in keys:
                problems.append(f"{where}: a result key computed at run time")
            for key in sorted({k for k in keys if k} - allowed):
                problems.append(f"{where}: writes {key!r}, which is not a declared result key")
            for key in sorted(required - set(keys)):
                problems.append(f"{where}: a result without the required key {key!r}")
        if not written:
            problems.append(f"{name}: returns no hashtable literal")
        for key in sorted(set(declared[contract.RESULT]) - written):
            problems.append(f"{name}: never writes the declared result key {key!r}")
        problems += stray_outputs(script, body, name)
    return problems + quiet_problems(script) + batch_problems(script)


def quiet_problems(script) -> list[str]:
    """What a helper trusted as quiet (QUIET_HELPERS) writes to its output: anything, even a hashtable."""
    problems = []
    for name in sorted(QUIET_HELPERS):
        function = script.functions.get(name)
        if function is None:
            problems.append(f"no function {name}")
            continue
        for statement in script.emitted(script.statements(function)):
            kind, what = script.classify(statement)
            if kind == "hash" or kind == "value" or (kind == "call" and what not in VOID_METHODS) or \
                    (kind == "command" and what not in QUIET_COMMANDS):
                written = script.text(statement)
                problems.append(f"{name} line {script.line(statement)}: writes {written!r} to its output")
    return problems


def batch_problems(script) -> list[str]:
    problems = []
    one = script.functions.get("invoke-one")
    if one is None:
        return ["no Invoke-One: the function that runs one operation inside try/catch"]
    outputs = list(script.emitted(script.statements(one)))
    guarded = [n for n in _walk(one)
               if n.type == "try_statement" and any(c.type == "catch_clauses" for c in n.children)]
    calls = [n for n in _walk(one) if n.type == "command" and n.children[0].type == "command_invocation_operator"
             and script.text(n).lower().startswith("& $operations[")]
    if len(calls) != 1 or not guarded or not (guarded[0].start_byte < calls[0].start_byte < guarded[0].end_byte):
        problems.append("Invoke-One does not call & $operations[...] inside one try/catch")
    failures = [script.hash_keys(h) for kind, h in map(script.classify, outputs) if kind == "hash"]
    if [set(k) for k in failures] != [COMMON]:
        problems.append(f"Invoke-One's failure result has the keys {failures}, not {sorted(COMMON)}")
    marked, _misuse = script.member_reads(one, "$done")
    if marked != {"op", "ok"}:
        problems.append(f"Invoke-One marks a result with {sorted(marked)}, not op and ok")
    top = script.statements()
    reads, _misuse = script.member_reads(script.root, "$document")
    if reads != set(contract.BATCH_REQUEST):
        problems.append(f"the batch reads {sorted(reads)}, not {sorted(contract.BATCH_REQUEST)}")
    loops = {script.text(n.children[4]): n for n in _walk(top) if n.type == "foreach_statement"
             and script.text(n.children[4]).startswith("$document.")}
    breaks = {key: [b for b in _walk(loop) if b.type == "flow_control_statement" and b.children[0].type == "break"]
              for key, loop in loops.items()}
    if set(loops) != {"$document.ops", "$document.cleanup"} or not breaks.get("$document.ops") or \
            breaks.get("$document.cleanup"):
        problems.append("the batch does not stop its operations at a failure and run every cleanup operation")
    documents = [script.hash_keys(n) for n in _walk(top) if n.type == "hash_literal_expression" and
                 n.parent.parent.parent.type == "assignment_value" and
                 script.text(n.parent.parent.parent.parent.children[0]) == "$result"]
    if not documents or set(documents[0]) | {"error"} != set(contract.BATCH_RESULT) or \
            any(not set(keys) <= set(contract.BATCH_RESULT) for keys in documents):
        problems.append(f"the batch result has the keys {documents}, not {sorted(contract.BATCH_RESULT)}")
    statements = [c for c in top.children if c.type not in ("comment", "empty_statement")]
    last = " ".join(script.text(statements[-1]).split())
    if last != "ConvertTo-Json -InputObject $result -Depth 10 -Compress":
        problems.append(f"the last statement is {last!r}, not the one JSON document")
    problems += [p for p in stray_outputs(script, top, "script") if "ConvertTo-Json -InputObject $result" not in p]
    return problems


def mutated(old: str, new: str) -> bytes:
    text = SOURCE.decode()
    assert old in text, old
    return text.replace(old, new, 1).encode()


# --- grammar, lint, form ---

def test_the_executor_passes_the_powershell_checks():
    findings, patterns = pwsh_checks.check_source(SOURCE, "executor.ps1")
    assert findings == []
    assert len(patterns) >= 2 and pwsh_checks.dotnet_regex_problems(patterns, CACHE) == []


def test_its_form():
    text = SOURCE.decode("ascii")  # ASCII only: Windows PowerShell 5.1 reads a BOM-less script in the ANSI code page
    lines = text.splitlines()
    assert lines[0] == "# oscc.admin host executor v1"
    assert lines[1] == ("[CmdletBinding(SupportsShouldProcess)] param([string]$Batch, [string]$BatchFile, "
                        "[SecureString]$Secrets)")
    script = Script(SOURCE)
    first = next(c for c in script.statements().children if c.type not in ("comment",))
    assert script.text(first) == "$ErrorActionPreference = 'Stop'"
    lowered = text.lower()
    for never in ("cmd.exe", "cmd /c", "invoke-expression", "set-strictmode", "2>&1", "driveinfo", "start-process",
                  "[scriptblock]::create", "taskkill"):
        assert never not in lowered, never
    # Add-Type compiles one thing only: the process job's C# (test_the_process_job_s_csharp_compiles_as_csharp_5)
    added = [script.text(n) for n in _walk(script.root) if n.type == "command" and
             script.text(n).lower().startswith("add-type")]
    assert added == ["Add-Type -TypeDefinition $processJobSource -Language CSharp"]


def form_problems(source: bytes) -> list[str]:
    """Lines over WIDEST_LINE columns and `;` between statements (a `;` in a string, between a hashtable's entries
    or in a for loop's header separates no statements)."""
    script = Script(source)
    problems = [f"line {number} is {len(line)} columns wide" for number, line in
                enumerate(source.decode().splitlines(), 1) if len(line) > WIDEST_LINE]
    for node in _walk(script.root):
        if node.type == ";" and node.parent.type not in ("hash_entry", "for_statement"):
            problems.append(f"line {script.line(node)}: ; between statements")
    return problems


def size_problems(source: bytes) -> list[str]:
    """The executor's size as what it does: the operations of OPERATIONS and no more, at most MOST_FUNCTIONS
    functions, none longer than LONGEST_FUNCTION lines."""
    script = Script(source)
    problems = []
    operations = {name for name in script.functions if name.startswith("invoke-op")}
    table = script.dispatch_table() or {}
    offered = {(function or "").lower() for function in table.values()}
    problems += [f"{name} is an operation function outside the dispatch table" for name in sorted(operations - offered)]
    if set(table) != set(contract.OPERATIONS):
        problems.append(f"offers {sorted(table)}, not the {len(contract.OPERATIONS)} operations of OPERATIONS")
    if len(script.functions) > MOST_FUNCTIONS:
        problems.append(f"{len(script.functions)} functions, more than {MOST_FUNCTIONS}")
    for name, function in sorted(script.functions.items()):
        length = function.end_point[0] - function.start_point[0] + 1
        if length > LONGEST_FUNCTION:
            problems.append(f"{name} is {length} lines long, more than {LONGEST_FUNCTION}")
    return problems


def test_one_statement_per_line_and_no_line_over_120_columns():
    assert form_problems(SOURCE) == []


@pytest.mark.parametrize("old, new, words", [
    ("    $size = 0\n", "    $size = 0; $size = 0\n", "; between statements"),
    ("$stamp = $null\n", "$stamp = $null  # " + "x" * 120 + "\n", "columns wide"),
])
def test_a_crowded_copy_fails_the_form(old, new, words):
    problems = form_problems(mutated(old, new))
    assert any(words in p for p in problems), problems


def test_a_semicolon_inside_a_string_a_hashtable_or_a_for_header_is_no_statement_separator():
    assert b"'utf-8' = 65001; 'latin-1' = 28591" in SOURCE and b"for ($i = 0; $i -lt" in SOURCE
    assert form_problems(mutated("'argv names no program'", "'argv; names no program'")) == []


def test_the_executor_is_held_by_its_operations_and_functions_not_its_lines():
    assert size_problems(SOURCE) == []


@pytest.mark.parametrize("old, new, words", [
    ("    cmdlet = 'Invoke-OpCmdlet'\n", "    cmdlet = 'Invoke-OpCmdlet'\n    shell = 'Invoke-OpRun'\n", "not the"),
    ("function Invoke-One(", "function Invoke-OpShell($op) { @{ } }\nfunction Invoke-One(",
     "invoke-opshell is an operation function outside the dispatch table"),
    ("function Invoke-One(", "".join(f"function Get-Helper{n} {{ }}\n" for n in range(MOST_FUNCTIONS)) +
     "function Invoke-One(", "functions, more than"),
    ("    $size = 0\n", "    $size = 0\n" + "    $size = 0\n" * LONGEST_FUNCTION, "lines long, more than"),
])
def test_a_grown_copy_fails_the_measure(old, new, words):
    problems = size_problems(mutated(old, new))
    assert any(words in p for p in problems), problems


def test_the_quiet_helpers_write_nothing():
    assert quiet_problems(Script(SOURCE)) == []
    broken = mutated("    Move-Over $tmp $target\n}", "    Move-Over $tmp $target\n    $target\n}")
    line = broken.decode().splitlines().index("    $target") + 1
    assert quiet_problems(Script(broken)) == [f"expand-entry line {line}: writes '$target' to its output"]


# Check mode (issue 18 item 1): what Get-WhatIfRefusal lets run under what-if, and on which condition.
WHAT_IF_CONDITIONS = {"unzip": ("-not $request.dest",), "cmdlet": ("$readOnly", "$getter"),
                      "run": ("$readOnly", "-not $request.stdout_file")}


def what_if_problems(source: bytes) -> list[str]:
    """Where the executor departs from contract.what_if_refusal: it must declare SupportsShouldProcess (or
    win_powershell skips it in check mode), read $WhatIfPreference, and refuse every writing operation under it."""
    script = Script(source)
    problems = []
    code = [line for line in source.decode().splitlines() if line and not line.startswith("#")]
    if not code[0].startswith("[CmdletBinding(SupportsShouldProcess)] param("):
        problems.append("the script does not declare [CmdletBinding(SupportsShouldProcess)]: skipped in check mode")
    top = script.text(script.statements())
    if "$whatIf = [bool]$WhatIfPreference" not in top or "what_if = $whatIf -or [bool]$document.what_if" not in top:
        problems.append("the batch does not take what-if from $WhatIfPreference and the batch's what_if")
    one = script.text(script.functions["invoke-one"])
    guard = ["if ($mode.what_if) { $refusal = Get-WhatIfRefusal $request $mode.read_only }",
             "if ($refusal) { throw $refusal }", "& $operations["]
    positions = [one.find(text) for text in guard]
    if -1 in positions or positions != sorted(positions):
        problems.append("Invoke-One does not refuse under what-if before it runs the operation")
    function = script.functions.get("get-whatifrefusal")
    if function is None:
        return problems + ["no Get-WhatIfRefusal"]
    getter = "$getter = ([string]$request.name).StartsWith('Get-', [StringComparison]::OrdinalIgnoreCase)"
    if getter not in script.text(function):
        problems.append("lets cmdlet run under what-if by a name other than Get-* (or in the session's culture)")
    let_through = {}
    for node in _walk(function):
        if node.type != "if_statement":
            continue
        condition = node.children[node.children.index(next(c for c in node.children if script.text(c) == "(")) + 1]
        if " ".join(script.text(node.children[-1]).split()) != "{ return $null }":
            problems.append(f"line {script.line(node)}: an if that does not let the operation run")
        names = {string_value(source, s) for s in _walk(condition) if s.type == "string_literal"}
        for name in names & set(contract.OPERATIONS):
            let_through[name] = script.text(condition)
    for name in sorted(set(contract.OPERATIONS) - set(contract.WHAT_IF_READS) - set(WHAT_IF_CONDITIONS)):
        if name in let_through:
            problems.append(f"lets {name} run under what-if: it writes")
    for name in contract.WHAT_IF_READS:
        if not let_through.get(name, "").startswith("@("):
            problems.append(f"does not let {name} run under what-if unconditionally")
    for name, needed in WHAT_IF_CONDITIONS.items():
        missing = [text for text in needed if text not in let_through.get(name, "")]
        if missing:
            problems.append(f"lets {name} run under what-if without {missing}")
    last = script.text([c for c in script.statements(function).children if c.type != "comment"][-1])
    if "is refused under what-if (check mode)" not in last:
        problems.append("Get-WhatIfRefusal does not end with the refusal")
    return problems


def test_the_executor_runs_in_check_mode_and_refuses_every_writing_operation_there():
    assert what_if_problems(SOURCE) == []


@pytest.mark.parametrize("old, new, words", [
    ("[CmdletBinding(SupportsShouldProcess)]", "[CmdletBinding()]", "skipped in check mode"),
    ("$whatIf = [bool]$WhatIfPreference", "$whatIf = $false", "from $WhatIfPreference"),
    ("        if ($refusal) { throw $refusal }\n", "", "before it runs"),
    ("'hash', 'env')", "'hash', 'env', 'write')", "lets write run"),
    ("'stat', 'hash', 'env')", "'stat', 'hash', 'env', 'mkdir', 'remove')", "lets remove run"),
    ("'stat', 'hash', 'env')", "'stat', 'hash', 'env', 'lock', 'copy')", "lets lock run"),
    ("    if ($name -ceq 'unzip' -and -not $request.dest) { return $null }\n",
     "    if ($name -ceq 'unzip') { return $null }\n", "lets unzip run under what-if without"),
    ("$readOnly -and -not $request.stdout_file", "$true", "lets run run under what-if without"),
    ("($readOnly -or $getter)", "$true", "lets cmdlet run under what-if without"),
    ("StartsWith('Get-', [StringComparison]::OrdinalIgnoreCase)", "StartsWith('')", "lets cmdlet run under what-if"),
    ("    if ($name -ceq 'run'", "    if ($name -ceq 'run' -or $name -ceq 'prompted'", "lets prompted run"),
    ("'read', 'list', ", "'read', ", "does not let list run"),
])
def test_a_copy_that_lets_a_write_through_in_check_mode_fails(old, new, words):
    problems = what_if_problems(mutated(old, new))
    assert any(words in p for p in problems), problems


def test_a_saved_batch_that_failed_ends_the_executor_with_exit_code_1():
    """Issue 11 defect 7: Task Scheduler saw exit code 0 for any failure the script did not foresee."""
    script = Script(SOURCE)
    top = [c for c in script.statements().children if c.type not in ("comment", "empty_statement")]
    exits = [script.text(n) for n in top if "exit 1" in script.text(n)]
    assert exits and exits[0].startswith("if ($BatchFile -and $failed)"), exits
    catch_all = next(n for n in top if n.type == "try_statement")
    catches = next(c for c in catch_all.children if c.type == "catch_clauses")
    assert "$failed = $true" in script.text(catches)  # the general catch counts as a failure


def test_every_formatted_date_uses_the_invariant_culture():
    script = Script(SOURCE)
    formats = [n for n in _walk(script.root) if n.type == "invocation_expression" and n.children[1].type == "." and
               script.text(next(c for c in n.children if c.type == "member_name")).lower() == "tostring" and
               any(c.type == "argument_list" and c.named_child_count for c in n.children)]
    assert formats
    for call in formats:
        assert script.text(call).endswith(", [Globalization.CultureInfo]::InvariantCulture)"), script.text(call)
    assert not [n for n in _walk(script.root) if n.type == "command" and "-format" in script.text(n).lower()]


# --- operations and keys ---

def test_it_implements_exactly_the_declared_operations_and_keys():
    assert contract_problems(SOURCE) == []
    table = Script(SOURCE).dispatch_table()
    assert set(table) == set(contract.OPERATIONS) and len(set(table.values())) == len(table)


@pytest.mark.parametrize("old, new, words", [
    ("    cmdlet = 'Invoke-OpCmdlet'\n", "    cmdlet = 'Invoke-OpCmdlet'\n    shell = 'Invoke-OpRun'\n",
     "offers 'shell'"),
    ("    cmdlet = 'Invoke-OpCmdlet'\n", "", "does not offer 'cmdlet'"),
    ("mkdir = 'Invoke-OpMkdir'", "mkdir = 'Invoke-OpMakeDir'", "'Invoke-OpMakeDir' is not a function"),
    ("if ($op.pattern) { $pattern = [string]$op.pattern }", "if ($op.glob) { $pattern = [string]$op.glob }",
     "list: reads $op.glob, which is not a declared request key"),
    ("if ($op.pattern) { $pattern = [string]$op.pattern }", "",
     "list: never reads the declared request key pattern"),
    ("if ($op.backup -and", "if ($true -and", "write: never reads the declared request key backup"),
    ("$item = Get-Entry ([string]$op.path)", "$item = Get-Entry $op",
     "$op used other than as $op.<key>: 'Get-Entry $op'"),
    ("$path = [string]$op.path\n    $guard = Open-Guard $path\n    try {\n        $held = Read-Lock $path\n"
     "        if ($null -eq",
     "$path = Get-LockPath\n    $guard = Open-Guard $path\n    try {\n        $held = Read-Lock $path\n"
     "        if ($null -eq",
     "unlock: never reads the declared request key path"),
    ("function Read-Lock([string]$path) {", "function Get-LockPath { $op.path }\nfunction Read-Lock([string]$path) {",
     "$op outside an operation function"),
    ("@{ created = $true }", "@{ created = $true; made = $true }", "writes 'made', which is not a declared result key"),
    ("return @{ exists = $false } }\n    $stream", "return @{ } }\n    $stream", "without the required key 'exists'"),
    ("@{ exists = $true; sha256 = $digest; size = $size }", "@{ exists = $true; sha256 = $digest }",
     "hash: never writes the declared result key 'size'"),
    ("@{ moved = $true }", "$true", "writes '$true' to its output"),
    ("return @{ moved = $false }", "return $false", "writes '$false' to its output"),
    ("[void][IO.Directory]::CreateDirectory($path)\n    @{ created = $true }",
     "[IO.Directory]::CreateDirectory($path)\n    @{ created = $true }",
     "writes '[IO.Directory]::CreateDirectory($path)' to its output"),
    ("@{ released = $true }", "$released = @{ released = $true }\n    $released", "writes '$released'"),
    ("$done.op = $name\n        $done.ok = $true", "$done.op = $name", "marks a result with ['op']"),
    ("@{ op = $name; ok = $false; error = (Get-Message $_) }", "@{ op = $name; ok = $false }",
     "Invoke-One's failure result"),
    ("$failedAt = $results.Count - 1\n            break\n", "$failedAt = $results.Count - 1\n",
     "does not stop its operations"),
    ("foreach ($item in $document.cleanup)", "foreach ($item in $document.finally)", "the batch reads"),
    ("failed_at = $failedAt; stamp", "failed = $failedAt; stamp", "the batch result has the keys"),
    ("sees the failure\n}\nConvertTo-Json -InputObject $result -Depth 10 -Compress", "sees the failure\n}\n$result",
     "not the one JSON document"),
])
def test_a_broken_copy_fails_the_contract(old, new, words):
    problems = contract_problems(mutated(old, new))
    assert any(words in p for p in problems), problems


def confinement_problems(source: bytes) -> list[str]:
    """remove and move touch a path only through Assert-Below, which compares full paths below the root."""
    script = Script(source)
    problems = []
    for name, keys in (("invoke-opremove", ("path",)), ("invoke-opmove", ("src", "dest"))):
        function = script.functions[name]
        for node in _walk(function):
            if node.type == "member_access" and script.text(node) in [f"$op.{k}" for k in keys]:
                command = node
                while command is not None and command.type != "command":
                    command = command.parent
                named = next((c for c in command.children if c.type == "command_name"), None) if command else None
                if named is None or script.text(named) != "Assert-Below" or "$op.root" not in script.text(command):
                    problems.append(f"{name}: {script.text(node)} is used without Assert-Below")
    below = script.text(script.functions["assert-below"])
    for needed in ("[IO.Path]::GetFullPath($root)", "[IO.Path]::GetFullPath($path)",
                   "[StringComparison]::OrdinalIgnoreCase", "+ '\\'", "[IO.FileAttributes]::ReparsePoint"):
        if needed not in below:
            problems.append(f"Assert-Below does not use {needed}")
    return problems


def test_removal_and_renaming_stay_below_the_root():
    assert confinement_problems(SOURCE) == []
    broken = mutated("$dest = Assert-Below ([string]$op.root) ([string]$op.dest)", "$dest = [string]$op.dest")
    assert confinement_problems(broken) == ["invoke-opmove: $op.dest is used without Assert-Below"]


@pytest.mark.parametrize("function, calls", [
    ("invoke-oprun", ["[IO.FileMode]::CreateNew", "New-Sha", "CryptoStream", "Stop-Tree $job $proc", ".ExitCode"]),
    ("invoke-opprompted", ["[Text.RegularExpressions.RegexOptions]::IgnoreCase", "Stop-Tree $job $proc",
                           "$secretValues"]),
    ("stop-tree", ["$job.Terminate()"]),
    ("new-sha", ["[Security.Cryptography.SHA256]::Create()"]),
    ("invoke-opwrite", ["Move-Over $tmp $path", "'{0}.{1}.partial' -f $path, $PID"]),
    ("move-over", ["Invoke-Retried 'replace' $tmp $path", "Invoke-Retried 'move' $tmp $path",
                   "'replace' { [IO.File]::Replace($path, $other,", "'move' { [IO.File]::Move($path, $other) }"]),
    ("open-guard", ["[IO.FileShare]::None"]),
    ("invoke-opunzip", ["Get-Inside", "Move-Over $tmp $target"]),
    ("invoke-oplock", ["[IO.File]::Open($path, [IO.FileMode]::CreateNew", "$env:COMPUTERNAME", "$PID"]),
    ("invoke-opcmdlet", ["Import-Module", "& $command @params", "Select-Object -Property $select"]),
])
def test_each_primitive_uses_the_calls_the_design_names(function, calls):
    """In the function itself or in a helper of the script it calls (a helper never reads $op, so what it does
    is the calling operation's)."""
    script = Script(SOURCE)
    text = "\n".join(script.text(script.functions[name]) for name in script.reached(function))
    for call in calls:
        assert call in text, call



# --- issue 18: what a real server does differently (code pages, sharing, transient failures, culture) ---

def static_calls(script, type_name: str, members: set):
    """(node, member, [argument texts]) of every [type_name]::member(...) call in the script."""
    for node in _walk(script.root):
        kind = next((c for c in node.children if c.type == "type_literal"), None)
        member = next((c for c in node.children if c.type == "member_name"), None)
        arguments = next((c for c in node.children if c.type == "argument_list"), None)
        if node.type != "invocation_expression" or kind is None or member is None or arguments is None or \
                script.text(kind).lower() != type_name.lower() or script.text(member).lower() not in members:
            continue
        given = [script.text(a) for a in _walk(arguments) if a.type == "argument_expression"
                 and a.parent.parent == arguments]
        yield node, script.text(member).lower(), given


def oem_problems(source: bytes) -> list[str]:
    """encoding: oem is the system's OEM code page (registry Nls/CodePage/OEMCP), read once per batch; the session's
    culture, which WinRM or PSRP may take from the client's locale, only when that read fails."""
    script = Script(source)
    problems = []
    if "'oem' = $oemCodePage" not in script.text(script.functions["get-encoding"]):
        problems.append("Get-Encoding's oem is not $oemCodePage")
    top = [script.text(c) for c in script.statements().children if c.type == "pipeline"]
    if top.count("$oemCodePage = Get-OemCodePage") != 1:
        problems.append("the batch does not read the OEM code page once, before its operations")
    reads = [n for n in _walk(script.root) if n.type == "command" and
             " ".join(script.text(n).split()) == "Get-ItemProperty -LiteralPath "
             "'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Nls\\CodePage' -Name 'OEMCP'"]
    if [script.function_name(script.function_of(n)) for n in reads] != ["get-oemcodepage"] or \
            not any(n.type == "try_statement" for n in _walk(script.functions["get-oemcodepage"])) or \
            "$page = [int]$nls.OEMCP" not in script.text(script.functions["get-oemcodepage"]):
        problems.append("Get-OemCodePage does not read OEMCP from the registry inside a try")
    for node in _walk(script.root):
        if node.type == "member_name" and script.text(node).lower() == "oemcodepage":
            clause = node
            while clause is not None and clause.type != "catch_clause":
                clause = clause.parent
            if clause is None or script.function_name(script.function_of(clause)) != "get-oemcodepage":
                problems.append(f"line {script.line(node)}: the culture's OEMCodePage outside Get-OemCodePage's catch")
    return problems


def test_the_oem_code_page_is_the_systems_not_the_sessions():
    assert oem_problems(SOURCE) == []


@pytest.mark.parametrize("old, new, words", [
    ("'oem' = $oemCodePage }", "'oem' = [Globalization.CultureInfo]::CurrentCulture.TextInfo.OEMCodePage }",
     "Get-Encoding's oem"),
    ("$oemCodePage = Get-OemCodePage  # read once per batch\n", "", "once, before its operations"),
    ("        $page = [int]$nls.OEMCP\n", "        $page = 437\n", "does not read OEMCP"),
    ("-Name 'OEMCP'", "-Name 'ACP'", "does not read OEMCP"),
    ("    try {\n        $nls = Get-ItemProperty", "    $page = [Globalization.CultureInfo]::CurrentCulture.TextInfo"
     ".OEMCodePage\n    try {\n        $nls = Get-ItemProperty", "outside Get-OemCodePage's catch"),
])
def test_a_copy_that_takes_the_sessions_code_page_fails(old, new, words):
    problems = oem_problems(mutated(old, new))
    assert any(words in p for p in problems), problems


# Calls that open a file with .NET's default sharing (FileShare.Read, or None for writes) and so fail, or make the
# controller's progress read fail, while a scheduled run appends to the file.
DEFAULT_SHARING = {"openread", "opentext", "openwrite", "readallbytes", "readalltext", "readalllines", "copy",
                   "create", "createtext", "appendalltext", "appendtext", "readlines"}
READ_SHARING = "[IO.FileShare]::ReadWrite -bor [IO.FileShare]::Delete"


def sharing_problems(source: bytes) -> list[str]:
    """Every FileStream the script opens states its sharing: reads and copies (one opener, Open-Shared) share
    ReadWrite and Delete, except stdin files fed against a checksum (Open-Checked), held shared only with readers;
    appends share Read; nothing opens a file with .NET's default sharing."""
    script = Script(source)
    problems = []
    for node, member, _given in static_calls(script, "[IO.File]", DEFAULT_SHARING):
        problems.append(f"line {script.line(node)}: [IO.File]::{member} opens with the default sharing")
    for node in _walk(script.root):
        text = script.text(node).lower()
        if node.type in ("command", "invocation_expression") and ("io.filestream" in text.split("(")[0] or (
                "streamreader" in text.split("(")[0] and "(open-shared" not in text)):
            problems.append(f"line {script.line(node)}: a stream opened by path: {script.text(node)[:60]!r}")
    shared = script.text(script.functions["open-shared"]) if "open-shared" in script.functions else ""
    if f"$sharing = {READ_SHARING}" not in shared:
        problems.append(f"Open-Shared does not share {READ_SHARING}")
    for node, _member, given in static_calls(script, "[IO.File]", {"open"}):
        where = f"line {script.line(node)}"
        if len(given) != 4:
            problems.append(f"{where}: [IO.File]::Open without an explicit FileAccess and FileShare")
            continue
        opener = script.function_name(script.function_of(node))
        shared = opener == "open-shared" and given[3] == "$sharing"
        held = opener == "open-checked" and given[3] == "[IO.FileShare]::Read"  # stdin checked, then fed (issue 19)
        if given[2] == "[IO.FileAccess]::Read" and not (shared or held):
            problems.append(f"{where}: a read not opened by Open-Shared")
        if given[1] == "[IO.FileMode]::Append" and given[3] != "[IO.FileShare]::Read":
            problems.append(f"{where}: an append that does not share Read")
    return problems


def test_every_file_the_executor_opens_states_its_sharing():
    assert sharing_problems(SOURCE) == []
    reads = ["read", "write", "hash", "copy", "unzip", "run", "lock", "prompted"]
    script = Script(SOURCE)
    for name in reads:  # each operation that reads or copies a file reaches the shared opener
        assert "open-shared" in script.reached(f"invoke-op{name}"), name


@pytest.mark.parametrize("old, new, words", [
    ("{ Open-Shared ([string]$f) }", "{ [IO.File]::OpenRead([string]$f) }", "openread opens with the default"),
    ("Copy-Shared $src $tmp ([IO.FileMode]::Create)", "[IO.File]::Copy($src, $tmp, $true)", "copy opens with"),
    ("$current = Read-Bytes $path }", "$current = [IO.File]::ReadAllBytes($path) }", "readallbytes opens with"),
    ("$held = ConvertFrom-Json -InputObject (Read-Text $path)",
     "$held = ConvertFrom-Json -InputObject ([IO.File]::ReadAllText($path))", "readalltext opens with"),
    ("[IO.FileMode]::Append, [IO.FileAccess]::Write, [IO.FileShare]::Read)", "[IO.FileMode]::Append)",
     "without an explicit FileAccess"),
    ("[IO.FileMode]::Append, [IO.FileAccess]::Write, [IO.FileShare]::Read)",
     "[IO.FileMode]::Append, [IO.FileAccess]::Write, [IO.FileShare]::None)", "an append that does not share Read"),
    ("$sharing = [IO.FileShare]::ReadWrite -bor [IO.FileShare]::Delete", "$sharing = [IO.FileShare]::ReadWrite",
     "Open-Shared does not share"),
    ("    $stream = Open-Shared $path\n    try {\n        $digest",
     "    $stream = [IO.File]::Open($path, [IO.FileMode]::Open, [IO.FileAccess]::Read, [IO.FileShare]::ReadWrite)\n"
     "    try {\n        $digest", "a read not opened by Open-Shared"),
    ("[IO.StreamReader]::new((Open-Shared $path),", "[IO.StreamReader]::new($path,", "a stream opened by path"),
])
def test_a_copy_that_opens_files_unshared_fails(old, new, words):
    problems = sharing_problems(mutated(old, new))
    assert any(words in p for p in problems), problems


CHANGES = {"[io.file]": {"replace", "move", "delete"}, "[io.directory]": {"move", "delete"}}


def retry_problems(source: bytes) -> list[str]:
    """Every replace, move and delete is made by Invoke-Retried (5 tries, 200 ms apart, again only after an
    IOException or UnauthorizedAccessException, never after a missing file), and the executor's own files are
    made writable first (Clear-ReadOnly) where it replaces or deletes them."""
    script = Script(source)
    problems = []
    for type_name, members in CHANGES.items():
        for node, member, _given in static_calls(script, type_name, members):
            function = script.function_of(node)
            if function is None or script.function_name(function) != "invoke-retried":
                problems.append(f"line {script.line(node)}: {type_name}::{member} outside Invoke-Retried")
    retried = script.functions.get("invoke-retried")
    text = script.text(retried) if retried is not None else ""
    for needed in ("while (-not $done)", "if ($attempt -ge 5) { throw }", "Start-Sleep -Milliseconds 200",
                   "$done = $true"):
        if needed not in text:
            problems.append(f"Invoke-Retried lacks {needed!r}")
    catches = [script.text(n) for n in _walk(retried) if n.type == "catch_type_list"] if retried else []
    if catches != ["[IO.FileNotFoundException], [IO.DirectoryNotFoundException]",
                   "[IO.IOException], [UnauthorizedAccessException]"]:
        problems.append(f"Invoke-Retried catches {catches}")
    own = {"move-over": "$tmp", "invoke-oplock": "$path", "invoke-opunlock": "$path", "write-atomically": "$tmp"}
    for name, variable in own.items():
        statements = [script.text(n) for n in _walk(script.functions[name]) if n.type == "pipeline"
                      and n.parent.type == "statement_list"]
        for index, statement in enumerate(statements):
            changes = statement.startswith(f"Invoke-Retried 'delete' {variable}") or \
                statement.startswith(("Invoke-Retried 'replace' $tmp", "Invoke-Retried 'move' $tmp"))
            if changes and f"Clear-ReadOnly {variable}" not in statements[:index]:
                problems.append(f"{name}: {statement!r} without Clear-ReadOnly {variable} before it")
    return problems


def test_replace_move_and_delete_are_retried_and_the_executors_own_files_made_writable():
    assert retry_problems(SOURCE) == []


@pytest.mark.parametrize("old, new, words", [
    ("        Invoke-Retried 'delete' $path\n    }\n    @{ removed", "        [IO.File]::Delete($path)\n    }\n"
     "    @{ removed", "[io.file]::delete outside Invoke-Retried"),
    ("Invoke-Retried 'move-folder' $src $dest", "[IO.Directory]::Move($src, $dest)", "[io.directory]::move outside"),
    ("if ($attempt -ge 5) { throw }", "throw", "lacks 'if ($attempt -ge 5) { throw }'"),
    ("            Start-Sleep -Milliseconds 200\n", "", "lacks 'Start-Sleep -Milliseconds 200'"),
    ("catch [IO.IOException], [UnauthorizedAccessException] {", "catch [Exception] {", "Invoke-Retried catches"),
    ("        Clear-ReadOnly $path  # the lock file the executor wrote\n        Invoke-Retried 'delete' $path\n    }"
     " finally", "        Invoke-Retried 'delete' $path\n    } finally", "invoke-opunlock: "),
    ("    Clear-ReadOnly $tmp\n    if ([IO.File]::Exists($path)) {", "    if ([IO.File]::Exists($path)) {",
     "move-over: "),
])
def test_a_copy_without_retries_or_writable_own_files_fails(old, new, words):
    problems = retry_problems(mutated(old, new))
    assert any(words in p for p in problems), problems


LIKE_OPERATORS = {"-like", "-ilike", "-notlike", "-inotlike"}


def culture_problems(source: bytes) -> list[str]:
    """Case-insensitive matching whatever the session's culture: every regular expression built from a request
    ([regex]::<method> with a pattern that is not a literal) gets RegexOptions.CultureInvariant, no regex operator
    matches a pattern that is not a literal, names are matched by a WildcardPattern with CultureInvariant and never
    by -like, which folds case by the current culture."""
    script = Script(source)
    problems = []
    for node in _walk(script.root):
        if node.type != "comparison_expression":
            continue
        operator = next((c for c in node.children if c.type == "comparison_operator"), None)
        name = script.text(operator).lower() if operator is not None else ""
        if name in LIKE_OPERATORS:
            problems.append(f"line {script.line(node)}: {name} compares in the session's culture")
        elif name in pwsh_checks.REGEX_OPERATORS and node.children[-1].type != "string_literal" and \
                not script.text(node.children[-1]).startswith("'"):
            problems.append(f"line {script.line(node)}: {name} matches a pattern built at run time")
    built = list(static_calls(script, "[regex]", pwsh_checks.REGEX_METHODS | {"new"}))
    if not built:
        problems.append("no [regex] call: the prompt tables are not matched by the Regex class")
    for node, member, given in built:
        function = script.text(script.function_of(node)) if script.function_of(node) else ""
        options = given[-1] if len(given) >= (2 if member == "new" else 3) else ""
        defined = options.startswith("$") and any(
            line.strip().startswith(f"{options} = ") and "RegexOptions]::CultureInvariant" in line
            for line in function.splitlines())
        if "RegexOptions]::CultureInvariant" not in options and not defined:
            problems.append(f"line {script.line(node)}: [regex]::{member} without RegexOptions.CultureInvariant")
    wildcards = list(static_calls(script, "[Management.Automation.WildcardPattern]", {"new"}))
    if not wildcards:
        problems.append("no WildcardPattern: names are not matched culture-invariantly")
    for node, _member, _given in wildcards:
        if "[Management.Automation.WildcardOptions]'IgnoreCase, CultureInvariant'" not in \
                script.text(script.function_of(node)):
            problems.append(f"line {script.line(node)}: a WildcardPattern without CultureInvariant")
    return problems


def test_case_insensitive_matching_does_not_depend_on_the_culture():
    assert culture_problems(SOURCE) == []
    assert "find-prompt" in Script(SOURCE).reached("invoke-opprompted")
    assert "get-matchingnames" in Script(SOURCE).reached("invoke-oplist")


@pytest.mark.parametrize("old, new, words", [
    ("$options = $ignoreCase -bor [Text.RegularExpressions.RegexOptions]::CultureInvariant",
     "$options = $ignoreCase", "[regex]::match without RegexOptions.CultureInvariant"),
    ("[regex]::Match($text, $pattern, $options)", "[regex]::Match($text, $pattern)", "without RegexOptions"),
    ("$match = [regex]::Match($text, $pattern, $options)\n        if ($match.Success",
     "$null = $text -match $pattern\n        $match = $Matches\n        if ($match.Success", "built at run time"),
    ("Where-Object { $wildcard.IsMatch($_) }", "Where-Object { $_ -like $pattern }", "-like compares"),
    ("[Management.Automation.WildcardOptions]'IgnoreCase, CultureInvariant'",
     "[Management.Automation.WildcardOptions]'IgnoreCase'", "a WildcardPattern without CultureInvariant"),
])
def test_a_copy_that_matches_in_the_sessions_culture_fails(old, new, words):
    problems = culture_problems(mutated(old, new))
    assert any(words in p for p in problems), problems


# --- native programs and their command lines ---

# subprocess.list2cmdline's answers, written down (test_the_table_is_list2cmdline shows where they came from).
QUOTING = [
    (["plain"], r'plain'),
    (["a b"], r'"a b"'),
    (["tab\there"], '"tab\there"'),
    ([""], r'""'),
    (["a", "", "b"], r'a "" b'),
    (['say "hi"'], r'"say \"hi\""'),
    (['"'], r'\"'),
    (['""'], r'\"\"'),
    (["trailing\\"], 'trailing\\'),
    (["\\"], '\\'),
    (["a b\\"], r'"a b\\"'),
    (["a b\\\\"], r'"a b\\\\"'),
    (["C:\\Program Files\\OSCC\\"], r'"C:\Program Files\OSCC\\"'),
    (["\\\\server\\share\\dir\\"], '\\\\server\\share\\dir\\'),
    (['a\\"b'], r'a\\\"b'),
    (['a\\\\"b'], r'a\\\\\"b'),
    (["a\\\\b"], r'a\\b'),
    (['\\"', "x"], r'\\\" x'),
    (["R&D", "a&b"], r'R&D a&b'),
    (["%TEMP%", "D:\\%TEMP%\\x"], r'%TEMP% D:\%TEMP%\x'),
    (["^|<>"], r'^|<>'),
    (["^ | < >"], r'"^ | < >"'),
    (["$(rm -rf /)"], r'"$(rm -rf /)"'),
    (["-file", "C:\\Backup Dir\\ol_x.arc", "-u", "informix"], r'-file "C:\Backup Dir\ol_x.arc" -u informix'),
    ([], ""),
]


class _Continue(Exception):
    pass


class _Builder:
    def __init__(self):
        self.text = ""


class _Char(str):
    pass


NOTHING = object()


class Evaluator:
    """Just the PowerShell a command-line function needs: assignments, if/else, foreach, continue, ++, -eq/-gt,
    -or/-and, + and *, casts to [string]/[char]/[void], New-Object Text.StringBuilder, its Append/ToString/Length
    and a string's Contains/ToCharArray/Length. Anything else raises, so nothing is skipped or guessed."""

    def __init__(self, script):
        self.script = script

    def call(self, name, *arguments):
        function = self.script.functions[name.lower()]
        env = dict(zip(self.script.parameters(function), arguments))
        output = []
        self.block(self.script.statements(function), env, output)
        return output

    def block(self, statements, env, output):
        for statement in statements.children if statements is not None else ():
            kind = statement.type
            if kind in ("comment", "empty_statement"):
                continue
            if kind == "pipeline":
                value = self.pipeline(statement, env)
                if value is not NOTHING:
                    output.append(value)
            elif kind == "if_statement":
                self.if_statement(statement, env, output)
            elif kind == "foreach_statement":
                self.foreach(statement, env, output)
            elif kind == "flow_control_statement" and self.script.text(statement) == "continue":
                raise _Continue
            else:
                raise NotImplementedError(f"{kind}: {self.script.text(statement)}")

    def inner(self, statement_block):
        return next((c for c in statement_block.children if c.type == "statement_list"), None)

    def if_statement(self, node, env, output):
        branches = [(node.children[2], node.children[4])]
        for clause in [c for c in _walk(node) if c.type == "elseif_clause" and c.parent.parent == node]:
            branches.append((clause.children[2], clause.children[4]))
        otherwise = next((c for c in node.children if c.type == "else_clause"), None)
        for condition, block in branches:
            if self.truth(self.pipeline(condition, env)):
                return self.block(self.inner(block), env, output)
        if otherwise is not None:
            self.block(self.inner(otherwise.children[1]), env, output)

    def foreach(self, node, env, output):
        variable, items, block = node.children[2], node.children[4], node.children[6]
        values = self.pipeline(items, env)
        for value in values if isinstance(values, list) else ([] if values is None else [values]):
            env[self.script.text(variable).lower()] = value
            try:
                self.block(self.inner(block), env, output)
            except _Continue:
                continue

    def pipeline(self, node, env):
        first = node.children[0]
        if first.type == "assignment_expression":
            target = first.children[0].children[0].children[0]
            if target.type != "variable" or self.script.text(first.children[1]) != "=":
                raise NotImplementedError(self.script.text(first))
            env[self.script.text(target).lower()] = self.value(first.children[2].children[0], env)
            return NOTHING
        chain = [c for c in first.children if c.type != "|"] if first.type == "pipeline_chain" else [first]
        if len(chain) != 1:
            raise NotImplementedError(self.script.text(node))
        return self.value(chain[0], env)

    def value(self, node, env):
        kind, text, named = node.type, self.script.text(node), [c for c in node.children if c.is_named]
        if kind in ("unary_expression", "argument_expression", "pipeline_chain") and len(node.children) == 1:
            return self.value(node.children[0], env)
        if kind == "expression_with_unary_operator" and len(node.children) == 1:
            return self.value(node.children[0], env)
        if kind == "parenthesized_expression":
            return self.pipeline(named[0], env)
        if kind == "variable":
            constants = {"$true": True, "$false": False, "$null": None}
            return constants[text.lower()] if text.lower() in constants else env[text.lower()]
        if kind == "integer_literal":
            return int(text)
        if kind == "string_literal":
            value = string_value(self.script.source, node)
            if value is None:
                raise NotImplementedError(text)
            return value
        if kind == "cast_expression":
            cast, operand = self.script.text(named[0]).lower(), self.value(named[1], env)
            if cast == "[void]":
                return NOTHING
            if cast == "[string]":
                return "" if operand is None else str(operand)
            if cast == "[char]" and isinstance(operand, str) and len(operand) == 1:
                return _Char(operand)
            raise NotImplementedError(text)
        if kind == "post_increment_expression":
            env[self.script.text(named[0]).lower()] += 1
            return NOTHING
        if kind == "comparison_expression":
            left, right = self.value(named[0], env), self.value(named[2], env)
            operator = self.script.text(named[1]).lower()
            if isinstance(left, str) and isinstance(right, str):  # PowerShell compares text case-insensitively
                left, right = left.lower(), right.lower()
            if operator in ("-eq", "-ieq"):
                return left == right
            if operator == "-gt":
                return left > right
            raise NotImplementedError(text)
        if kind == "logical_expression":
            operator = self.script.text(node.children[1]).lower()
            left = self.truth(self.value(node.children[0], env))
            if operator == "-or":
                return left or self.truth(self.value(node.children[2], env))
            if operator == "-and":
                return left and self.truth(self.value(node.children[2], env))
        if kind in ("additive_argument_expression", "multiplicative_argument_expression", "additive_expression",
                    "multiplicative_expression"):
            left, right = self.value(node.children[0], env), self.value(node.children[2], env)
            operator = self.script.text(node.children[1])
            if isinstance(left, int) and isinstance(right, int) and operator in "+*":
                return left + right if operator == "+" else left * right
        if kind == "member_access" and self.script.text(named[-1]) == "Length":
            target = self.value(named[0], env)
            return len(target.text if isinstance(target, _Builder) else target)
        if kind == "invocation_expression":
            return self.method(node, env)
        if kind == "command" and " ".join(text.split()).lower() == "new-object text.stringbuilder":
            return _Builder()
        raise NotImplementedError(f"{kind}: {text}")

    def method(self, node, env):
        target = self.value(node.children[0], env)
        name = self.script.text(next(c for c in node.children if c.type == "member_name"))
        arguments = [self.value(a, env) for a in _walk(node.children[-1]) if a.type == "argument_expression"
                     and a.parent.parent == node.children[-1]]
        if isinstance(target, _Builder) and name == "Append" and len(arguments) == 1 and isinstance(arguments[0], str):
            target.text += arguments[0]
            return target
        if isinstance(target, _Builder) and name == "Append" and len(arguments) == 2 and \
                isinstance(arguments[0], _Char) and isinstance(arguments[1], int):  # Append(char, repeatCount)
            target.text += arguments[0] * arguments[1]
            return target
        if isinstance(target, _Builder) and name == "ToString" and not arguments:
            return target.text
        if isinstance(target, str) and name == "Contains" and len(arguments) == 1:
            return arguments[0] in target  # String.Contains is ordinal
        if isinstance(target, str) and name == "ToCharArray" and not arguments:
            return [_Char(c) for c in target]
        raise NotImplementedError(self.script.text(node))

    @staticmethod
    def truth(value):
        return bool(value) and value is not NOTHING


def command_line(source: bytes, argv: list[str]) -> str:
    output = Evaluator(Script(source)).call("ConvertTo-CommandLine", list(argv))
    assert len(output) == 1, output
    return output[0]


def test_the_table_is_list2cmdline():
    for argv, expected in QUOTING:
        assert subprocess.list2cmdline(argv) == expected, argv


@pytest.mark.parametrize("argv, expected", QUOTING)
def test_the_command_line_quoting_gives_list2cmdlines_answers(argv, expected):
    assert command_line(SOURCE, argv) == expected


@pytest.mark.parametrize("old, new", [
    ("[void]$line.Append([char]'\\', 2 * $slashes + 1)", "[void]$line.Append([char]'\\', 2 * $slashes)"),
    ("[void]$line.Append([char]'\\', 2 * $slashes).Append", "[void]$line.Append([char]'\\', $slashes).Append"),
    (" -or $text.Contains(\"`t\")", ""),
    ("$text.Length -eq 0 -or ", ""),
    ("[void]$line.Append($c)\n            $slashes = 0", "[void]$line.Append($c)"),
])
def test_a_broken_quoting_function_fails_the_table(old, new):
    broken = mutated(old, new)
    assert any(command_line(broken, argv) != expected for argv, expected in QUOTING)


def test_the_evaluator_refuses_what_it_does_not_know():
    broken = mutated("$text = [string]$item", "$text = [string]$item -replace 'x', 'y'")
    with pytest.raises(NotImplementedError):
        command_line(broken, ["a"])


def command_line_problems(source: bytes) -> list[str]:
    """How native programs are started: one ProcessStartInfo maker, no shell, argv quoted by one function."""
    script = Script(source)
    problems = []
    if b"cmd.exe" in source.lower():
        problems.append("cmd.exe appears in the script")
    assigned = {}  # member name -> [(assignment, value)], chains ($a.X = $a.Y = v) included
    for node in _walk(script.root):
        if node.type == "assignment_expression" and node.parent.type != "assignment_expression":
            targets, link = [], node
            while link.type == "assignment_expression":
                targets.append(link.children[0])
                link = link.children[-1]
            for target in targets:
                member = next((n for n in _walk(target) if n.type == "member_name"), None)
                if member is not None:
                    assigned.setdefault(script.text(member).lower(), []).append((node, link))

    def only_in(nodes, function, what):
        nodes = [n[0] if isinstance(n, tuple) else n for n in nodes]
        where = [script.function_name(script.function_of(n)) if script.function_of(n) else "script" for n in nodes]
        if where != [function]:
            problems.append(f"{what} is set in {where}, not once in {function}")

    only_in(assigned.get("arguments", []), "new-startinfo", "Arguments")
    only_in(assigned.get("filename", []), "new-startinfo", "FileName")
    only_in(assigned.get("useshellexecute", []), "new-startinfo", "UseShellExecute")
    for key, value in (("arguments", "ConvertTo-CommandLine @($argv | Select-Object -Skip 1)"),
                       ("filename", "[string]$argv[0]"), ("useshellexecute", "$false")):
        for _node, given in assigned.get(key, []):
            if script.text(given) != value:
                problems.append(f"{key} = {script.text(given)!r}, not {value!r}")
    for key in ("redirectstandardinput", "redirectstandardoutput", "redirectstandarderror", "standardoutputencoding",
                "standarderrorencoding"):
        only_in(assigned.get(key, []), "new-startinfo", key)
    makers = [n for n in _walk(script.root) if n.type in ("command", "invocation_expression")
              and "processstartinfo" in script.text(n).lower()
              and script.text(n).lower().startswith(("new-object", "["))]
    only_in(makers, "new-startinfo", "a ProcessStartInfo")
    starts = [n for n in _walk(script.root) if n.type == "invocation_expression" and
              script.text(n).lower().startswith("[diagnostics.process]::start(")]
    only_in(starts, "start-program", "Process.Start")
    builders = [n for n in _walk(script.root) if n.type == "command" and
                script.text(n).lower().startswith("convertto-commandline")]
    only_in(builders, "new-startinfo", "ConvertTo-CommandLine's use")
    invoked = sorted(script.text(n.children[1]) for n in _walk(script.root) if n.type == "command" and
                     n.children[0].type == "command_invocation_operator")
    if invoked != ["$command", "$operations[$name]"]:
        problems.append(f"& runs {invoked}: only a resolved cmdlet and the dispatch table may be invoked")
    for node in _walk(script.root):
        if node.type == "command_name" and script.text(node).lower() in ("start-process", "saps", "start"):
            problems.append(f"line {script.line(node)}: {script.text(node)} starts a program through the shell")
    for name in ("invoke-oprun", "invoke-opprompted"):
        function = script.functions.get(name)
        if function is None or "Start-Program" not in script.text(function) or ".ExitCode" not in script.text(function):
            problems.append(f"{name} starts a program without reading its ExitCode")
    return problems


def test_programs_start_only_from_an_argv_quoted_by_one_function():
    assert command_line_problems(SOURCE) == []


@pytest.mark.parametrize("old, new, words", [
    ("        $proc = Start-Program $info $job\n",
     "        $info.Arguments = '/c ' + $op.argv[0]\n        $proc = Start-Program $info $job\n",
     "Arguments is set in"),
    ("$info.UseShellExecute = $false", "$info.UseShellExecute = $true", "not '$false'"),
    ("$info.FileName = [string]$argv[0]", "$info.FileName = 'cmd.exe'", "cmd.exe appears"),
    ("$info.Arguments = ConvertTo-CommandLine @($argv | Select-Object -Skip 1)",
     "$info.Arguments = $argv[1..99] -join ' '", "not 'ConvertTo-CommandLine"),
    ("Start-Sleep -Milliseconds 25", "Start-Process -FilePath $x; Start-Sleep -Milliseconds 25", "through the shell"),
    ("$objects = @(& $command @params", "$objects = @(& $name @params", "& runs"),
    ("if ($proc.HasExited) { $rc = $proc.ExitCode }", "if ($proc.HasExited) { $rc = 0 }",
     "invoke-oprun starts a program without reading"),
])
def test_a_broken_copy_fails_the_command_line_rules(old, new, words):
    problems = command_line_problems(mutated(old, new))
    assert any(words in p for p in problems), problems


# --- the process tree: a Job object (issue 18 item 3) ---

def job_problems(source: bytes) -> list[str]:
    """How a program and everything it starts are ended: each program joins a Job object right after it started
    (kill-on-close), the job is terminated at the deadline or when the program ended but what it started still holds
    its output, its handle is closed in a finally; no taskkill; the output read is kept and an exit code that does
    not exist is never read."""
    script = Script(source)
    problems = []

    def body(name):
        return script.text(script.functions[name]) if name in script.functions else ""

    if b"taskkill" in source.lower():
        problems.append("taskkill appears in the script: it misses descendants whose parent already exited")
    embedded = pwsh_checks.embedded_csharp(source, "executor.ps1")
    code = (embedded[0][1] or "") if len(embedded) == 1 else ""
    for needed in ("KillOnJobClose = 0x2000", "limits.Basic.LimitFlags = KillOnJobClose;",
                   "ExtendedLimitInformation = 9",
                   "SetInformationJobObject(handle, ExtendedLimitInformation, ref limits",
                   "AssignProcessToJobObject(handle, process.Handle)", "TerminateJobObject(handle,",
                   "CloseHandle(handle)"):
        if needed not in code:
            problems.append(f"the job's C# lacks {needed!r}")
    start = [c for c in script.statements(script.functions["start-program"]).children if c.type != "comment"]
    if len(start) < 2 or "[Diagnostics.Process]::Start($info)" not in script.text(start[0]) or \
            not script.text(start[1]).startswith("try {\n        $job.Assign($proc)\n"):
        problems.append("Start-Program does not assign the process to its job right after starting it")
    if "$job.Terminate()" not in body("stop-tree"):
        problems.append("Stop-Tree does not terminate the job")
    run = script.functions["invoke-oprun"]
    run_text = body("invoke-oprun")
    if not 0 <= run_text.find("$job = New-ProcessJob") < run_text.find("$proc = Start-Program $info $job"):
        problems.append("Invoke-OpRun does not start its program in a new job")
    stops = [n for n in _walk(run) if n.type == "command" and script.text(n) == "Stop-Tree $job $proc"]
    guards = []
    for stop in stops:
        node = stop.parent
        while node is not None and node.type != "if_statement":
            node = node.parent
        guards.append(script.text(node.children[2]) if node is not None else "")
    if guards != ["$ending -cne 'done'"] or "$ending = Wait-Program" not in run_text:
        problems.append(f"Invoke-OpRun ends the job under {guards}, not at the deadline or on held output")
    wait = body("wait-program")
    for needed in ("if ([DateTime]::UtcNow -ge $deadline) { return 'late' }",
                   "if ([DateTime]::UtcNow -ge $heldAfter) { return 'held' }", "$heldOutputGraceSeconds"):
        if needed not in wait:
            problems.append(f"Wait-Program lacks {needed!r}")
    finals = [script.text(n) for n in _walk(run) if n.type == "finally_clause"]
    if not any("$job.Dispose()" in f for f in finals) or "$job.Dispose()" not in body("invoke-opprompted"):
        problems.append("a job's handle is not closed (Dispose) in a finally")
    for node in _walk(run):
        if node.type == "member_name" and script.text(node) == "ExitCode":
            guard = node
            while guard is not None and guard.type != "if_statement":
                guard = guard.parent
            if guard is None or script.text(guard.children[2]) != "$proc.HasExited":
                problems.append(f"line {script.line(node)}: ExitCode read without $proc.HasExited: it may throw")
    output = body("get-output").lower()
    if script.parameters(script.functions["get-output"]) != ["$reads", "$tofile"] or "return ''" in output or \
            "Get-Output $reads ([bool]$toFile)" not in run_text:
        problems.append("Get-Output does not keep the output read when the run timed out")
    return problems


def test_a_program_and_all_it_starts_are_held_and_ended_by_a_job_object():
    assert job_problems(SOURCE) == []


@pytest.mark.parametrize("old, new, words", [
    ("        $job.Assign($proc)\n", "        [void]$proc.Id\n", "does not assign the process to its job"),
    ("        $job.Terminate()\n", "        $proc.Kill()\n", "Stop-Tree does not terminate the job"),
    ("        $job.Terminate()\n", "        $job.Terminate()\n        & taskkill.exe /T /F /PID $proc.Id\n",
     "taskkill appears"),
    ("limits.Basic.LimitFlags = KillOnJobClose;", "limits.Basic.LimitFlags = 0;", "lacks 'limits.Basic.LimitFlags"),
    ("TerminateJobObject(handle, EndedExitCode)", "false", "lacks 'TerminateJobObject(handle,'"),
    ("        $job = New-ProcessJob\n        $info", "        $info", "does not start its program in a new job"),
    ("if ($ending -cne 'done') {", "if ($ending -ceq 'late') {", "not at the deadline or on held output"),
    ("if ([DateTime]::UtcNow -ge $heldAfter) { return 'held' }", "", "Wait-Program lacks"),
    ("        if ($null -ne $job) { $job.Dispose() }", "", "not closed (Dispose) in a finally"),
    ("$rc = -1  # a program", "$rc = $proc.ExitCode  # a program", "ExitCode read without $proc.HasExited"),
    ("    $wanted = $reads\n", "    if ($timedOut) { return '' }\n    $wanted = $reads\n",
     "does not keep the output read"),
])
def test_a_copy_that_does_not_end_the_tree_with_a_job_fails(old, new, words):
    problems = job_problems(mutated(old, new))
    assert any(words in p for p in problems), problems


def test_the_process_job_s_csharp_compiles_as_csharp_5():
    """No PowerShell runs here: mcs compiles the here-string Add-Type compiles on the host, in C# 5 (P/Invoke
    declarations compile without running)."""
    embedded = pwsh_checks.embedded_csharp(SOURCE, "executor.ps1")
    assert len(embedded) == 1 and "public sealed class ProcessJob : IDisposable" in embedded[0][1]
    assert pwsh_checks.csharp_problems(embedded, CACHE) == []
    assert all(len(line) <= WIDEST_LINE for line in embedded[0][1].splitlines())


@pytest.mark.parametrize("old, new, words", [
    ('"CreateJobObject failed"', '$"CreateJobObject failed: {handle}"', "does not compile"),  # C# 6
    ("static extern bool CloseHandle(IntPtr handle);", "static extern bool CloseHandle(IntPtr handle)",
     "does not compile"),
    ("Add-Type -TypeDefinition $processJobSource", "Add-Type -Path $processJobSource", "Add-Type without"),
])
def test_a_broken_csharp_copy_fails_to_compile(old, new, words):
    problems = pwsh_checks.csharp_problems(pwsh_checks.embedded_csharp(mutated(old, new), "executor.ps1"), CACHE)
    assert any(words in p for p in problems), problems


# --- issue 18 item 2: a lock's owner is the batch that took it, not the process (PSRP shares one) ---

def live_handle_problems(source: bytes) -> list[str]:
    """Invoke-OpLock takes <path>.live opened with FileShare.None (Open-Live) before it judges the lock, refuses while
    another batch holds it, and keeps it in $liveHandles unless hold is false; unlock closes its own; the batch closes
    every one in a finally of its top-level try. No lock decision asks whether a process runs."""
    script = Script(source)
    problems = []
    opener = script.text(script.functions["open-live"]) if "open-live" in script.functions else ""
    for needed in ("$exclusive = [IO.FileShare]::None", '[IO.File]::Open("$path.live", [IO.FileMode]::OpenOrCreate, '
                   "[IO.FileAccess]::ReadWrite, $exclusive)", "$reason = $_.Exception.GetBaseException()",
                   "if (($reason.HResult -band 0xFFFF) -ne 32) { throw }",
                   "if ($attempt -lt 5) { Start-Sleep -Milliseconds 200 }"):
        if needed not in opener:
            problems.append(f"Open-Live lacks {needed!r}")
    lock = script.text(script.functions["invoke-oplock"])
    order = ["$live = Open-Live $path", "if ($null -eq $live) { return @{ acquired = $false;",
             "(Test-Breakable $held $token)", "if ($op.hold -ne $false) {", "$liveHandles[$path] = $live",
             "if ($null -ne $live) { $live.Dispose() }"]
    found = [lock.find(part) for part in order]
    if -1 in found or found != sorted(found):
        problems.append(f"Invoke-OpLock does not take the live handle, refuse without it, then keep it: {found}")
    unlock = script.text(script.functions["invoke-opunlock"])
    if "$liveHandles[$path].Dispose()" not in unlock or "[void]$liveHandles.Remove($path)" not in unlock:
        problems.append("Invoke-OpUnlock does not close its own live handle")
    top = [c for c in script.statements().children if c.type == "try_statement"]
    ending = [script.text(c) for t in top for c in t.children if c.type == "finally_clause"]
    if not any("foreach ($live in $liveHandles.Values) { $live.Dispose() }" in text for text in ending):
        problems.append("the batch does not close its live handles in a finally")
    earlier = "$earlier = $null -eq $held.owner -and $null -ne $held.pid"
    if earlier not in script.text(script.functions["test-breakable"]):
        problems.append("Test-Breakable asks the process of a lock that is not an earlier executor's")
    if "owner = 'batch'" not in script.text(script.functions["convertto-lockbytes"]):
        problems.append("the lock's record does not say a batch owns it (owner = 'batch')")
    for name in script.reached("invoke-oplock"):
        text = script.text(script.functions[name]).replace(EARLIER_EXECUTORS_LOCK, "")
        if "GetProcessById" in text or "Get-Process" in text:
            problems.append(f"{name}: a lock judged by whether a process runs")
    return problems


# The one process check left: a lock an earlier executor wrote (no owner) belongs to its process while it runs.
EARLIER_EXECUTORS_LOCK = ("if ($earlier -and $asItWas -and (Get-Process -Id ([int]$held.pid) -ErrorAction "
                          "SilentlyContinue)) {")


def test_a_lock_is_held_live_by_its_batch_through_an_exclusive_handle_closed_at_the_batch_end():
    assert live_handle_problems(SOURCE) == []


@pytest.mark.parametrize("old, new, words", [
    ("    $exclusive = [IO.FileShare]::None\n", "    $exclusive = [IO.FileShare]::Read\n", "Open-Live lacks"),
    ("        if ($attempt -lt 5) { Start-Sleep -Milliseconds 200 }\n", "", "Open-Live lacks"),
    ("if (($reason.HResult -band 0xFFFF) -ne 32) { throw }", "", "Open-Live lacks"),
    ("        if ($null -eq $live) { return @{ acquired = $false; holder = $held; live = $true; halt = $true } }", "",
     "refuse without it"),
    ("            $liveHandles[$path] = $live\n", "", "then keep it"),
    ("            $liveHandles[$path].Dispose()\n", "", "does not close its own"),
    ("    foreach ($live in $liveHandles.Values) { $live.Dispose() }\n", "", "in a finally"),
    ("    if (@($held.PSObject.Properties).Count -eq 0) { return $true }",
     "    if (@($held.PSObject.Properties).Count -eq 0) { return $true }\n"
     "    if ([Diagnostics.Process]::GetProcessById([int]$held.pid)) { return $false }", "whether a process runs"),
    ("$earlier = $null -eq $held.owner -and", "$earlier = $true -and", "earlier executor"),
    ("started = $started; owner = 'batch' }", "started = $started }", "owner = 'batch'"),
])
def test_a_copy_that_does_not_hold_the_lock_live_fails(old, new, words):
    problems = live_handle_problems(mutated(old, new))
    assert any(words in p for p in problems), problems


# --- issue 19 item 3: another controller takes over a killed run's lock only once no batch of it runs ---

def lock_live_problems(source: bytes) -> list[str]:
    """lock_live only reads: no .live file means no batch holds it; otherwise, under the guard when there is one (a
    batch taking the lock meanwhile waits rather than finding the handle busy), a shared open of <path>.live that only
    a sharing violation (32) makes live; it creates nothing (never Open-Live, whose OpenOrCreate would) and asks no
    process. Invoke-OpLock's refusals say live: true while the batch holds the handle, false once none does."""
    script = Script(source)
    problems = []
    text = script.text(script.functions["invoke-oplocklive"]) if "invoke-oplocklive" in script.functions else ""
    order = ['if (-not [IO.File]::Exists("$path.live")) { return @{ live = $false } }',
             'if ([IO.File]::Exists("$path.guard")) { $guard = Open-Guard $path }',
             '$handle = Open-Shared "$path.live"',
             "-ne 32) { throw }", "return @{ live = $true }", "$handle.Dispose()",
             "if ($null -ne $guard) { $guard.Dispose() }", "\n    @{ live = $false }"]
    found = [text.find(part) for part in order]
    if -1 in found or found != sorted(found):
        problems.append(f"Invoke-OpLockLive does not read the live handle under the guard as declared: {found}")
    for name in set(script.reached("invoke-oplocklive")) - {"open-guard"}:  # opened only when it exists (above)
        body = script.text(script.functions[name])
        if name == "open-live" or "OpenOrCreate" in body or "Get-Process" in body or "GetProcessById" in body:
            problems.append(f"{name}: lock_live creates a file or asks a process")
    lock = script.text(script.functions["invoke-oplock"])
    for needed in ("if ($null -eq $live) { return @{ acquired = $false; holder = $held; live = $true; halt = $true } }",
                   "return @{ acquired = $false; holder = (Read-Lock $path); live = $false; halt = $true }"):
        if needed not in lock:
            problems.append(f"Invoke-OpLock's refusal does not say whether the lock is live: {needed[:40]!r}")
    return problems


def test_whether_a_lock_is_live_is_read_without_creating_or_taking_anything():
    assert lock_live_problems(SOURCE) == []


@pytest.mark.parametrize("old, new, words", [
    ('    if (-not [IO.File]::Exists("$path.live")) { return @{ live = $false } }', "", "as declared"),
    ('    if ([IO.File]::Exists("$path.guard")) { $guard = Open-Guard $path }', "", "as declared"),
    ('$handle = Open-Shared "$path.live"', '$handle = Open-Live $path', "creates a file"),
    ("            if ($reason -isnot [IO.IOException] -or ($reason.HResult -band 0xFFFF) -ne 32) { throw }\n", "",
     "as declared"),
    ("        $handle.Dispose()\n", "", "as declared"),
    ("holder = $held; live = $true; halt = $true }", "holder = $held; halt = $true }", "whether the lock is live"),
    ("holder = (Read-Lock $path); live = $false; halt", "holder = (Read-Lock $path); halt", "whether the lock is"),
])
def test_a_copy_that_takes_or_guesses_the_live_handle_fails(old, new, words):
    problems = lock_live_problems(mutated(old, new))
    assert any(words in p for p in problems), problems


# --- issue 18 items 6 and 8: where Windows and the lab's POSIX executor would differ unseen ---

def divergence_problems(source: bytes) -> list[str]:
    """Each stream of a run comes alone too; stat follows every link (GetFinalPathNameByHandle) and reports a link
    to nothing as dangling, not as a folder; unzip reads unflagged names as ASCII and refuses the rest; a run record
    that cannot be written sets error, and none is written under what-if."""
    script = Script(source)
    problems = []

    def body(name):
        return script.text(script.functions[name]) if name in script.functions else ""

    run = body("invoke-oprun")
    for needed in ("$errs = Get-Output @($reads[1]) $false", "$outs = Get-Output @($reads[0]) $false",
                   "stdout = $outs; stderr = $errs", "            stderr = $errs\n"):
        if needed not in run:
            problems.append(f"Invoke-OpRun lacks {needed!r}: a stream does not come alone")
    embedded = pwsh_checks.embedded_csharp(source, "executor.ps1")
    code = (embedded[0][1] or "") if len(embedded) == 1 else ""
    for needed in ("public static class FinalPath", "BackupSemantics = 0x02000000",
                   "GetFinalPathNameByHandleW(file, final,", "CloseHandle(file);"):
        if needed not in code:
            problems.append(f"the C# lacks {needed!r}: resolved would not follow every link")
    if "('OsccAdmin.FinalPath' -as [type])::Of($item.FullName)" not in body("resolve-entry"):
        problems.append("Resolve-Entry does not ask GetFinalPathNameByHandle (FinalPath) where the path leads")
    if "Import-NativeCode" not in body("resolve-entry") or "Import-NativeCode" not in body("new-processjob"):
        problems.append("a native type is used before Import-NativeCode compiled it")
    stat = body("invoke-opstat")
    for needed in ("$dangling = $null -eq $resolved", "$isFolder = $item -is [IO.DirectoryInfo] -and -not $dangling",
                   "dangling = $dangling"):
        if needed not in stat:
            problems.append(f"Invoke-OpStat lacks {needed!r}: a link to nothing is not reported as the lab does")
    zip_open = body("open-zip")
    if "[Text.Encoding]::GetEncoding('us-ascii', $refuse, $unknown)" not in zip_open or \
            "[IO.Compression.ZipArchive]::new($file, [IO.Compression.ZipArchiveMode]::Read, $false, $names)" \
            not in zip_open:
        problems.append("Open-Zip reads unflagged entry names in the ANSI code page, not as ASCII")
    if "$_.Contains([string][char]0xFFFD)" not in body("invoke-opunzip") or \
            "neither in ASCII nor in flagged UTF-8" not in body("invoke-opunzip"):
        problems.append("Invoke-OpUnzip does not refuse a name neither ASCII nor flagged UTF-8")
    saving = body("save-record")
    if "the run record could not be written: " not in saving or "\n        $null\n" not in saving:
        problems.append("Save-Record does not say why the run record could not be written")
    top = source.decode()
    if "if ($document.record -and -not $mode.what_if) {" not in top:
        problems.append("the run record is written under what-if")
    if "$result.error = $unsaved" not in top:
        problems.append("a run record that cannot be written does not set the batch's error")
    return problems


def test_the_executor_does_what_the_lab_s_posix_executor_does_where_the_lab_cannot_see_it():
    assert divergence_problems(SOURCE) == []


@pytest.mark.parametrize("old, new, words", [
    ("$errs = Get-Output @($reads[1]) $false", "$errs = ''", "a stream does not come alone"),
    ("stdout = $outs; stderr = $errs; ", "", "a stream does not come alone"),
    ("GetFinalPathNameByHandleW(file, final,", "GetFinalPathNameByHandleW(file, null,", "would not follow every"),
    ("$final = ('OsccAdmin.FinalPath' -as [type])::Of($item.FullName)", "$final = $item.FullName",
     "does not ask GetFinalPathNameByHandle"),
    ("    Import-NativeCode\n    $final", "    $final", "before Import-NativeCode"),
    ("$isFolder = $item -is [IO.DirectoryInfo] -and -not $dangling", "$isFolder = $item -is [IO.DirectoryInfo]",
     "a link to nothing"),
    ("[IO.Compression.ZipArchiveMode]::Read, $false, $names)", "[IO.Compression.ZipArchiveMode]::Read)",
     "ANSI code page"),
    ("$foreign = @($names | Where-Object { $_.Contains([string][char]0xFFFD) })", "$foreign = @()",
     "does not refuse a name"),
    ('"the run record could not be written: $(Get-Message $_)"', "$false", "does not say why"),
    ("if ($document.record -and -not $mode.what_if) {", "if ($document.record) {", "written under what-if"),
    ("$result.error = $unsaved\n", "", "does not set the batch's error"),
])
def test_a_copy_that_differs_from_the_lab_unseen_fails(old, new, words):
    problems = divergence_problems(mutated(old, new))
    assert any(words in p for p in problems), problems


# --- issue 19: the collection never writes through a folder that is a link ---

def mkdir_link_problems(source: bytes) -> list[str]:
    """Invoke-OpMkdir asks Test-Link of an existing entry and throws before it creates anything."""
    script = Script(source)
    body = script.text(script.functions["invoke-opmkdir"])
    order = ["$item = Get-Entry $path", "if ($null -ne $item -and (Test-Link $item)) {", "throw \"$path is a link",
             "[IO.Directory]::CreateDirectory($path)"]
    found = [body.find(part) for part in order]
    if -1 in found or found != sorted(found):
        return [f"Invoke-OpMkdir does not refuse a link first: {found}"]
    return mkdir_link_above_problems(script, body)


def mkdir_link_above_problems(script, mkdir_body: str) -> list[str]:
    """Invoke-OpMkdir refuses, before it returns or creates anything, a path below a link: it asks Test-Link of
    every existing folder from the path's parent up to, not including, its drive or share root."""
    order = ["$root = [IO.Path]::GetPathRoot($full)", "$above = [IO.Path]::GetDirectoryName($full)",
             "while ($above -and $above.TrimEnd('\\', '/').Length -gt $root.Length) {", "$entry = Get-Entry $above",
             "if ($null -ne $entry -and (Test-Link $entry)) { $linkAbove = $above }",
             "$above = [IO.Path]::GetDirectoryName($above)", "if ($null -ne $linkAbove) {",
             "throw \"$path lies below $linkAbove", "if ($item -is [IO.DirectoryInfo])",
             "[IO.Directory]::CreateDirectory($path)"]
    found = [mkdir_body.find(part) for part in order]
    if -1 in found or found != sorted(found):
        return [f"Invoke-OpMkdir does not refuse a path below a link before it makes it: {found}"]
    return []


def test_mkdir_refuses_a_folder_that_is_a_link():
    assert mkdir_link_problems(SOURCE) == []


@pytest.mark.parametrize("old, new", [
    ("    if ($null -ne $item -and (Test-Link $item)) {\n", "    if ($false) {\n"),
    ('        throw "$path is a link (symbolic link or junction); the collection writes into real folders only"\n', ""),
])
def test_a_copy_whose_mkdir_follows_a_link_fails(old, new):
    assert mkdir_link_problems(mutated(old, new))


@pytest.mark.parametrize("old, new", [
    ("    if ($null -ne $linkAbove) {\n", "    if ($false) {\n"),
    ("        throw \"$path lies below $linkAbove, $why\"\n", ""),
    ("        if ($null -ne $entry -and (Test-Link $entry)) { $linkAbove = $above }", ""),
    ("        $above = [IO.Path]::GetDirectoryName($above)\n", "        $above = $null\n"),
    ("    $above = [IO.Path]::GetDirectoryName($full)\n", "    $above = $null\n"),
    ("    $root = [IO.Path]::GetPathRoot($full).TrimEnd", "    $root = $full.TrimEnd"),
])
def test_a_copy_whose_mkdir_writes_below_a_link_fails(old, new):
    """Issue 19: with a share folder that is a link, a destination below it was written where the link led."""
    assert mkdir_link_problems(mutated(old, new))


def test_a_copy_whose_mkdir_asks_for_links_only_after_an_existing_folder_returns_fails():
    early = "    if ($item -is [IO.DirectoryInfo]) { return @{ created = $false } }\n"
    source = mutated(early, "").decode()
    place = "    $linkAbove = $null\n"
    assert place in source
    source = source.replace(place, early + place, 1)
    assert mkdir_link_problems(source.encode())


# --- issue 19 item 1: an archive swapped on the share after the restore's look hashed it is never fed or staged ---

HELD_OPEN = "[IO.File]::Open($path, [IO.FileMode]::Open, [IO.FileAccess]::Read, [IO.FileShare]::Read)"


def _in_order(text: str, parts: list[str]) -> bool:
    found = [text.find(part) for part in parts]
    return -1 not in found and found == sorted(found)


def held_stdin_problems(source: bytes) -> list[str]:
    """stdin_sha256: every stdin file opened once with FileShare.Read (no writer or deleter while held), hashed and
    compared before the program starts, the same handle rewound and fed, all closed on a refusal; copy's sha256: the
    bytes hashed as they are copied, a mismatch removes the copy before dest is written and says so."""
    script = Script(source)
    problems = []
    body = {name: script.text(script.functions[name]) if name in script.functions else ""
            for name in ("invoke-oprun", "open-input", "open-checked", "invoke-opcopy", "copy-checked")}
    if not _in_order(body["invoke-oprun"], ["Open-Input $encoding ([string]$op.stdin_text) $op.stdin_files "
                                            "$op.stdin_sha256", "$proc = Start-Program $info $job"]):
        problems.append("Invoke-OpRun does not check the stdin files before the program starts")
    if not _in_order(body["open-input"], ["if ($null -ne $checksums) {", "Open-Checked @($files) @($checksums)"]):
        problems.append("Open-Input does not hold the stdin files it was given checksums for")
    if not _in_order(body["open-checked"], [HELD_OPEN, "$held.Add($stream)", ".ComputeHash($stream)",
                                            "if ($digest -ne [string]$checksums[$i]) { throw ($changedSinceChecked",
                                            "[void]$stream.Seek(0, [IO.SeekOrigin]::Begin)",
                                            "foreach ($stream in $held) { $stream.Dispose() }", ", $held.ToArray()"]):
        problems.append("Open-Checked does not hold, hash, compare and rewind each stdin file as declared")
    if not _in_order(body["invoke-opcopy"], ["if ($null -eq $op.sha256) {",
                                             "Copy-Checked $src $tmp ([string]$op.sha256)", "Move-Over $tmp $dest"]):
        problems.append("Invoke-OpCopy does not check the copy before it takes dest's place")
    if not _in_order(body["copy-checked"], ["$in.CopyTo($sink)", "$sink.FlushFinalBlock()",
                                            "if ((ConvertTo-Hex $hasher.Hash) -ne $sha256) {",
                                            "Invoke-Retried 'delete' $tmp ''", "throw ($changedSinceChecked -f $src)"]):
        problems.append("Copy-Checked does not hash what it copies and remove a mismatch")
    return problems


def test_stdin_files_and_copies_are_checked_against_their_checksums_before_use():
    assert held_stdin_problems(SOURCE) == []


@pytest.mark.parametrize("old, new, words", [
    (HELD_OPEN, HELD_OPEN.replace("[IO.FileShare]::Read)", "[IO.FileShare]::ReadWrite)"), "Open-Checked does not"),
    ("            if ($digest -ne [string]$checksums[$i]) { throw ($changedSinceChecked -f $path) }\n", "",
     "Open-Checked does not"),
    ("            [void]$stream.Seek(0, [IO.SeekOrigin]::Begin)\n", "", "Open-Checked does not"),
    ("        foreach ($stream in $held) { $stream.Dispose() }\n", "", "Open-Checked does not"),
    ("        $fileStreams = Open-Checked @($files) @($checksums)\n",
     "        $fileStreams = @(foreach ($f in @($files)) { Open-Shared ([string]$f) })\n", "Open-Input does not"),
    (" $op.stdin_files $op.stdin_sha256\n", " $op.stdin_files\n", "before the program starts"),
    ("        Copy-Checked $src $tmp ([string]$op.sha256)\n", "        Copy-Shared $src $tmp ([IO.FileMode]::Create)\n",
     "Invoke-OpCopy does not"),
    ("        Invoke-Retried 'delete' $tmp ''\n", "", "Copy-Checked does not"),
    ("    if ((ConvertTo-Hex $hasher.Hash) -ne $sha256) {", "    if ($false) {", "Copy-Checked does not"),
])
def test_a_copy_that_feeds_or_stages_an_unchecked_file_fails(old, new, words):
    problems = held_stdin_problems(mutated(old, new))
    assert any(words in p for p in problems), problems


def test_a_copy_that_checks_the_stdin_files_only_after_the_program_started_fails():
    opening = "        $sources = Open-Input $encoding ([string]$op.stdin_text) $op.stdin_files $op.stdin_sha256\n"
    source = mutated(opening, "").decode()
    start = "        $proc = Start-Program $info $job\n"
    assert start in source
    source = source.replace(start, start + opening, 1)
    problems = held_stdin_problems(source.encode())
    assert "Invoke-OpRun does not check the stdin files before the program starts" in problems


# --- issue 19 (stage19): tapedev's levels 1 and 2, staged by the prompted operation, are checked as copies are ---

STAGE_CHECKED = "        $held = Open-Checked $files @($stage.sha256)\n"
STAGE_COPIED = ("            Copy-Checked ([string]$talk.files[$due]) $partial ([string]@($talk.stage.sha256)[$due]) "
                "$talk.held[$due]\n")


def staged_problems(source: bytes) -> list[str]:
    """stage.sha256: each staged file held (Open-Checked: FileShare.Read, hashed, compared, rewound) before the
    program starts and until it ended; when due, copied from that handle into a file beside the target, hashed as
    it is copied, which replaces the target only after Copy-Checked accepted it; a copy does not close the handle."""
    script = Script(source)
    body = {name: script.text(script.functions[name]) if name in script.functions else ""
            for name in ("invoke-opprompted", "new-conversation", "get-reply", "copy-checked")}
    problems = []
    closed = "} finally {\n        $proc.Dispose()\n        $job.Dispose()\n        foreach ($stream in $talk.held) {"
    if not _in_order(body["invoke-opprompted"], ["$talk = New-Conversation $op.stage", "$proc = Start-Program",
                                                 closed]):
        problems.append("Invoke-OpPrompted does not check the staged files before the program starts")
    if not _in_order(body["new-conversation"], ["if ($null -ne $stage -and $null -ne $stage.sha256) {",
                                                STAGE_CHECKED.strip(), "held = $held"]):
        problems.append("New-Conversation does not hold the staged files it was given checksums for")
    if not _in_order(body["get-reply"], ["if ($null -ne $due -and @($talk.held).Count -gt 0) {", STAGE_COPIED.strip(),
                                         "Move-Over $partial $target"]):
        problems.append("Get-Reply does not stage a checked file through Copy-Checked before it takes the target")
    if not _in_order(body["copy-checked"], ["[void]$in.Seek(0, [IO.SeekOrigin]::Begin)", "$in.CopyTo($sink)",
                                            "if ($null -eq $held) { $in.Dispose() }"]):
        problems.append("Copy-Checked does not copy a held stream from its start, or closes it")
    return problems


def test_staged_files_are_checked_before_the_program_starts_and_as_they_are_copied():
    assert staged_problems(SOURCE) == []


@pytest.mark.parametrize("old, new, words", [
    (STAGE_CHECKED, "        $held = @()\n", "New-Conversation does not"),
    (STAGE_COPIED, "            Copy-Shared ([string]$talk.files[$due]) $partial ([IO.FileMode]::Create)\n",
     "Get-Reply does not"),
    ("            Move-Over $partial $target\n", "", "Get-Reply does not"),
    ("        foreach ($stream in $talk.held) { $stream.Dispose() }  #", "        #", "Invoke-OpPrompted does not"),
    ("        [void]$in.Seek(0, [IO.SeekOrigin]::Begin)\n", "", "Copy-Checked does not"),
    ("        if ($null -eq $held) { $in.Dispose() }", "        $in.Dispose()", "Copy-Checked does not"),
])
def test_a_copy_that_stages_an_unchecked_file_fails(old, new, words):
    problems = staged_problems(mutated(old, new))
    assert any(words in p for p in problems), problems
