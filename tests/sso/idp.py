"""A small, real OpenID Connect provider for the tests, served on 127.0.0.1 in a thread.

Discovery, JWKS, an authorization endpoint that "logs in" the configured test user at once and
redirects back with code and state, and a token endpoint that checks the client's secret, the
redirect URI, the PKCE verifier and that a code is used once. The RSA signing keys are generated
for each run. ``tamper`` makes the next ID tokens wrong in one chosen way, for the refusal tests.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

CLIENT_ID = "bio-register-test"


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class TestProvider:
    __test__ = False  # not a test class for pytest

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "key-1", "use": "sig", "alg": "RS256"})
        #: Same key id, never published: a token signed with it has a bad signature.
        self.rogue_key = RSAKey.generate_key(2048, parameters={"kid": "key-1", "use": "sig", "alg": "RS256"})
        self.client_id = CLIENT_ID
        self.client_secret = secrets.token_urlsafe(24)
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True,
                                   request_handler=_QuietHandler)
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="test-idp", daemon=True)
        self._codes: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self.reset()

    # -- control from the tests ------------------------------------------------------------------
    def reset(self) -> None:
        self.user: dict[str, Any] = {
            "sub": "entra-object-id-0001", "email": "ambtenaar@diemen.nl", "email_verified": True,
            "name": "Anna Ambtenaar", "amr": ["pwd"],
        }
        self.tamper: dict[str, Any] = {}
        self.token_requests: list[dict[str, Any]] = []

    def start(self) -> TestProvider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def rotate_keys(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": f"key-{secrets.token_hex(4)}", "use": "sig",
                                                         "alg": "RS256"})

    # -- the provider ----------------------------------------------------------------------------
    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        routes = {
            "/.well-known/openid-configuration": self._discovery,
            "/jwks": self._jwks,
            "/authorize": self._authorize,
            "/token": self._token,
        }
        handler = routes.get(request.path)
        response = handler(request) if handler else Response("not found", status=404)
        return response(environ, start_response)

    @staticmethod
    def _json(data: Any, status: int = 200) -> Response:
        return Response(json.dumps(data), status=status, content_type="application/json")

    def _discovery(self, request: Request) -> Response:
        return self._json({
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/authorize",
            "token_endpoint": self.issuer + "/token",
            "jwks_uri": self.issuer + "/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        })

    def _jwks(self, request: Request) -> Response:
        return self._json(KeySet([self.key]).as_dict(private=False))

    def _authorize(self, request: Request) -> Response:
        args = request.args
        problems = []
        if args.get("client_id") != self.client_id:
            problems.append("client_id")
        if args.get("response_type") != "code":
            problems.append("response_type")
        if "openid" not in args.get("scope", "").split():
            problems.append("scope")
        if args.get("code_challenge_method") != "S256" or not args.get("code_challenge"):
            problems.append("pkce")
        if not args.get("state") or not args.get("nonce") or not args.get("redirect_uri"):
            problems.append("state/nonce/redirect_uri")
        if problems:
            return Response("bad authorization request: " + ", ".join(problems), status=400)
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = {"nonce": args["nonce"], "challenge": args["code_challenge"],
                                 "redirect_uri": args["redirect_uri"], "user": dict(self.user)}
        query = urlencode({"code": code, "state": args["state"]})
        return Response(status=302, headers={"Location": f"{args['redirect_uri']}?{query}"})

    def _client_authenticated(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        return client_id == self.client_id and secrets.compare_digest(secret, self.client_secret)

    def _token(self, request: Request) -> Response:
        form = request.form
        self.token_requests.append(dict(form))
        if not self._client_authenticated(request):
            return self._json({"error": "invalid_client"}, 401)
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)  # a code is used once
        if form.get("grant_type") != "authorization_code" or grant is None:
            return self._json({"error": "invalid_grant"}, 400)
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return self._json({"error": "invalid_grant", "error_description": "redirect_uri"}, 400)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not verifier or challenge != grant["challenge"]:
            return self._json({"error": "invalid_grant", "error_description": "PKCE"}, 400)
        now = int(time.time())
        claims: dict[str, Any] = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 300,
                                  "auth_time": now, "nonce": grant["nonce"], **grant["user"]}
        for name, value in self.tamper.items():
            if name == "sign_with_rogue_key":
                continue
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        key = self.rogue_key if self.tamper.get("sign_with_rogue_key") else self.key
        id_token = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
        return self._json({"access_token": secrets.token_urlsafe(24), "token_type": "Bearer",
                           "expires_in": 300, "id_token": id_token})
