#!/usr/bin/python
# Lab stand-in for ansible.windows.win_uri (test equipment): GETs on the simulated Windows
# server's own IIS are answered from its IIS objects and files, as IIS serves static content:
# the longest matching application, its physical path, a MIME type for the extension (IIS answers
# 404 for extensions it has no MIME type for), the ISAPI/CGI restriction for .dll. Any other URL
# is fetched for real.
from __future__ import annotations

import os
import posixpath
import time
import urllib.parse

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import open_url

from ansible_collections.ansible.windows.plugins.module_utils.lab_host import State, real_spec, to_here

# Some of IIS's built-in static MIME map: enough for the kits the lab serves.
BUILT_IN_MIME = {".htm": "text/html", ".html": "text/html", ".gif": "image/gif", ".jpg": "image/jpeg",
                 ".png": "image/png", ".css": "text/css", ".js": "application/javascript", ".xml": "text/xml"}
LOCAL = ("localhost", "127.0.0.1", "::1")


def serve(iis, url_path):
    """(status, body) as the simulated IIS answers a GET on its default web site."""
    apps = {path: app for (site, path), app in ((tuple(k.split("|", 1)), v) for k, v in iis["applications"].items())
            if site == "Default Web Site"}
    matches = [p for p in apps
               if url_path.lower() == p.lower() or url_path.lower().startswith(p.lower().rstrip("/") + "/")]
    if matches:
        app_path = max(matches, key=len)
        app = apps[app_path]
        pool = iis["app_pools"].get(app["application_pool"])
        if pool is None or pool.get("state", "Started") != "Started":
            return 503, b"Service Unavailable"
        root, rest = app["physical_path"], url_path[len(app_path):]
        key = "Default Web Site" + app_path
    else:
        root, rest, key = iis["sites"]["Default Web Site"]["physical_path"], url_path, "Default Web Site"
    local = to_here(root.rstrip("\\") + "\\" + rest.strip("/").replace("/", "\\")) if rest.strip("/") else to_here(root)
    if os.path.isdir(local):
        documents = iis["default_documents"].get(key, []) + ["Default.htm", "index.htm"]
        local = next((os.path.join(local, d) for d in documents if os.path.isfile(os.path.join(local, d))), local)
    if not os.path.isfile(local):
        return 404, b"404.0 Not Found"
    extension = posixpath.splitext(local)[1].lower()
    if extension == ".dll":
        windows_path = (root.rstrip("\\") + "\\" + rest.strip("/").replace("/", "\\")).lower()
        allowed = iis["isapi_cgi_restrictions"].get(windows_path, {}).get("allowed")
        if not allowed:
            return 404, b"404.2 Not Found: ISAPI and CGI restriction"
        if "Execute" not in iis["handlers_access"].get(key, "Read,Script"):
            return 403, b"403.1 Forbidden: execute access"
        return 200, b"simulated ISAPI answer"
    mime = {**BUILT_IN_MIME, **iis["mime_types"].get("", {}), **iis["mime_types"].get(key, {})}
    if extension not in mime:
        return 404, b"404.3 Not Found: no MIME map"
    with open(local, "rb") as handle:
        return 200, handle.read()


def main():
    module = AnsibleModule(argument_spec=real_spec("win_uri"), supports_check_mode=True)
    params = module.params
    state = State()
    state.record("win_uri", {"url": params["url"], "method": params.get("method") or "GET"})
    state.save()
    wanted = params.get("status_code") or [200]
    parts = urllib.parse.urlsplit(params["url"])
    start = time.time()
    if parts.hostname in LOCAL and "iis" in state.data and (parts.port or 80) == 80:
        status, body = serve(state.data["iis"], urllib.parse.unquote(parts.path) or "/")
    else:
        try:
            answer = open_url(params["url"], method=params.get("method") or "GET", timeout=30)
            status, body = answer.status, answer.read()
        except Exception as exc:  # noqa: BLE001 - reported like the real module reports a failed request
            module.fail_json(msg=f"Unhandled exception occurred when sending web request. Exception: {exc}",
                             url=params["url"], elapsed=round(time.time() - start, 2))
    result = {"changed": False, "url": params["url"], "status_code": status, "content_length": len(body),
              "elapsed": round(time.time() - start, 3)}
    if params.get("return_content"):
        result["content"] = body.decode("utf-8", "replace")
    if status not in [int(s) for s in wanted]:
        module.fail_json(msg=f"Status code of request '{status}' is not in list of valid status codes {wanted} : "
                             f"'{body.decode('utf-8', 'replace')[:100]}'.", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
