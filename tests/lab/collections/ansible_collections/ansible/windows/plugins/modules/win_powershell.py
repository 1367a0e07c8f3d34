#!/usr/bin/python
# Lab stand-in for ansible.windows.win_powershell (test equipment): runs oscc.admin's remote
# procedures through their POSIX twin, translating the host's drive paths.
from __future__ import annotations

import json
import os
import subprocess
import sys

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ansible.windows.plugins.module_utils.lab_host import State, oscc_version, real_spec, to_here, to_host

MARKER = "# oscc.admin remote procedures"
EXECUTOR = "# oscc.admin host executor"


def iis_isapi(state, p):
    """What Invoke-IisIsapi does with WebAdministration, on the simulated server's IIS objects."""
    iis, key, changes = state.data["iis"], p["site"] + p["application"], {}
    entry = iis["isapi_cgi_restrictions"].get(p["isapi_path"].lower())
    if not (entry and entry["allowed"]):
        changes["isapi_cgi_restriction"] = {"before": bool(entry and entry["allowed"]), "after": True}
        if not p["check"]:
            iis["isapi_cgi_restrictions"][p["isapi_path"].lower()] = {"allowed": True, "description": p["isapi_description"]}
    current = ",".join(sorted(x for x in iis["handlers_access"].get(key, "Read,Script").split(",") if x))
    wanted = ",".join(sorted(x.strip() for x in p["access_policy"].split(",") if x.strip()))
    if current != wanted:
        changes["access_policy"] = {"before": current, "after": wanted}
        if not p["check"]:
            iis["handlers_access"][key] = wanted
    for extension, mime in p["mime_types"].items():
        before = iis["mime_types"].get(key, {}).get(extension)
        if before != mime:
            changes[f"mime_type {extension}"] = {"before": before, "after": mime}
            if not p["check"]:
                iis["mime_types"].setdefault(key, {})[extension] = mime
    for document in p["default_documents"]:
        if document not in iis["default_documents"].get(key, []):
            changes[f"default_document {document}"] = {"before": None, "after": document}
            if not p["check"]:
                iis["default_documents"].setdefault(key, []).append(document)
    return {"changed": bool(changes), "changes": changes}


# Parameters each Exchange cmdlet is documented with (reference/mail.md §2; a subset): the
# simulated shell refuses others, as the real one does.
EXCHANGE_PARAMETERS = {
    "Set-Mailbox": {"Identity", "EmailAddresses", "ForwardingAddress", "DeliverToMailboxAndForward", "ThrottlingPolicy"},
    "New-Mailbox": {"Name", "Shared", "PrimarySmtpAddress", "UserPrincipalName", "Password", "Database"},
    "New-ThrottlingPolicy": {"Name", "ImapMaxBurst", "ImapRechargeRate", "ImapMaxConcurrency", "ImapCutoffBalance",
                             "ThrottlingPolicyScope"},
    "Set-ThrottlingPolicy": {"Identity", "ImapMaxBurst", "ImapRechargeRate", "ImapMaxConcurrency", "ImapCutoffBalance"},
    "Set-ThrottlingPolicyAssociation": {"Identity", "ThrottlingPolicy"},
    "Set-TransportConfig": {"ShadowRedundancyEnabled", "HeaderPromotionModeSetting"},
    "Set-ImapSettings": {"LoginType", "Server"},
    "Set-ReceiveConnector": {"Identity", "AuthMechanism", "PermissionGroups"},
    "Add-ADPermission": {"Identity", "User", "ExtendedRights", "AccessRights"},
    "Add-MailboxPermission": {"Identity", "User", "AccessRights", "InheritanceType"},
    # Exchange Online (reference/mail.md §3)
    "Set-CASMailbox": {"Identity", "ImapEnabled", "PopEnabled", "SmtpClientAuthenticationDisabled"},
    "Add-RecipientPermission": {"Identity", "Trustee", "AccessRights"},
}


def exchange_online_connect(state, p):
    """Connect-ExchangeOnline app-only: the tenant and the app's certificate must match; None when connected."""
    tenant, online = state.data["exchange_online"], p["online"]
    if online["organization"].lower() != tenant["organization"] or \
            tenant["apps"].get(online["app_id"], "").upper() != online["certificate_thumbprint"].upper():
        return {"failed": True, "msg": f"Connect-ExchangeOnline to {online['organization']} failed: AADSTS700016: "
                                       f"application {online['app_id']} with that certificate was not found in the tenant"}
    return None


def exchange_online_read(state, p):
    """What Invoke-ExchangeOnlineRead returns, from the simulated tenant."""
    refused = exchange_online_connect(state, p)
    if refused:
        return refused
    tenant = state.data["exchange_online"]
    result = {"version": "online", "mailbox": None, "imap_enabled": None, "smtp_client_auth_disabled": None,
              "send_as_granted": False}
    mailbox = tenant["mailboxes"].get(p["account"].lower())
    if mailbox is None:
        return result
    result.update(mailbox={"identity": p["account"], "email_addresses": mailbox["email_addresses"]},
                  imap_enabled=mailbox["imap_enabled"], smtp_client_auth_disabled=mailbox["smtp_client_auth_disabled"])
    if p.get("report_sender"):
        result["send_as_granted"] = p["account"].lower() in tenant["send_as"].get(p["report_sender"].lower(), [])
    return result


