"""Lab stand-ins (test equipment) for C:\\Windows\\System32\\cmd.exe and powershell.exe on the simulated Windows
servers, as far as the executor selftest (plugins/plugin_utils/_host/selftest.py) uses them:

- ``cmd.exe /d /c rd <folder>`` removes an empty folder (else "The directory is not empty.", exit 145);
- ``cmd.exe /d /c <script>.cmd`` runs a batch file of the lines ``@echo off``, ``echo(<text>`` (``%NAME%``
  expanded), ``set /p NAME=<prompt>`` (the prompt without a line end, then a line of stdin) and
  ``ping -n <count> <host>`` (a child process that keeps the output open for count - 1 seconds, as ping does);
- ``powershell.exe ... -File <script> <arguments>`` runs only the selftest's argument echo: each argument on a line.

Anything else is refused with a line that starts with ``sim:``. The first argument names the program (the wrapper
labctl writes passes it)."""
import os
import re
import subprocess
import sys

ECHO_ARGUMENTS = re.compile(r"foreach \(\$argument in \$args\) \{ \[Console\]::Out\.WriteLine\(\$argument\) \}\s*")


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


def powershell(argv):
    if "-File" not in argv:
        out("sim: powershell.exe runs only -File here")
        return 1
    script, *arguments = argv[argv.index("-File") + 1:]
    with open(script, encoding="utf-8") as handle:
        if not ECHO_ARGUMENTS.fullmatch(handle.read()):
            out("sim: powershell.exe runs only the selftest's argument echo here")
            return 1
    for argument in arguments:
        out(argument)
    return 0


if __name__ == "__main__":
    sys.exit({"cmd": cmd, "powershell": powershell}[sys.argv[1]](sys.argv[2:]))
