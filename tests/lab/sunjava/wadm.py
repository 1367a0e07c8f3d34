"""wadm of Sun Java System Web Server 7, simulated (test equipment).

Stand-alone mode only, with the connect options and exit codes of the 7.0 CLI reference
(docs/vendor-facts.md, Web components: Sun Java wadm): 0 on success, 1 on error; the password comes from a
--password-file holding `wadm_password=<password>`. A configuration lives in the config store
until deploy-config copies it to its instance folder https-<config>; a started instance serves
its virtual server's web applications over HTTP on loopback, at the configuration's HTTP port.
Texts marked sim: are not verbatim from a source.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import zipfile

STATE = os.environ["WADM_STATE"]
HOME = os.path.dirname(STATE)
CONNECT = ("user", "password-file", "host", "port", "rcfile")
FLAGS = ("no-ssl", "no-prompt", "echo", "verbose", "file-on-server", "force")


def fail(message):
    sys.stderr.write(message + "\n")
    sys.exit(1)


def load():
    with open(STATE) as handle:
        return json.load(handle)


def save(state):
    with open(STATE + ".tmp", "w") as handle:
        json.dump(state, handle, indent=1)
    os.replace(STATE + ".tmp", STATE)


def parse(argv):
    options, operands = {}, []
    for word in argv:
        if word.startswith("--"):
            name, _, value = word[2:].partition("=")
            if name not in CONNECT + FLAGS + ("config", "vs", "uri", "http-port", "server-name"):
                fail(f"sim: CLI014 Invalid option --{name}")
            options[name] = value if _ else True
        else:
            operands.append(word)
    return options, operands


def authenticate(state, options):
    if "password-file" not in options:
        fail("sim: CLI022 --password-file is required with --no-prompt")
    try:
        with open(options["password-file"]) as handle:
            lines = dict(line.strip().split("=", 1) for line in handle if "=" in line)
    except OSError:
        fail(f"sim: CLI030 cannot read password file {options['password-file']}")
    state.setdefault("password_files", []).append(os.path.abspath(options["password-file"]))  # tests check removal
    if options.get("user") != state["user"] or lines.get("wadm_password") != state["password"]:
        fail("sim: ADMIN3594 Invalid user or password")


def need(options, *names):
    for name in names:
        if not options.get(name):
            fail(f"sim: CLI018 Missing mandatory option --{name}")


def config_of(state, options):
    need(options, "config")
    if options["config"] not in state["configs"]:
        fail(f"sim: ADMIN3000 Configuration '{options['config']}' does not exist")
    return state["configs"][options["config"]]


def vs_of(config, options):
    need(options, "vs")
    if options["vs"] not in config["vs"]:
        fail(f"sim: ADMIN3001 Virtual server '{options['vs']}' does not exist")
    return config["vs"][options["vs"]]


def instance_dir(name):
    return os.path.join(HOME, f"https-{name}")


def running(config):
    pid = config.get("pid")
    if not pid:
        return False
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def main(argv):
    if not argv:
        fail("sim: CLI001 no command given")
    command, (options, operands) = argv[0], parse(argv[1:])
    state = load()
    authenticate(state, options)
    done = f"CLI201 Command '{command}' ran successfully"  # sim: wording of the success line
    if command == "list-configs":
        print("\n".join(sorted(state["configs"])))
    elif command == "create-config":
        if len(operands) != 1:
            fail("sim: CLI017 create-config takes one configuration name")
        need(options, "http-port", "server-name")
        if operands[0] in state["configs"]:
            fail(f"sim: ADMIN3002 Configuration '{operands[0]}' already exists")
        state["configs"][operands[0]] = {"http_port": int(options["http-port"]), "server_name": options["server-name"],
                                         "vs": {operands[0]: {"webapps": {}}}, "instances": [], "pid": None}
        print(done)
    elif command == "create-instance":
        config = config_of(state, options)
        if len(operands) != 1:
            fail("sim: CLI017 create-instance takes one node name")
        if operands[0] in config["instances"]:
            fail(f"sim: ADMIN3003 Instance of '{options['config']}' exists on node '{operands[0]}'")
        config["instances"].append(operands[0])
        os.makedirs(instance_dir(options["config"]), exist_ok=True)
        print(done)
    elif command == "list-webapps":
        print("\n".join(sorted(vs_of(config_of(state, options), options)["webapps"])))
    elif command == "add-webapp":
        vs = vs_of(config_of(state, options), options)
        need(options, "uri")
        if len(operands) != 1 or not zipfile.is_zipfile(operands[0]):
            fail("sim: CLI017 add-webapp takes the path of a WAR file")
        if options["uri"] in vs["webapps"]:
            fail(f"sim: ADMIN3004 Web application with URI '{options['uri']}' already exists")
        store = os.path.join(HOME, "config-store", options["config"], options["vs"], options["uri"].strip("/") + ".war")
        os.makedirs(os.path.dirname(store), exist_ok=True)
        shutil.copyfile(operands[0], store)
        vs["webapps"][options["uri"]] = store
        print(done)
    elif command == "remove-webapp":
        vs = vs_of(config_of(state, options), options)
        need(options, "uri")
        if vs["webapps"].pop(options["uri"], None) is None:
            fail(f"sim: ADMIN3005 Web application with URI '{options['uri']}' does not exist")
        print(done)
    elif command == "deploy-config":
        if len(operands) != 1 or operands[0] not in state["configs"]:
            fail(f"sim: ADMIN3000 Configuration '{operands[0] if operands else ''}' does not exist")
        config = state["configs"][operands[0]]
        docroot = os.path.join(instance_dir(operands[0]), "docroot")
        shutil.rmtree(docroot, ignore_errors=True)
        for vs in config["vs"].values():
            for uri, war in vs["webapps"].items():
                with zipfile.ZipFile(war) as archive:
                    archive.extractall(os.path.join(docroot, uri.strip("/")))
        os.makedirs(docroot, exist_ok=True)
        print(done)
    elif command == "start-instance":
        config = config_of(state, options)
        if not running(config):
            docroot = os.path.join(instance_dir(options["config"]), "docroot")
            os.makedirs(docroot, exist_ok=True)
            with open(os.path.join(instance_dir(options["config"]), "server.log"), "ab") as log:
                server = subprocess.Popen([sys.executable, "-m", "http.server", str(config["http_port"]), "--bind",
                                           "127.0.0.1", "--directory", docroot], stdin=subprocess.DEVNULL, stdout=log,
                                          stderr=subprocess.STDOUT, start_new_session=True)
            config["pid"] = server.pid
        print(done)
    elif command == "stop-instance":
        config = config_of(state, options)
        if running(config):
            os.kill(config["pid"], signal.SIGTERM)
        config["pid"] = None
        print(done)
    else:
        fail(f"sim: CLI002 {command} is not a command this simulator knows")
    save(state)


if __name__ == "__main__":
    main(sys.argv[1:])
