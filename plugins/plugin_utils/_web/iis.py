# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: IIS settings of the OSCC ISAPI application (manual §4.2.1.1 step 7 and its note, §4.2.1.4): the ISAPI/CGI
# restriction of the DLL, the application's handler access, MIME types, default documents. The WebAdministration
# cmdlets that read them, what differs, and the cmdlets that change it. No I/O.
from __future__ import annotations

from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._host.cmdlet import CmdletError, cmdlet, first, objects, truthy

MODULE = "WebAdministration"
APPHOST = "MACHINE/WEBROOT/APPHOST"
RESTRICTION = "system.webServer/security/isapiCgiRestriction"
HANDLERS = "system.webServer/handlers"
STATIC = "system.webServer/staticContent"
FILES = "system.webServer/defaultDocument/files"


def xpath_literal(value: str) -> str:
    """`value` as an XPath 1.0 string literal. XPath has no escape character: a value without ' is quoted with ',
    one without " with ", and one holding both is concat() of pieces each quoted by the quote it lacks."""
    value = str(value)
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    pieces = []
    for index, part in enumerate(value.split("'")):
        if index:
            pieces.append('"\'"')
        if part:
            pieces.append(f"'{part}'")
    return f"concat({', '.join(pieces)})"


def element(collection: str, attribute: str, value: str) -> str:
    """The filter of the collection entry whose `attribute` is `value`."""
    return f"{collection}[@{attribute}={xpath_literal(value)}]"


def _web(name, location=None, **parameters):
    if location is not None:
        parameters["Location"] = location
    return cmdlet(name, module=MODULE, PSPath=APPHOST, **parameters)


def policy_text(value) -> str:
    """Handler access flags in one order: 'Read, Script' and ['Script', 'Read'] both become 'Read,Script'."""
    items = value if isinstance(value, list) else str(value or "").split(",")
    names = {item.strip() for item in items if item and item.strip() and item.strip() != "None"}
    return ",".join(sorted(names, key=str.lower))


def wanted_from(args: dict) -> dict:
    """The settings the task asks for; the location is '<site>/<application>' as IIS's location paths are."""
    application = "/" + args["application"].strip("/")
    documents = []
    for document in args["default_documents"]:
        if document.lower() not in [d.lower() for d in documents]:
            documents.append(document)
    return {"location": args["site"] + application, "isapi_path": args["isapi_path"],
            "isapi_description": args["isapi_description"], "access_policy": policy_text(args["access_policy"]),
            "mime_types": dict(args["mime_types"]), "default_documents": documents}


def read_ops(wanted: dict) -> Batch:
    """What IIS has of each wanted setting, in one batch."""
    location = wanted["location"]
    reads = Batch().add("isapi", _web("Get-WebConfiguration", select=["path", "allowed"],
                                      Filter=element(RESTRICTION + "/add", "path", wanted["isapi_path"])))
    reads.add("access", _web("Get-WebConfiguration", location, Filter=HANDLERS, select=["accessPolicy"]))
    for extension in wanted["mime_types"]:
        reads.add(("mime", extension), _web("Get-WebConfiguration", location,
                                            Filter=element(STATIC + "/mimeMap", "fileExtension", extension),
                                            select=["fileExtension", "mimeType"]))
    for document in wanted["default_documents"]:
        reads.add(("document", document), _web("Get-WebConfiguration", location,
                                               Filter=element(FILES + "/add", "value", document), select=["value"]))
    return reads


def describe(op: dict) -> str:
    """A cmdlet operation in a few words for an error line."""
    parameters = op.get("parameters", {})
    where = " ".join(str(parameters[k]) for k in ("Location", "Filter") if parameters.get(k))
    return f"{op['name']} {where}".strip()


def current_from(reads: Batch, done: dict) -> dict:
    """What IIS has, from the read batch's results; a failed read is one line naming the cmdlet."""
    failed = reads.failed(done)
    if failed:
        raise CmdletError(failed.line(describe))
    results = reads.results(done)
    entry = first(results, "isapi")
    access = first(results, "access") or {}
    current = {"isapi": None if entry is None else {"allowed": truthy(entry.get("allowed"))},
               "access_policy": policy_text(access.get("accessPolicy")), "mime_types": {}, "default_documents": {}}
    for key in reads.names:
        if isinstance(key, tuple) and key[0] == "mime":
            found = first(results, key)
            current["mime_types"][key[1]] = found.get("mimeType") if found else None
        elif isinstance(key, tuple) and key[0] == "document":
            current["default_documents"][key[1]] = bool(objects(results, key))
    return current


def plan(wanted: dict, current: dict) -> tuple[dict, list]:
    """(changes, ops): each setting that differs with its value before and after, and the cmdlets that set them.
    Entries are added or corrected; others stay."""
    changes, ops = {}, []
    location = wanted["location"]
    entry = current["isapi"]
    if not (entry and entry["allowed"]):
        changes["isapi_cgi_restriction"] = {"before": bool(entry and entry["allowed"]), "after": True}
        if entry:
            ops.append(_web("Set-WebConfigurationProperty",
                            Filter=element(RESTRICTION + "/add", "path", wanted["isapi_path"]),
                            Name="allowed", Value=True))
        else:
            ops.append(_web("Add-WebConfigurationProperty", Filter=RESTRICTION, Name=".",
                            Value={"path": wanted["isapi_path"], "allowed": True,
                                   "description": wanted["isapi_description"]}))
    if current["access_policy"] != wanted["access_policy"]:
        changes["access_policy"] = {"before": current["access_policy"], "after": wanted["access_policy"]}
        ops.append(_web("Set-WebConfigurationProperty", location, Filter=HANDLERS, Name="accessPolicy",
                        Value=wanted["access_policy"]))
    for extension, mime in wanted["mime_types"].items():
        before = current["mime_types"].get(extension)
        if before != mime:
            changes[f"mime_type {extension}"] = {"before": before, "after": mime}
            if before:
                ops.append(_web("Remove-WebConfigurationProperty", location, Filter=STATIC, Name=".",
                                AtElement={"fileExtension": extension}))
            ops.append(_web("Add-WebConfigurationProperty", location, Filter=STATIC, Name=".",
                            Value={"fileExtension": extension, "mimeType": mime}))
    for document in wanted["default_documents"]:
        if not current["default_documents"].get(document):
            changes[f"default_document {document}"] = {"before": None, "after": document}
            ops.append(_web("Add-WebConfigurationProperty", location, Filter=FILES, Name=".",
                            Value={"value": document}))
    return changes, ops


def applied_problem(changes: Batch, done: dict) -> str | None:
    """The failed change of the apply batch in one line, with what was changed before it."""
    failed = changes.failed(done)
    if failed is None:
        return None
    problem = failed.line(describe)
    if failed.index:
        problem += f" (changed before it: {'; '.join(describe(op) for op in changes.ops[:failed.index])})"
    return problem
