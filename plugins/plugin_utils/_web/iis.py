# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY
# PURE: IIS settings of the OSCC ISAPI application (manual §4.2.1.1 step 7 and its note, §4.2.1.4): the ISAPI/CGI
# restriction of the DLL, the application's handler access, MIME types, default documents. The WebAdministration
# cmdlets that read them, what differs, and the cmdlets that change it. No I/O.
from __future__ import annotations

import re

from ansible_collections.oscc.admin.plugins.plugin_utils._host.batch import Batch
from ansible_collections.oscc.admin.plugins.plugin_utils._host.cmdlet import CmdletError, cmdlet, first, objects, truthy

MODULE = "WebAdministration"
APPHOST = "MACHINE/WEBROOT/APPHOST"
RESTRICTION = "system.webServer/security/isapiCgiRestriction"
HANDLERS = "system.webServer/handlers"
STATIC = "system.webServer/staticContent"
FILES = "system.webServer/defaultDocument/files"
SITE = "system.applicationHost/sites/site"
# A MIME type as RFC 6838 names one: type/subtype of restricted name characters, parameters after a ;.
_MIME = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(\s*;.*)?")


def options_problem(args: dict) -> str | None:
    """The error for the first option that cannot name what IIS is to hold, else None: an application that is the
    site's root or leaves it, a MIME type that is none, a default document that is a path."""
    segments = re.split(r"[\\/]", args["application"])
    if not args["application"].strip("/\\ "):
        return f"application must name an application of the site, such as /HPPC, got {args['application']!r}"
    if any(part in (".", "..") for part in segments):
        return f"application must be a path inside the site without . or .. segments, got {args['application']!r}"
    for extension, mime in args["mime_types"].items():
        if not isinstance(mime, str) or not _MIME.fullmatch(mime):
            return (f"mime_types[{extension!r}] must be a MIME type such as application/voicexml+xml, "
                    f"got {mime!r}")
    for index, document in enumerate(args["default_documents"]):
        if not document.strip() or re.search(r"[\\/]", document) or document.strip(". ") == "":
            return f"default_documents[{index}] must be a file name, without a folder or .., got {document!r}"
    return None


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
    # What the settings belong to: the site, its application and the DLL (a file).
    site, application = location.split("/", 1)
    reads.add("site", _web("Get-WebConfiguration", Filter=element(SITE, "name", site), select=["name"]))
    reads.add("application", _web("Get-WebConfiguration", select=["path"], Filter=element(
        element(SITE, "name", site) + "/application", "path", "/" + application)))
    reads.add("dll", {"op": "stat", "path": wanted["isapi_path"]})
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
    dll = results["dll"]
    current = {"site": bool(objects(results, "site")), "application": bool(objects(results, "application")),
               "dll": "folder" if dll["exists"] and dll["dir"] else ("file" if dll["exists"] else None),
               "isapi": None if entry is None else {"allowed": truthy(entry.get("allowed"))},
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
            if before is not None:  # an entry with an empty type too: adding beside it is a duplicate entry
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


def missing_problem(wanted: dict, current: dict) -> tuple[str | None, bool]:
    """(error, whether a task before may make it): what the settings belong to is not there - the site, the
    application, the DLL (a file only). An application or DLL that is missing in check mode may come from the tasks
    before, which did not run."""
    site, application = wanted["location"].split("/", 1)
    if not current["site"]:
        return f"site {site!r} does not exist in IIS", False
    if current["dll"] == "folder":
        return f"isapi_path {wanted['isapi_path']} is a folder, not the ISAPI DLL", False
    if not current["application"]:
        return (f"application /{application} does not exist in site {site!r}; "
                "create it first (microsoft.iis.web_application)"), True
    if current["dll"] is None:
        return f"isapi_path {wanted['isapi_path']} does not exist: an allowed DLL must be there", True
    return None, False


def applied_problem(changes: Batch, done: dict) -> str | None:
    """The failed change of the apply batch in one line, with what was changed before it."""
    failed = changes.failed(done)
    if failed is None:
        return None
    problem = failed.line(describe)
    if failed.index:
        problem += f" (changed before it: {'; '.join(describe(op) for op in changes.ops[:failed.index])})"
    return problem
