"""A stand-in for the AWX API (/api/v2/) on loopback: objects in memory, every request recorded.

It answers what awx.awx 24.6.1 asks (ids, urls, `next`, related.survey_spec, the product headers) and refuses,
as AWX does, survey specs and schedules that break the server's rules (survey_problems, rrule_problems)."""
import itertools
import json
import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from dateutil.rrule import rrulestr

SURVEY_TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}
TEXT_LIKE = {"text", "textarea", "password", "multiplechoice", "multiselect"}
PREFIX = "/api/v2/"


def _choices(item):
    choices = item.get("choices")
    if isinstance(choices, str):
        return [c for c in choices.split("\n") if c.strip()]
    return choices


def survey_problems(survey: dict) -> list[str]:
    """AWX's server-side rules for a survey spec (JobTemplateSurveySpec._validate_spec_data and
    _survey_element_validation), one message per broken rule; empty when AWX would store it."""
    problems = []
    for key in ("name", "description"):
        if not isinstance(survey.get(key), str):
            problems.append(f"'{key}' missing or not a string")
    spec = survey.get("spec")
    if not isinstance(spec, list) or not spec:
        return problems + ["'spec' must be a non-empty list"]
    seen = set()
    for index, item in enumerate(spec):
        where = f"spec[{index}]"
        for key in ("type", "question_name", "variable"):
            if not isinstance(item.get(key), str):
                problems.append(f"{where}: '{key}' missing or not a string")
        if not isinstance(item.get("required"), bool):
            problems.append(f"{where}: 'required' must be a bool")
        if item.get("variable") in seen:
            problems.append(f"{where}: variable {item.get('variable')} is not unique")
        seen.add(item.get("variable"))
        kind = item.get("type")
        if kind not in SURVEY_TYPES:
            problems.append(f"{where}: type {kind!r} unknown")
            continue
        for key in ("min", "max"):
            limit = item.get(key)
            if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool)):
                problems.append(f"{where}: '{key}' must be an integer or null")
        default = item.get("default")
        if default is not None and default != "":
            if kind in TEXT_LIKE and not isinstance(default, str):
                problems.append(f"{where}: default of a {kind} question must be a string")
            if kind == "integer" and (not isinstance(default, int) or isinstance(default, bool)):
                problems.append(f"{where}: default of an integer question must be an integer")
            if kind == "float" and (not isinstance(default, (int, float)) or isinstance(default, bool)):
                problems.append(f"{where}: default of a float question must be a number")
            if kind == "password" and default == "$encrypted$":
                problems.append(f"{where}: $encrypted$ is no default for a new password question")
        if kind in ("multiplechoice", "multiselect"):
            choices = _choices(item)
            if not isinstance(choices, list) or not choices:
                problems.append(f"{where}: a {kind} question needs choices")
                continue
            if isinstance(default, str) and default:
                defaults = default.split("\n") if kind == "multiselect" else [default]
                if any(d not in choices for d in defaults if d):
                    problems.append(f"{where}: default {default!r} is not among the choices")
    return problems


_DTSTART = re.compile(r"^DTSTART(;TZID=[A-Za-z_+\-/0-9]+:\d{8}T\d{6}|:\d{8}T\d{6}Z)$")


def rrule_problems(value: str) -> list[str]:
    """serializers.validate_rrule of AWX: one DTSTART with a time zone, then RRULEs it accepts."""
    parts = value.split()
    problems = []
    if not parts or not _DTSTART.match(parts[0]):
        problems.append("the rule must start with DTSTART;TZID=<zone>:<local time> or DTSTART:<UTC time>Z")
    if sum(part.startswith("DTSTART") for part in parts) != 1:
        problems.append("exactly one DTSTART")
    rules = parts[1:]
    if not rules or not all(rule.startswith("RRULE:") for rule in rules):
        problems.append("after DTSTART only RRULE: parts")
    for rule in rules:
        fields = dict(pair.split("=", 1) for pair in rule[len("RRULE:"):].split(";") if "=" in pair)
        if "INTERVAL" not in fields:
            problems.append(f"{rule}: INTERVAL missing")
        if fields.get("FREQ") == "SECONDLY":
            problems.append(f"{rule}: FREQ=SECONDLY")
        if re.search(r"[+-]?\d", fields.get("BYDAY", "")):
            problems.append(f"{rule}: BYDAY with a numeric prefix")
        if "COUNT" in fields and "UNTIL" in fields:
            problems.append(f"{rule}: COUNT with UNTIL")
        if "COUNT" in fields and int(fields["COUNT"]) > 999:
            problems.append(f"{rule}: COUNT above 999")
    if "EXDATE" in value or "RDATE" in value:
        problems.append("EXDATE and RDATE are refused")
    if not problems:
        try:
            rrulestr(value, forceset=True)
        except (ValueError, TypeError) as error:
            problems.append(f"dateutil: {error}")
    return problems


