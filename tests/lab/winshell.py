"""Lab stand-ins (test equipment) for C:\\Windows\\System32\\cmd.exe and powershell.exe on the simulated Windows
servers, as far as the executor selftest (plugins/plugin_utils/_host/selftest.py) uses them:

- ``cmd.exe /d /c rd <folder>`` removes an empty folder (else "The directory is not empty.", exit 145);
- ``cmd.exe /d /c <script>.cmd`` runs a batch file of the lines ``@echo off``, ``echo(<text>`` (``%NAME%``
  expanded), ``set /p NAME=<prompt>`` (the prompt without a line end, then a line of stdin) and
  ``ping -n <count> <host>`` (a child process that keeps the output open for count - 1 seconds, as ping does) and
  ``type <name>`` (a file of the current folder, by its name alone);
- ``powershell.exe ... -File <folder>\\executor.ps1 -Batch <json>`` runs only the collection's host executor (a file
  that starts as executor.ps1 does) on one batch, through the lab's POSIX executor with the host's paths translated,
  as the win_powershell stand-in does; its JSON answer is the output. No other script runs, so no test passes with a
  PowerShell script the collection writes.

Anything else is refused with a line that starts with ``sim:``. The first argument names the program (the wrapper
labctl writes passes it)."""
import importlib.util
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import labctl  # noqa: E402

EXECUTOR = "# oscc.admin host executor"


def out(text, end="\r\n"):
    sys.stdout.write(text + end)
    sys.stdout.flush()


def batch_file(path):
    variables = {k.upper(): v for k, v in os.environ.items()}
    expand = lambda text: re.sub(r"%(\w+)%", lambda m: variables.get(m.group(1).upper(), m.group(0)), text)  # noqa: E731
    with open(path, encoding="utf-8") as handle:
        for line in handle.read().splitlines():
            line = line.strip()
            if not line or line.lower() == "@echo off":
                continue
            if line.lower().startswith("echo("):
                out(expand(line[5:]))
            elif re.match(r"set /p (\w+)=", line, re.IGNORECASE):
                name, prompt = re.match(r"set /p (\w+)=(.*)$", line, re.IGNORECASE).groups()
                out(prompt, end="")
                variables[name.upper()] = sys.stdin.readline().rstrip("\r\n")
            elif re.match(r"ping -n (\d+) \S+$", line):
                count = int(re.match(r"ping -n (\d+)", line).group(1))
                out(f"Pinging {line.split()[-1]} with 32 bytes of data:")
                subprocess.run(["sleep", str(count - 1)], check=False)  # the child holds this output
            elif re.match(r"type [\w.-]+$", line, re.IGNORECASE):  # a name in the current folder, nothing else
                with open(line.split()[1], encoding="latin-1") as typed:
                    out(typed.read(), end="")
            else:
                out(f"sim: '{line}' is not simulated by the lab's cmd.exe")
                return 1
    return 0


def cmd(argv):
    if argv[:2] != ["/d", "/c"] or len(argv) < 3:
        out(f"sim: cmd.exe {' '.join(argv)} is not simulated")
        return 1
    if argv[2].lower() == "rd" and len(argv) == 4:
        try:
            os.rmdir(argv[3])
        except OSError:
            out("The directory is not empty.")
            return 145
        return 0
    return batch_file(argv[2])


def lab_host():
    """The Windows stand-ins' path translation (to_host: the lab's folders back to the host's drive paths)."""
    path = os.path.join(HERE, "collections", "ansible_collections", "ansible", "windows", "plugins", "module_utils",
                        "lab_host.py")
    spec = importlib.util.spec_from_file_location("lab_host", path)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def powershell(argv):
    """-File <...>\\executor.ps1 -Batch <json>: the batch through the POSIX executor (the test executor
    OSCC_LAB_EXECUTOR names, as win_powershell's stand-in runs it, else the collection's)."""
    if "-File" not in argv:
        out("sim: powershell.exe runs only -File here")
        return 1
    script, *arguments = argv[argv.index("-File") + 1:]
    base = os.environ["OSCC_LAB_HOST_DIR"]
    here = labctl.to_here(base, script)
    named = re.split(r"[\\/]", script)[-1].lower()  # the script's path arrives translated to the lab's folders
    if named != "executor.ps1" or len(arguments) != 2 or arguments[0] != "-Batch":
        out(f"sim: powershell.exe runs only -File <folder>\\executor.ps1 -Batch <json> here, not {script}")
        return 1
    with open(here, encoding="utf-8") as handle:
        if not handle.read().startswith(EXECUTOR):
            out(f"sim: powershell.exe runs only the collection's host executor here: {script} is another script")
            return 1
    try:
        batch = labctl.translate(json.loads(arguments[1]), base)
    except ValueError as error:  # as executor.ps1 answers a batch it cannot read
        out(json.dumps({"results": [], "cleanup": [], "failed_at": 0, "error": f"ArgumentException: {error}"}))
        return 0
    collection = os.path.dirname(os.path.dirname(HERE))
    executor = os.environ.get("OSCC_LAB_EXECUTOR") or os.path.join(collection, "plugins", "plugin_utils", "_host",
                                                                   "executor_posix.py")
    done = subprocess.run([sys.executable, executor, json.dumps(batch)], capture_output=True, check=False)
    if done.returncode:
        out(f"sim: the executor crashed: {done.stderr.decode()[-2000:]}")
        return done.returncode
    # As ConvertTo-Json writes it: characters outside ASCII as they are (the console's code page encodes them).
    out(json.dumps(lab_host().to_host(json.loads(done.stdout)), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit({"cmd": cmd, "powershell": powershell}[sys.argv[1]](sys.argv[2:]))
