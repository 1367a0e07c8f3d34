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
VOID_METHODS = {"dispose", "close", "flush", "write", "kill", "flushfinalblock",
                "delete", "copy", "copyto", "move", "replace", "sort", "zerofreebstr", "writealltext"}
# Commands that write nothing to the output: cmdlets so documented, and the executor's own helpers named here, whose
# bodies test_the_quiet_helpers_write_nothing checks.
QUIET_HELPERS = {"stop-tree", "move-over", "write-atomically", "expand-entry", "set-environment"}
QUIET_COMMANDS = {"import-module", "add-pssnapin", "add-member", "start-sleep"} | QUIET_HELPERS
# The executor's size: its functions (the operations' and their helpers, measured 61) and the length of each.
MOST_FUNCTIONS = 64
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
                  "add-type", "[scriptblock]::create"):
        assert never not in lowered, never


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
WHAT_IF_CONDITIONS = {"unzip": ("-not $request.dest",), "cmdlet": ("$readOnly", "'Get-*'"),
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
    ("($readOnly -or ([string]$request.name) -like 'Get-*')", "$true", "lets cmdlet run under what-if without"),
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
    assert "$failed = $true" in script.text(catch_all.children[-1])  # the general catch counts as a failure


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
    ("[void][IO.Directory]::CreateDirectory([string]$op.path)", "[IO.Directory]::CreateDirectory([string]$op.path)",
     "writes '[IO.Directory]::CreateDirectory([string]$op.path)' to its output"),
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
    ("invoke-oprun", ["[IO.FileMode]::CreateNew", "New-Sha", "CryptoStream", "Stop-Tree $proc", ".ExitCode"]),
    ("invoke-opprompted", ["[Text.RegularExpressions.RegexOptions]::IgnoreCase", "Stop-Tree $proc", "$secretValues"]),
    ("stop-tree", ["'taskkill.exe'), '/T', '/F', '/PID'"]),
    ("new-sha", ["[Security.Cryptography.SHA256]::Create()"]),
    ("invoke-opwrite", ["Move-Over $tmp $path", "'{0}.{1}.partial' -f $path, $PID"]),
    ("move-over", ["[IO.File]::Replace($tmp, $path,", "[IO.File]::Move($tmp, $path)"]),
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
    for name in ("stop-tree", "invoke-oprun", "invoke-opprompted"):
        function = script.functions.get(name)
        if function is None or "Start-Program" not in script.text(function) or ".ExitCode" not in script.text(function):
            problems.append(f"{name} starts a program without reading its ExitCode")
    return problems


def test_programs_start_only_from_an_argv_quoted_by_one_function():
    assert command_line_problems(SOURCE) == []


@pytest.mark.parametrize("old, new, words", [
    ("$kill = Start-Program (New-StartInfo $argv $null '' (Get-Encoding 'oem'))",
     "$info = New-StartInfo $argv $null '' (Get-Encoding 'oem'); $info.Arguments = '/T /F /PID ' + $proc.Id\n"
     "        $kill = Start-Program $info", "Arguments is set in"),
    ("$info.UseShellExecute = $false", "$info.UseShellExecute = $true", "not '$false'"),
    ("$info.FileName = [string]$argv[0]", "$info.FileName = 'cmd.exe'", "cmd.exe appears"),
    ("$info.Arguments = ConvertTo-CommandLine @($argv | Select-Object -Skip 1)",
     "$info.Arguments = $argv[1..99] -join ' '", "not 'ConvertTo-CommandLine"),
    ("Start-Sleep -Milliseconds 25", "Start-Process -FilePath $x; Start-Sleep -Milliseconds 25", "through the shell"),
    ("$objects = @(& $command @params", "$objects = @(& $name @params", "& runs"),
    ("if (-not $kill.WaitForExit(60000) -or $kill.ExitCode -ne 0)",
     "if (-not $kill.WaitForExit(60000))", "stop-tree starts a program without reading"),
])
def test_a_broken_copy_fails_the_command_line_rules(old, new, words):
    problems = command_line_problems(mutated(old, new))
    assert any(words in p for p in problems), problems