class FakeAWX:
    """The API's objects by kind, and the requests it answered, in order: (method, path, query, body)."""

    KINDS = ("organizations", "projects", "project_updates", "inventories", "credentials", "credential_types",
             "job_templates", "schedules", "execution_environments", "labels", "tokens")
    # Credential inputs AWX keeps encrypted and shows back as $encrypted$.
    SECRET_INPUTS = {"password", "ssh_key_data", "ssh_key_unlock", "become_password", "vault_password"}

    def __init__(self, product="AWX", version="24.6.1"):
        self.product = product
        self.version = version
        self.objects = {kind: {} for kind in self.KINDS}
        self.surveys = {}
        self.jt_credentials = {}
        self.requests = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        for name, kind in (("Machine", "ssh"), ("Vault", "vault"), ("Source Control", "scm")):
            self._create("credential_types", {"name": name, "kind": kind, "managed": True})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def changes(self, since=0):
        """The requests from the `since`th on that changed the configuration (the modules' login tokens left out)."""
        return [r for r in self.requests[since:]
                if r[0] in ("POST", "PATCH", "PUT", "DELETE") and not r[1].startswith(PREFIX + "tokens/")]

    def named(self, kind, name):
        found = [o for o in self.objects[kind].values() if o.get("name") == name]
        return found[0] if found else None

    def _create(self, kind, body):
        number = next(self._ids)
        url = f"{PREFIX}{kind}/{number}/"
        item = dict(body, id=number, url=url, type=kind[:-1],
                    related={"survey_spec": url + "survey_spec/", "credentials": url + "credentials/",
                             "schedules": url + "schedules/"})
        if kind == "tokens":
            item["token"] = f"token-{number}"
        if kind == "projects":
            update = self._create("project_updates", {"status": "successful", "scm_revision": "0" * 40})
            item.update(scm_revision="", summary_fields={"current_update": {"id": update["id"]}})
        self._mask(item)
        self.objects[kind][number] = item
        return item

    def _mask(self, item):
        inputs = item.get("inputs")
        if isinstance(inputs, dict):
            item["inputs"] = {k: "$encrypted$" if k in self.SECRET_INPUTS and v else v for k, v in inputs.items()}

    def _listing(self, items):
        items = list(items)
        return {"count": len(items), "next": None, "previous": None, "results": items}

    def _matches(self, item, query):
        for key, values in query.items():
            key = key.removesuffix("__exact")
            if key in ("page_size", "page", "order_by"):
                continue
            if str(item.get(key)) != values[-1]:
                return False
        return True

    def answer(self, method, path, query, body):
        with self._lock:
            self.requests.append((method, path, query, body))
            return self._answer(method, path, query, body)

    def _answer(self, method, path, query, body):
        if not path.startswith(PREFIX):
            return 404, {"detail": "not found"}
        parts = [p for p in path[len(PREFIX):].split("/") if p]
        if not parts or parts[0] in ("ping", "config", "me"):
            return 200, {"version": self.version, "results": [], "count": 0, "next": None}
        kind = parts[0]
        if kind == "unified_job_templates":
            items = [o for k in ("job_templates", "projects") for o in self.objects[k].values()]
            return 200, self._listing(o for o in items if self._matches(o, query))
        if kind not in self.objects:
            return 404, {"detail": f"unknown endpoint {kind}"}
        store = self.objects[kind]
        if len(parts) == 1:
            if method == "GET":
                return 200, self._listing(o for o in store.values() if self._matches(o, query))
            if method == "POST":
                if kind == "schedules" and rrule_problems(body.get("rrule", "")):
                    return 400, {"rrule": rrule_problems(body.get("rrule", ""))}
                return 201, self._create(kind, body)
            return 405, {"detail": "method not allowed"}
        number = int(parts[1])
        if number not in store:
            return 404, {"detail": "not found"}
        item = store[number]
        if len(parts) == 2:
            if method == "GET":
                return 200, item
            if method in ("PATCH", "PUT"):
                if kind == "schedules" and "rrule" in body and rrule_problems(body["rrule"]):
                    return 400, {"rrule": rrule_problems(body["rrule"])}
                item.update(body)
                self._mask(item)
                return 200, item
            if method == "DELETE":
                del store[number]
                return 204, None
        if parts[2] == "survey_spec":
            if method == "GET":
                return 200, self.surveys.get(number, {})
            if method == "DELETE":
                self.surveys.pop(number, None)
                return 200, {}
            problems = survey_problems(body)
            if problems:
                return 400, {"error": "; ".join(problems)}
            self.surveys[number] = body
            return 200, {}
        if parts[2] == "credentials":
            linked = self.jt_credentials.setdefault(number, [])
            if method == "GET":
                return 200, self._listing(self.objects["credentials"][c] for c in linked)
            if body.get("disassociate"):
                linked.remove(body["id"])
            elif body["id"] not in linked:
                linked.append(body["id"])
            return 204, None
        if parts[2] == "schedules" and method == "GET":
            return 200, self._listing(o for o in self.objects["schedules"].values()
                                      if o.get("unified_job_template") == number and self._matches(o, query))
        return 404, {"detail": "not found"}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _serve(self):
                parsed = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else {}
                status, answer = fake.answer(self.command, parsed.path, urllib.parse.parse_qs(parsed.query), body)
                data = b"" if answer is None else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("X-API-Product-Name", fake.product)
                self.send_header("X-API-Product-Version", fake.version)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        return Handler
