"""RS256 JWTs from an external issuer (SPEC §6.6): a PEM key and a JWKS served over HTTP."""
import base64
import json
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import requests

from conftest import PerchServer, WORKSPACE_ID, b64url, free_port

PIPE = "/v0/pipes/my_api_endpoint.json"


def rsa_key(path):
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", str(path)],
                   check=True, capture_output=True)
    public = path.with_suffix(".pub.pem")
    subprocess.run(["openssl", "pkey", "-in", str(path), "-pubout", "-out", str(public)], check=True, capture_output=True)
    return public


def rs256(private_key, payload, kid):
    header = {"alg": "RS256", "typ": "JWT", "kid": kid}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())
    signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", str(private_key)], input=signing_input.encode(),
                               check=True, capture_output=True).stdout
    return signing_input + "." + b64url(signature)


def jwk(private_key, kid):
    modulus = subprocess.run(["openssl", "rsa", "-in", str(private_key), "-noout", "-modulus"], check=True,
                             capture_output=True, text=True).stdout.strip().split("=", 1)[1]
    return {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": b64url(bytes.fromhex(modulus)), "e": "AQAB"}


def payload(iss, org="org_1", aud=None):
    claims = {"iss": iss, "workspace_id": WORKSPACE_ID, "name": "ext", "exp": int(time.time()) + 300,
              "scopes": [{"type": "PIPES:READ", "resource": "my_api_endpoint",
                          "fixed_params": {"organization_id": org}}]}
    if aud:
        claims["aud"] = aud
    return claims


def test_pem_and_jwks_issuers(tmp_path):
    pem_key, jwks_key, other_key = tmp_path / "pem.key", tmp_path / "jwks.key", tmp_path / "other.key"
    pem_public = rsa_key(pem_key)
    rsa_key(jwks_key)
    rsa_key(other_key)
    jwks_document = json.dumps({"keys": [jwk(jwks_key, "k1")]}).encode()
    fetches = []

    class JwksHandler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            fetches.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(jwks_document)

        def log_message(self, *args):
            pass

    jwks_port = free_port()
    httpd = HTTPServer(("127.0.0.1", jwks_port), JwksHandler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    issuers = tmp_path / "issuers.json"
    issuers.write_text(json.dumps({"issuers": [
        {"issuer": "https://pem.example", "pem_file": str(pem_public), "pem_kid": "p1"},
        {"issuer": "https://jwks.example", "jwks_url": f"http://127.0.0.1:{jwks_port}/jwks.json",
         "audiences": ["perch"]},
    ]}))
    perch = PerchServer(args=("--issuers", str(issuers)))
    try:
        reference = requests.get(perch.url + PIPE, params={"organization_id": "org_1"}, headers=perch.admin()).json()

        def get(token):
            return requests.get(perch.url + PIPE, params={"organization_id": "org_2"},
                                headers={"Authorization": "Bearer " + token})

        ok = get(rs256(pem_key, payload("https://pem.example"), "p1"))
        assert ok.status_code == 200, ok.text
        assert ok.json()["data"] == reference["data"]
        ok = get(rs256(jwks_key, payload("https://jwks.example", aud="perch"), "k1"))
        assert ok.status_code == 200, ok.text
        assert len(fetches) == 1

        rejected = {
            "wrong key": rs256(other_key, payload("https://pem.example"), "p1"),
            "unknown issuer": rs256(pem_key, payload("https://evil.example"), "p1"),
            "issuer/key mismatch": rs256(pem_key, payload("https://jwks.example", aud="perch"), "k1"),
            "wrong audience": rs256(jwks_key, payload("https://jwks.example", aud="other"), "k1"),
            "unknown kid": rs256(jwks_key, payload("https://jwks.example", aud="perch"), "nope"),
        }
        for name, token in rejected.items():
            response = get(token)
            assert response.status_code == 403, name
            assert token.split(".")[2] not in response.text
        assert len(fetches) == 1  # an unknown kid within the minimum refetch interval does not refetch
    finally:
        perch.stop()
        httpd.shutdown()


def test_jwks_rotation_served_over_http(tmp_path):
    """The provider rotates its signing key: Perch refetches once on the new kid, and the retired kid stops working."""
    old_key, new_key = tmp_path / "old.key", tmp_path / "new.key"
    rsa_key(old_key)
    rsa_key(new_key)
    served = {"doc": json.dumps({"keys": [jwk(old_key, "2026-old")]}).encode()}
    fetches = []

    class RotatingJwks(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            fetches.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(served["doc"])

        def log_message(self, *args):
            pass

    port = free_port()
    httpd = HTTPServer(("127.0.0.1", port), RotatingJwks)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    issuers = tmp_path / "issuers.json"
    issuers.write_text(json.dumps({"issuers": [
        {"issuer": "https://rotating.example", "jwks_url": f"http://127.0.0.1:{port}/jwks.json",
         "jwks_min_refetch_seconds": 1}]}))
    perch = PerchServer(args=("--issuers", str(issuers)))
    try:
        def status(key, kid):
            token = rs256(key, payload("https://rotating.example"), kid)
            return requests.get(perch.url + PIPE, headers={"Authorization": "Bearer " + token}).status_code

        assert status(old_key, "2026-old") == 200
        assert len(fetches) == 1
        served["doc"] = json.dumps({"keys": [jwk(new_key, "2026-new")]}).encode()
        time.sleep(1.2)  # past the minimum refetch interval
        assert status(new_key, "2026-new") == 200  # unknown kid → one refetch → the new key
        assert len(fetches) == 2
        assert status(new_key, "2026-new") == 200  # cached now
        assert len(fetches) == 2
        time.sleep(1.2)
        assert status(old_key, "2026-old") == 403  # the retired key is gone after the refetch it causes
        # A forged token with the new kid but the old key's signature never verifies.
        assert status(old_key, "2026-new") == 403
    finally:
        perch.stop()
        httpd.shutdown()
