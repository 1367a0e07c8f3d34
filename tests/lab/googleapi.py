"""Lab test equipment: Google's OAuth token endpoint and the Gmail API settings a Workspace admin's service
account reaches with domain-wide delegation (users.settings.imap, users.settings.sendAs), on loopback HTTP.

The token endpoint checks what Google checks of a service account's JWT grant: an RS256 signature by the
key's private key, issuer, audience (Google's token URI, which google-auth always names, even when the key's
token_uri points at this lab), a lifetime of at most an hour, a user of the domain as
subject, and scopes within those delegated to the client in the Admin console. Errors have Google's shapes.
"""
import base64
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SCOPE_IMAP = "https://www.googleapis.com/auth/gmail.settings.basic"
SCOPE_SEND_AS = "https://www.googleapis.com/auth/gmail.settings.sharing"
CLIENT_EMAIL = "oscc-admin@lab-project.iam.gserviceaccount.com"
# The audience of every grant google-auth signs, whatever token_uri the key file names.
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class GoogleApi:
    def __init__(self, domain="lab.invalid"):
        self.domain = domain
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.delegated = {SCOPE_IMAP, SCOPE_SEND_AS}
        self.users = {f"oscc@{domain}": {
            "imap": {"enabled": False, "autoExpunge": True, "expungeBehavior": "archive", "maxFolderSize": 0},
            "sendAs": [{"sendAsEmail": f"oscc@{domain}", "isPrimary": True, "isDefault": True,
                        "verificationStatus": "accepted"}]}}
        self.tokens, self.calls = {}, []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def key(self):
        pem = self.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()).decode()
        return {"type": "service_account", "project_id": "lab-project", "private_key_id": "lab", "private_key": pem,
                "client_email": CLIENT_EMAIL, "client_id": "100000000000000000001", "token_uri": f"{self.url}/token"}

    def write_key(self, path):
        with open(path, "w") as handle:
            json.dump(self.key(), handle)
        return str(path)

    def start(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    # -- what Google decides ---------------------------------------------------------------------
    def grant(self, form):
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return 400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type"}
        try:
            header, claims, signature = form["assertion"].split(".")
            self.private_key.public_key().verify(unb64(signature), f"{header}.{claims}".encode(), padding.PKCS1v15(),
                                                 hashes.SHA256())
            header, claims = json.loads(unb64(header)), json.loads(unb64(claims))
        except (KeyError, ValueError, InvalidSignature):
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        now = time.time()
        if (header.get("alg") != "RS256" or claims.get("iss") != CLIENT_EMAIL
                or claims.get("aud") != GOOGLE_TOKEN_URI):
            return 400, {"error": "invalid_grant",
                         "error_description": "Invalid JWT: Token must be a short-lived token"}
        if not claims.get("iat", 0) - 300 <= now < claims.get("exp", 0) or claims["exp"] - claims["iat"] > 3600:
            return 400, {"error": "invalid_grant",
                         "error_description": "Invalid JWT: Token must be a short-lived token"}
        if claims.get("sub") not in self.users:
            return 400, {"error": "invalid_grant", "error_description": "Invalid email or User ID"}
        scopes = set(claims.get("scope", "").split())
        if not scopes or not scopes <= self.delegated:
            return 401, {"error": "unauthorized_client", "error_description": "Client is unauthorized to retrieve "
                         "access tokens using this method, or client not authorized for any of the scopes requested."}
        token = secrets.token_urlsafe(24)
        self.tokens[token] = (claims["sub"], scopes)
        return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}

    def settings(self, method, user, what, token, body):
        granted = self.tokens.get(token)
        if granted is None:
            return 401, {"error": {"code": 401, "message": "Request had invalid authentication credentials.",
                                   "status": "UNAUTHENTICATED"}}
        subject, scopes = granted
        if user not in ("me", subject):
            return 403, {"error": {"code": 403, "message": "Delegation denied for " + subject,
                                   "status": "PERMISSION_DENIED"}}
        account = self.users[subject]
        needed = SCOPE_SEND_AS if (what, method) == ("sendAs", "POST") else SCOPE_IMAP
        if needed not in scopes:
            return 403, {"error": {"code": 403, "message": "Request had insufficient authentication scopes.",
                                   "status": "PERMISSION_DENIED"}}
        if what == "imap" and method == "GET":
            return 200, account["imap"]
        if what == "imap" and method == "PUT":
            account["imap"] = {k: body.get(k, v) for k, v in account["imap"].items()}
            return 200, account["imap"]
        if what == "sendAs" and method == "GET":
            return 200, {"sendAs": account["sendAs"]}
        if what == "sendAs" and method == "POST":
            address = body["sendAsEmail"]
            if any(a["sendAsEmail"].lower() == address.lower() for a in account["sendAs"]):
                return 409, {"error": {"code": 409, "message": "Duplicate send-as alias", "status": "ALREADY_EXISTS"}}
            # Addresses of the account's own domain need no confirmation; others wait for their owner.
            status = "accepted" if address.lower().endswith("@" + self.domain) else "pending"
            alias = {"sendAsEmail": address, "treatAsAlias": bool(body.get("treatAsAlias")),
                     "verificationStatus": status}
            account["sendAs"].append(alias)
            return 200, alias
        return 404, {"error": {"code": 404, "message": "Not Found", "status": "NOT_FOUND"}}

    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, code, body):
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                api.calls.append((self.command, self.path))
                if self.path == "/token" and self.command == "POST":
                    return self.answer(*api.grant({k: v[0] for k, v in parse_qs(raw).items()}))
                parts = self.path.split("?")[0].strip("/").split("/")
                if len(parts) == 6 and parts[:3] == ["gmail", "v1", "users"] and parts[4] == "settings":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    return self.answer(*api.settings(self.command, unquote(parts[3]), parts[5], token,
                                                     json.loads(raw) if raw else {}))
                return self.answer(404, {"error": {"code": 404, "message": "Not Found", "status": "NOT_FOUND"}})

            do_GET = do_PUT = do_POST = handle_any

        return Handler
