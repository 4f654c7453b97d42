#!/usr/bin/env python3
"""A small OCI registry (distribution-spec v1.1 push/pull/tags) for rdbundle's tests
(tests/support/oci_registry.h), on 127.0.0.1 with the port written to --port-file.

What docker-registry 2.8 cannot show, this one does:
  - resumable uploads: a PATCH cut mid-body keeps the bytes that arrived, and GET on the upload
    URL answers 204 with "Range: 0-<last>", so a client can continue without resending them;
  - the Bearer token flow (--bearer USER:PASS): /v2/ requests without a valid token get 401 and
    "WWW-Authenticate: Bearer realm=...,service=oci-fixture,scope=..."; GET /token with Basic
    USER:PASS gives {"token": ..., "expires_in": --expires-in}; with --refresh-token T, the OAuth2
    form (POST /token: grant_type=refresh_token, refresh_token=T, client_id, service, scope)
    gives {"access_token": ..., "expires_in": ...} and a GET with Basic "<token>:T" is refused;
  - with --proxy HOST:PORT it is instead a proxy in front of another registry that cuts PATCHes
    (the upstream sees a half-written request body).
Faults, from the JSON object in --control (re-read on every request):
  {"cut_patch": [2, 3]}        the 2nd and 3rd PATCH since the faults were set are cut ...
  {"cut_after": 100000}        ... after this many body bytes (default half the body)
  {"status": {"PATCH": [503]}} the first requests of a method get these statuses
  {"cut_get_after": 1000000}   (proxy) the first blob GET is cut after this many body bytes
Every request is appended to --log as a JSON line: method, path, status, received (request body
bytes read), range, content_range, auth ("bearer", "basic" or "").
"""