def exchange_online_apply(tenant, cmdlet, params):
    """One Exchange Online cmdlet on the simulated tenant; an error message, or None."""
    identity = str(params.get("Identity", "")).lower()
    if cmdlet == "Set-Mailbox":
        tenant["mailboxes"][identity]["email_addresses"] += params["EmailAddresses"]["Add"]
    elif cmdlet == "Set-CASMailbox":
        for name, key in (("ImapEnabled", "imap_enabled"), ("SmtpClientAuthenticationDisabled", "smtp_client_auth_disabled")):
            if name in params:
                tenant["mailboxes"][identity][key] = params[name]
    elif cmdlet == "Add-RecipientPermission":
        if params["AccessRights"] != "SendAs":
            return f"Add-RecipientPermission failed: AccessRights accepts only SendAs, got {params['AccessRights']}"
        tenant["send_as"].setdefault(identity, []).append(params["Trustee"].lower())
    else:
        return f"{cmdlet} is not available in Exchange Online"
    return None


def exchange_read(state, p):
    """What Invoke-ExchangeRead returns, from the simulated organisation."""
    org = state.data["exchange"]
    result = {"version": org["version"], "mailbox": None, "transport": {}, "imap": {}, "throttling_policy": None,
              "throttling_association": None, "receive_connector": None, "send_as_granted": False, "full_access": {},
              "alias_mailboxes": {}}
    mailbox = org["mailboxes"].get(p["account"].lower())
    if mailbox is None:
        return result
    result["mailbox"] = {"identity": p["account"], "email_addresses": mailbox["email_addresses"]}
    if int(org["version"].split(".")[0]) >= 15:
        policy = org["throttling_policies"].get("OSCC")
        result["throttling_policy"] = dict(policy) if policy else None
        result["throttling_association"] = org["associations"].get(p["account"].lower(), "")
    result["transport"] = dict(org["transport"])
    result["imap"] = dict(org["imap"])
    connector = org["receive_connectors"].get(p.get("receive_connector") or "")
    result["receive_connector"] = dict(connector) if connector else None
    if p.get("report_sender"):
        result["send_as_granted"] = p["account"].lower() in org["send_as"].get(p["report_sender"].lower(), [])
    for name in p.get("report_mailboxes") or []:
        result["full_access"][name.lower()] = p["account"].lower() in org["full_access"].get(name.lower(), [])
    for alias in p.get("aliases") or []:
        box = org["mailboxes"].get(alias.lower())
        if box and int(org["version"].split(".")[0]) < 14:
            result["alias_mailboxes"][alias.lower()] = {"forwarding_address": box.get("forwarding_address", "")}
    return result


def exchange_apply(state, p):
    """Each planned cmdlet, on the simulated organisation; a cmdlet or parameter not allowed fails as in Invoke-ExchangeApply."""
    online = p.get("online")
    refused = exchange_online_connect(state, p) if online else None
    if refused:
        return refused
    done = []
    for planned in p["steps"]:
        cmdlet, params = planned["cmdlet"], planned["parameters"]
        if cmdlet not in p["cmdlets"]:
            return {"failed": True, "msg": f"{cmdlet} is not a cmdlet this procedure runs"}
        unknown = set(params) - set(p["cmdlets"][cmdlet]) | (set(params) - EXCHANGE_PARAMETERS[cmdlet])
        if unknown:
            return {"failed": True, "msg": f"{cmdlet} -{sorted(unknown)[0]} is not a parameter this procedure sets"}
        if online:
            error = exchange_online_apply(state.data["exchange_online"], cmdlet, params)
            if error:
                return {"failed": True, "msg": error, "done": done}
            done.append(cmdlet)
            continue
        org = state.data["exchange"]
        identity = str(params.get("Identity", "")).lower()
        if cmdlet == "Set-Mailbox":
            box = org["mailboxes"][identity]
            if "EmailAddresses" in params:
                box["email_addresses"] += params["EmailAddresses"]["Add"]
            if "ForwardingAddress" in params:
                box["forwarding_address"] = params["ForwardingAddress"]
        elif cmdlet == "New-Mailbox":
            org["mailboxes"][params["PrimarySmtpAddress"].lower()] = {
                "email_addresses": [f"SMTP:{params['PrimarySmtpAddress']}"], "forwarding_address": ""}
        elif cmdlet in ("New-ThrottlingPolicy", "Set-ThrottlingPolicy"):
            name = params.get("Name") or params["Identity"]
            org["throttling_policies"][name] = {"ImapMaxBurst": str(params["ImapMaxBurst"]),
                                                "ImapRechargeRate": str(params["ImapRechargeRate"])}
        elif cmdlet == "Set-ThrottlingPolicyAssociation":
            org["associations"][identity] = params["ThrottlingPolicy"]
        elif cmdlet == "Set-TransportConfig":
            org["transport"].update(params)
        elif cmdlet == "Set-ImapSettings":
            org["imap"].update(params)
        elif cmdlet == "Set-ReceiveConnector":
            org["receive_connectors"][params["Identity"]]["AuthMechanism"] = params["AuthMechanism"]
        elif cmdlet == "Add-ADPermission":
            org["send_as"].setdefault(identity, []).append(params["User"].lower())
        elif cmdlet == "Add-MailboxPermission":
            org["full_access"].setdefault(identity, []).append(params["User"].lower())
        done.append(cmdlet)
    return {"changed": bool(done), "done": done}


