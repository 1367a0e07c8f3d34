"""Test kits shaped like the OSCC web components (test equipment; docs/vendor-facts.md, Web components).

The product's kit is the customer's and never part of the project: these stand-ins carry the
same layout, the HPWC.ini keys, the hpwcapp/config.properties entry, the demo pages and the
CaptureWCData.htm form fields, so the roles are exercised on the shapes they will meet.
`version` changes every page a little, as a new kit does.
"""
import os
import subprocess
import zipfile

HPWC_INI = """[WEBSETTINGS]
DefaultLanguage=english
CaptureCallData=CaptureWCData.htm
WebCallback=WebCallback.htm
Response=Response.vxml

[HPPCSETTINGS]
Address=xxx.domain.com
Port=6021
SSLPort=8443
ChatUsesSSL=false
CallbackUsesSSL=false
VoiceXMLUsesSSL=false
MinSockets=100
MaxSockets=200
Password=

[DIAGSETTINGS]
MAX_MEMORY=20
TIME_INTERVAL_SEC=5
THRESHOLD=106
"""
CONFIG_PROPERTIES = """# OSCC Web Collaboration
servlet.name=/HPPCEnterpriseWeb/hppcwebchat
socket.server.name=localhost
socket.server.port=6021
socket.server.port.ssl=443
socket.webchat.ssl=false
socket.webcallback.SSL=false
socket.voicexml.ssl=false
"""
WC_MAIN = ("""<html><head><title>Web Collaboration demo (kit {version})</title></head><body>
<a href="{handler}?varUserRequest=REQ_WEBCHAT_MAIN&varUserLanguage=english&varBusinessUnitName=DEFAULT">"""
           """Request Web Session</a>
</body></html>
""")
CAPTURE = """<html><head><title>CaptureWCData (kit {version})</title></head><body>
<p>You have requested an online Web Collaboration session.</p>
<form name="WCForm" method="GET" action="<WCSERVLET>" target="HPPC70_CHAT">
<input type="hidden" name="varUserRequest" value="REQ_JS_START">
<input type="hidden" name="varUserLanguage" value="english">
<input type="hidden" name="varHPPCLanguage" value="English">
<input type="hidden" name="varSessionPriority" value="10">
<input type="hidden" name="varBusinessUnitName" value="<WCBUSINESSUNITNAME>">
Name <input type="text" name="varCustomerName" maxlength="30">
Question <input type="text" name="varCaption">
<input type="text" name="varSource" maxlength="20" value="">
<input type="text" name="varDestination" maxlength="40" value="">
<input type="text" name="Key1" maxlength="50"><input type="text" name="Key2" maxlength="50">
<input type="submit" value="Submit">
</form></body></html>
"""


def pages(version="12.0.1", handler="../hppcwis.dll"):
    """Relative path -> bytes of the pages every kit carries."""
    files = {
        "Default.htm": "<!-- PTR 53452 - This file has to be placed above the \"html\" directory -->\n",
        "html/WCMain.htm": WC_MAIN.format(version=version, handler=handler),
        "html/WCCallbackMain.htm": f"<html><body>Web Callback demo (kit {version})"
                                   f"<a href=\"{handler}?varUserRequest=REQ_CALLBACK_AVAILABILITY\">try</a>"
                                   "</body></html>\n",
        "html/english/CaptureWCData.htm": CAPTURE.format(version=version),
        "html/english/WebCallback.htm": f"<html><body>Web Callback form (kit {version})</body></html>\n",
        "html/english/GeneralError.htm": f"<html><body>Error <WCERRORCODE> (kit {version})</body></html>\n",
        "images/logo.gif": "GIF89a",
        "VXML/Initialize.vxml": f"<?xml version=\"1.0\"?>\n<vxml version=\"2.1\"><!-- kit {version} --></vxml>\n",
    }
    return {name: text.encode() for name, text in files.items()}


def iis_zip(path, version="12.0.1"):
    """HPPCEnterpriseWeb.zip of the IIS kit."""
    files = {**pages(version), "HPWC.ini": HPWC_INI.replace("\n", "\r\n").encode(),
             "hppcwis.dll": b"MZ" + f"32-bit ISAPI stand-in {version}".encode()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():  # fixed times: the same version gives the same kit, byte for byte
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 15, 12, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return str(path)


def war(path, version="12.0.1"):
    """HPPCEnterpriseWeb.war of the Tomcat / Sun Java kit, built by the JDK's jar tool."""
    tree = f"{path}.tree"
    files = {**pages(version, handler="../hppcwebchat"), "hpwcapp/config.properties": CONFIG_PROPERTIES.encode(),
             "WEB-INF/web.xml": b'<?xml version="1.0" encoding="UTF-8"?>\n<web-app version="5.0"/>\n'}
    for name, data in files.items():
        target = os.path.join(tree, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(data)
    if os.path.exists(path):
        os.remove(path)
    subprocess.run(["jar", "cf", str(path), "-C", tree, "."], check=True)
    return str(path)