import argparse
import base64
import hashlib
import http.client
import json
import os
import secrets
import socket
import struct
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK = 64 * 1024


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.blobs = {}       # digest -> bytes
        self.manifests = {}   # (name, digest) -> (media type, bytes)
        self.tags = {}        # (name, tag) -> digest
        self.uploads = {}     # uuid -> bytearray
        self.tokens = {}      # token -> expiry
        self.control_text = None
        self.counts = {}

    def faults(self, method):
        try:
            with open(self.args.control, encoding="utf-8") as f:
                text = f.read()
            faults = json.loads(text)
        except (OSError, ValueError):
            text, faults = "", {}
        with self.lock:
            if text != self.control_text:
                self.control_text = text
                self.counts = {}
            self.counts[method] = self.counts.get(method, 0) + 1
            return faults, self.counts[method]

    def record(self, entry):
        with self.lock, open(self.args.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")


def abort(handler):
    """Reset the connection (TCP RST), like a link that drops."""
    try:
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    handler.close_connection = True
    try:
        handler.connection.close()
    except OSError:
        pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "oci-fixture/1"

    def log_message(self, *args):
        pass

    # ---- helpers --------------------------------------------------------------------------
    def st(self):
        return self.server.state

    def reply(self, status, body=b"", headers=None, head=False):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.entry["status"] = status
        self.record()  # before the response ends: a client that has it finds the line
        self.end_headers()
        if body and not head and self.command != "HEAD":
            self.wfile.write(body)

    def record(self):
        if not getattr(self, "recorded", False):
            self.recorded = True
            self.st().record(self.entry)

    def error(self, status, code, message):
        body = json.dumps({"errors": [{"code": code, "message": message}]}).encode()
        self.reply(status, body, {"Content-Type": "application/json"})

    def read_body(self, limit=None):
        n = int(self.headers.get("Content-Length", "0") or 0)
        want = n if limit is None else min(n, limit)
        data = bytearray()
        while len(data) < want:
            chunk = self.rfile.read(min(CHUNK, want - len(data)))
            if not chunk:
                break
            data += chunk
        self.entry["received"] = len(data)
        return bytes(data), n

    def authorized(self):
        args = self.st().args
        auth = self.headers.get("Authorization", "")
        self.entry["auth"] = auth.split(" ")[0].lower() if auth else ""
        if not args.bearer:
            return True
        if auth.startswith("Bearer "):
            exp = self.st().tokens.get(auth[7:])
            if exp is not None and exp > time.time():
                return True
        return False

    def unauthorized(self, name):
        port = self.server.server_address[1]
        value = f'Bearer realm="http://127.0.0.1:{port}/token",service="oci-fixture"'
        if name:
            value += f',scope="repository:{name}:pull"'
        body = json.dumps({"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}).encode()
        self.reply(401, body, {"WWW-Authenticate": value, "Content-Type": "application/json"})

    # ---- dispatch -------------------------------------------------------------------------
    def handle_any(self, method):
        url = urllib.parse.urlsplit(self.path)
        self.entry = {"method": method, "path": url.path, "status": 0, "received": 0,
                      "range": self.headers.get("Range", ""),
                      "content_range": self.headers.get("Content-Range", ""), "auth": ""}
        self.recorded = False
        try:
            self.route(method, url)
        finally:
            self.record()

    def route(self, method, url):
        st = self.st()
        if url.path == "/token":
            return self.oauth_token() if method == "POST" else self.token(url)
        faults, count = st.faults(method)
        statuses = faults.get("status", {}).get(method, [])
        if count <= len(statuses):
            if method in ("PATCH", "PUT"):
                self.read_body()
            return self.error(statuses[count - 1], "INJECTED", "injected fault")
        parts = url.path.split("/")
        if url.path in ("/v2/", "/v2"):
            if not self.authorized():
                return self.unauthorized("")
            return self.reply(200, b"{}", {"Content-Type": "application/json"})
        if not url.path.startswith("/v2/"):
            return self.error(404, "NOT_FOUND", "not found")
        # /v2/<name>/<kind>/<rest>
        for kind in ("blobs/uploads", "blobs", "manifests", "tags"):
            marker = "/" + kind + "/"
            i = url.path.find(marker)
            if i > 4:
                name = url.path[4:i]
                rest = url.path[i + len(marker):]
                break
        else:
            return self.error(404, "NAME_UNKNOWN", "bad path")
        if not self.authorized():
            if method in ("PATCH", "PUT"):
                self.read_body()
            return self.unauthorized(name)
        if kind == "blobs/uploads":
            return self.upload(method, name, rest, url, faults, count)
        if kind == "blobs":
            return self.blob(method, rest)
        if kind == "manifests":
            return self.manifest(method, name, rest)
        return self.tag_list(name, url)

    def token(self, url):
        args = self.st().args
        want = "Basic " + base64.b64encode(args.bearer.encode()).decode()
        auth = self.headers.get("Authorization", "")
        self.entry["auth"] = auth.split(" ")[0].lower() if auth else ""
        if auth != want:
            return self.error(401, "UNAUTHORIZED", "bad credentials")
        token = secrets.token_hex(16)
        self.st().tokens[token] = time.time() + args.expires_in
        q = urllib.parse.parse_qs(url.query)
        body = json.dumps({"token": token, "expires_in": args.expires_in, "scope": q.get("scope", [])}).encode()
        self.reply(200, body, {"Content-Type": "application/json"})

    def oauth_token(self):
        args = self.st().args
        body, _ = self.read_body()
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        self.entry["auth"] = "oauth2"
        one = lambda k: form.get(k, [""])[0]
        if (self.headers.get("Content-Type", "") != "application/x-www-form-urlencoded"
                or one("grant_type") != "refresh_token" or not one("client_id")
                or one("service") != "oci-fixture" or not one("scope").startswith("repository:")):
            return self.error(400, "INVALID_REQUEST", "bad OAuth2 form")
        if not args.refresh_token or one("refresh_token") != args.refresh_token:
            return self.error(401, "UNAUTHORIZED", "bad refresh token")
        token = secrets.token_hex(16)
        self.st().tokens[token] = time.time() + args.expires_in
        body = json.dumps({"access_token": token, "expires_in": args.expires_in, "scope": one("scope")}).encode()
        self.reply(200, body, {"Content-Type": "application/json"})

    def upload(self, method, name, rest, url, faults, count):
        st = self.st()
        if method == "POST":
            uid = secrets.token_hex(8)
            st.uploads[uid] = bytearray()
            return self.reply(202, b"", {"Location": f"/v2/{name}/blobs/uploads/{uid}?_state=0",
                                         "Range": "0-0", "Docker-Upload-UUID": uid})
        uid = rest
        data = st.uploads.get(uid)
        if data is None:
            if method in ("PATCH", "PUT"):
                self.read_body()
            return self.error(404, "BLOB_UPLOAD_UNKNOWN", "upload unknown")
        loc = f"/v2/{name}/blobs/uploads/{uid}?_state={len(data)}"
        if method == "GET":
            return self.reply(204, b"", {"Location": loc, "Range": f"0-{max(len(data) - 1, 0)}"})
        if method == "PATCH":
            cr = self.headers.get("Content-Range", "")
            start = int(cr.split("-")[0]) if cr else len(data)
            if start != len(data):
                self.read_body()
                return self.error(416, "BLOB_UPLOAD_INVALID", f"expected offset {len(data)}")
            n = int(self.headers.get("Content-Length", "0") or 0)
            if count in faults.get("cut_patch", []):
                body, _ = self.read_body(limit=faults.get("cut_after", n // 2))
                data += body  # what arrived is kept: the upload can resume there
                self.entry["status"] = -1
                self.record()
                return abort(self)
            body, _ = self.read_body()
            data += body
            loc = f"/v2/{name}/blobs/uploads/{uid}?_state={len(data)}"
            return self.reply(202, b"", {"Location": loc, "Range": f"0-{max(len(data) - 1, 0)}"})
        if method == "PUT":
            body, _ = self.read_body()
            data += body
            digest = urllib.parse.parse_qs(url.query).get("digest", [""])[0]
            actual = "sha256:" + hashlib.sha256(bytes(data)).hexdigest()
            if digest != actual:
                return self.error(400, "DIGEST_INVALID", "digest mismatch")
            st.blobs[digest] = bytes(data)
            del st.uploads[uid]
            return self.reply(201, b"", {"Location": f"/v2/{name}/blobs/{digest}",
                                         "Docker-Content-Digest": digest})
        return self.error(405, "UNSUPPORTED", method)

    def blob(self, method, digest):
        data = self.st().blobs.get(digest)
        if data is None:
            return self.error(404, "BLOB_UNKNOWN", "blob unknown")
        headers = {"Docker-Content-Digest": digest, "Content-Type": "application/octet-stream"}
        rng = self.headers.get("Range", "")
        if rng.startswith("bytes=") and method == "GET":
            start = int(rng[6:].split("-")[0])
            headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
            return self.reply(206, data[start:], headers)
        return self.reply(200, data, headers, head=(method == "HEAD"))

    def manifest(self, method, name, ref):
        st = self.st()
        if method == "PUT":
            body, _ = self.read_body()
            digest = "sha256:" + hashlib.sha256(body).hexdigest()
            st.manifests[(name, digest)] = (self.headers.get("Content-Type", ""), body)
            if not ref.startswith("sha256:"):
                st.tags[(name, ref)] = digest
            return self.reply(201, b"", {"Location": f"/v2/{name}/manifests/{digest}",
                                         "Docker-Content-Digest": digest})
        digest = ref if ref.startswith("sha256:") else st.tags.get((name, ref))
        found = st.manifests.get((name, digest))
        if found is None:
            return self.error(404, "MANIFEST_UNKNOWN", "manifest unknown")
        return self.reply(200, found[1], {"Content-Type": found[0], "Docker-Content-Digest": digest},
                          head=(method == "HEAD"))

    def tag_list(self, name, url):
        q = urllib.parse.parse_qs(url.query)
        tags = sorted(t for (n, t) in self.st().tags if n == name)
        last = q.get("last", [""])[0]
        tags = [t for t in tags if t > last]
        n = int(q.get("n", ["1000"])[0])
        headers = {"Content-Type": "application/json"}
        if len(tags) > n:
            tags = tags[:n]
            headers["Link"] = f'</v2/{name}/tags/list?last={tags[-1]}&n={n}>; rel="next"'
        self.reply(200, json.dumps({"name": name, "tags": tags}).encode(), headers)

    def do_GET(self):
        self.handle_any("GET")

    def do_HEAD(self):
        self.handle_any("HEAD")

    def do_POST(self):
        self.handle_any("POST")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def do_PUT(self):
        self.handle_any("PUT")


class ProxyHandler(BaseHTTPRequestHandler):
    """Forwards to --proxy; cuts the PATCHes named by the faults."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def forward(self, method):
        st = self.server.state
        entry = {"method": method, "path": self.path, "status": 0, "received": 0,
                 "range": self.headers.get("Range", ""),
                 "content_range": self.headers.get("Content-Range", ""), "auth": ""}
        faults, count = st.faults(method)
        host, port = st.args.proxy.rsplit(":", 1)
        up = http.client.HTTPConnection(host, int(port), timeout=60)
        n = int(self.headers.get("Content-Length", "0") or 0)
        cut = method == "PATCH" and count in faults.get("cut_patch", [])
        limit = faults.get("cut_after", n // 2) if cut else n
        recorded = False
        try:
            up.putrequest(method, self.path, skip_host=True, skip_accept_encoding=True)
            for k, v in self.headers.items():
                up.putheader(k, v)
            up.endheaders()
            sent = 0
            while sent < limit:
                chunk = self.rfile.read(min(CHUNK, limit - sent))
                if not chunk:
                    break
                up.send(chunk)
                sent += len(chunk)
            entry["received"] = sent
            if cut:
                entry["status"] = -1
                st.record(entry)
                recorded = True
                up.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                up.close()
                abort(self)
                return
            resp = up.getresponse()
            body = resp.read()
            self.send_response(resp.status, resp.reason)
            for k, v in resp.getheaders():
                if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            entry["status"] = resp.status
            cut_get = faults.get("cut_get_after")
            if cut_get is not None and method == "GET" and "/blobs/sha256:" in self.path and resp.status == 200:
                with st.lock:
                    first = not st.counts.get("cut_get_done")
                    st.counts["cut_get_done"] = 1
                if first and cut_get < len(body):
                    entry["status"] = -1
                    st.record(entry)
                    recorded = True
                    self.end_headers()
                    self.wfile.write(body[:cut_get])
                    self.wfile.flush()
                    abort(self)
                    return
            st.record(entry)
            recorded = True
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(body)
        finally:
            up.close()
            if not recorded:
                st.record(entry)

    def do_GET(self):
        self.forward("GET")

    def do_HEAD(self):
        self.forward("HEAD")

    def do_POST(self):
        self.forward("POST")

    def do_PATCH(self):
        self.forward("PATCH")

    def do_PUT(self):
        self.forward("PUT")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--control", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--bearer", default="")
    p.add_argument("--expires-in", type=int, default=60)
    p.add_argument("--refresh-token", default="")
    p.add_argument("--proxy", default="")
    args = p.parse_args()
    handler = ProxyHandler if args.proxy else Handler
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.state = State(args)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{server.server_address[1]}\n")
    os.rename(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