# Procedures only Windows has: simulated here on the host's state, not by the POSIX twin.
SIMULATED = {"iis_isapi": iis_isapi, "exchange_read": exchange_read, "exchange_apply": exchange_apply,
             "exchange_online_read": exchange_online_read}
# The part of the host's state each simulated procedure needs (IIS installed, Exchange Management Shell present).
NEEDS = {"iis_isapi": ("iis", "The term 'Import-Module WebAdministration' failed: IIS is not installed"),
         "exchange_read": ("exchange", "the Exchange Management Shell is not on this host"),
         "exchange_apply": ("exchange", "the Exchange Management Shell is not on this host"),
         "exchange_online_read": ("exchange_online", "the ExchangeOnlineManagement module is not installed on this host "
                                                     "(Install-Module ExchangeOnlineManagement)")}


def exit_with(module, result, changed):
    module.exit_json(changed=changed, output=[json.dumps(result)], error=[], result={}, host_out="", host_err="",
                     information=[], verbose=[], warning=[], debug=[])


def run_twin(module, file_name, argv, what):
    """The POSIX twin of a Windows script, given the secrets as the Target gives them to a POSIX host (in the
    program), with the host's paths translated both ways."""
    secrets = {}
    for entry in module.params.get("sensitive_parameters") or []:
        if entry["name"] == "Secrets":
            secrets = to_here(json.loads(entry["value"]))
    with open(os.path.join(os.environ["OSCC_LAB_REPO"], "plugins", "plugin_utils", file_name)) as handle:
        source = f"SECRETS = {secrets!r}\n" + handle.read()
    proc = subprocess.run([sys.executable, "-", *argv], input=source.encode(), capture_output=True, check=False)
    try:
        return to_host(json.loads(proc.stdout))
    except ValueError:
        module.fail_json(msg=f"lab stand-in: {what} crashed: {proc.stderr.decode()[-2000:]}")


def run_executor(module):
    """executor.ps1 cannot run here: its POSIX twin carries out the same batch, paths translated."""
    given = json.loads(module.params["parameters"]["Batch"])
    state = State()
    state.record("win_powershell", {"executor": [op["op"] for op in given.get("ops", [])], "batch": given})
    state.save()
    result = run_twin(module, "_executor_posix.py", [json.dumps(to_here(given))], "the executor")
    changed = any(r.get("changed") or r.get("moved") or r.get("removed") or r.get("created")
                  for r in result["results"] + result["cleanup"])
    exit_with(module, result, changed)


def main():
    spec = real_spec("win_powershell")
    # As the real module declares them (win_powershell.ps1): the secret values are no_log.
    spec["sensitive_parameters"]["options"] = {"name": {"type": "str", "required": True},
                                               "value": {"type": "str", "no_log": True},
                                               "username": {"type": "str"}, "password": {"type": "str", "no_log": True}}
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    script = module.params.get("script") or ""
    if script.startswith(EXECUTOR):
        run_executor(module)
    if not script.startswith(MARKER):
        module.fail_json(msg="lab stand-in: win_powershell runs only oscc.admin's remote procedures here")
    if module.check_mode and "SupportsShouldProcess" not in script:
        module.exit_json(changed=False, skipped=True, msg="script does not support check mode")
    parameters = module.params.get("parameters") or {}
    procedure = parameters["Procedure"]
    given = json.loads(parameters["Json"])  # as the host sees them; the POSIX twin gets them translated
    params = to_here(given)
    state = State()
    state.record("win_powershell", {"procedure": procedure, "parameters": given})
    if procedure in SIMULATED:
        key, missing = NEEDS["exchange_online_read" if procedure == "exchange_apply" and given.get("online") else procedure]
        if key not in state.data:
            result = {"failed": True, "msg": missing}
        else:
            result = SIMULATED[procedure](state, given)
        state.save()
        exit_with(module, result, bool(result.get("changed")))
    state.save()
    result = run_twin(module, "_remote_posix.py", [procedure, json.dumps(params)], f"procedure {procedure}")
    if procedure == "probe" and not result.get("failed"):  # the twin has no registry: the host's uninstall entries
        result["oscc_version"] = oscc_version(state.data, given.get("oscc_product_pattern"))
    exit_with(module, result, bool(result.get("changed")))


if __name__ == "__main__":
    main()
