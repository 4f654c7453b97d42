#!/usr/bin/env python3
"""A fake k3s/kubectl upstream for rdbundle's tests and demo (tests/support/fake_upstream.h).

The tests serve plain http from their own process (tests/support/fake_upstream_server.cc, the
same behaviour in C++, so that it runs under Wine too); this script serves https for them, and
the demo. A change to the faults below goes into both.

Serves the files under --root on 127.0.0.1 (port chosen by the OS, written to --port-file as
"<port>\\n" once listening) with HTTP/1.1 keep-alive:
  - GET and HEAD, Content-Length always; Range "bytes=A-" / "bytes=A-B" -> 206 with
    Content-Range, a start at or past the end -> 416;
  - "<path>.paged.json" (a JSON array) answers requests for <path> a page at a time, like
    GitHub's API: ?per_page=N (default 30, max 100) &page=P (default 1), a Link header with
    rel="next" while more pages follow (no Link header at all with the fault "no_link").
Faults, per decoded request path, from the JSON object in --control (re-read on each
request, so a test can change it while the server runs; "first requests" count from the last
change of the file):
  {"/path": {"status": [500, 503]}}   the first requests get these statuses, then success
  {"/path": {"status_always": 500}}   every request gets this status
  {"/path": {"reset_after": 1000}}    send the headers and 1000 bytes, then reset the
                                      connection (TCP RST) -- on the first "times" requests
  {"/path": {"delay": 2.5}}           wait before answering -- on the first "times" requests;
                                      logged when the wait starts, with status 0 (a client
                                      that gives up meanwhile never gets an answer)
  {"/path": {"corrupt": true}}        serve different bytes (the first byte flipped)
  {"/path": {"missing": true}}        404
  {"/path": {"redirect": "URL"}}      302 to URL
  {"/path": {"ignore_range": true}}   answer Range requests with 200 and the whole file
  {"/path": {"times": 2}}             how many requests reset_after and delay apply to (1)
Every request is appended to --log as one JSON line: method, path, query, range, status, sent
(body bytes sent, or being sent to a client that went away), user_agent. The line is written
before the last bytes of the response, so a client that has the whole response finds it. With --tls-cert/--tls-key it serves https. The server stops on
SIGTERM/SIGINT.
"""

import argparse
import json
import os
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK = 64 * 1024


class State:
    def __init__(self, root, control, log):
        self.root = os.path.realpath(root)
        self.control = control
        self.log = log
        self.lock = threading.Lock()
        self.control_text = None
        self.counts = {}

    def faults(self, path):
        """The faults of path and the number of this request since the faults were last set."""
        try:
            with open(self.control, encoding="utf-8") as f:
                text = f.read()
            faults = json.loads(text).get(path, {})
        except (OSError, ValueError, AttributeError):
            text, faults = "", {}
        with self.lock:
            if text != self.control_text:  # new faults: count requests afresh
                self.control_text = text
                self.counts = {}
            self.counts[path] = self.counts.get(path, 0) + 1
            return faults, self.counts[path]

    def record(self, entry):
        if not self.log:
            return
        with self.lock, open(self.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-upstream/1"

    def log_message(self, fmt, *args):  # quiet: the JSON log is the record
        pass

    def do_GET(self):
        self.serve(head=False)

    def do_HEAD(self):
        self.serve(head=True)

    # ---- responses -------------------------------------------------------------------------

    def serve(self, head):
        state = self.server.state
        url = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(url.path)
        entry = {"method": self.command, "path": path, "query": url.query,
                 "range": self.headers.get("Range", ""), "status": 0, "sent": 0,
                 "user_agent": self.headers.get("User-Agent", "")}
        self.entry = entry
        try:
            self.respond(state, path, url.query, head, entry)
        finally:
            self.logged()

    def logged(self, sent=None):
        """Writes the log entry once, before the last bytes of the response go out: a client
        that has the whole response can read its request in the log."""
        if self.entry is None:
            return
        if sent is not None:
            self.entry["sent"] = sent
        self.server.state.record(self.entry)
        self.entry = None

    def respond(self, state, path, query, head, entry):
        fault, n = state.faults(path)
        times = int(fault.get("times", 1))
        if "delay" in fault and n <= times:
            self.logged()
            time.sleep(float(fault["delay"]))
        statuses = fault.get("status", [])
        if n <= len(statuses):
            return self.send_error_page(int(statuses[n - 1]), entry, head)
        if "status_always" in fault:
            return self.send_error_page(int(fault["status_always"]), entry, head)
        if fault.get("missing"):
            return self.send_error_page(404, entry, head)
        if "redirect" in fault:
            entry["status"] = 302
            self.send_response(302)
            self.send_header("Location", fault["redirect"])
            self.send_header("Content-Length", "0")
            self.logged()
            self.end_headers()
            return None
        body, headers = self.load(state, path, query, fault)
        if body is None:
            return self.send_error_page(404, entry, head)
        reset_after = fault.get("reset_after") if n <= times else None
        return self.send_body(body, headers, head, fault, entry, reset_after)

    def load(self, state, path, query, fault):
        """The body for path (bytes, or the path of a file) and extra headers; None if absent."""
        full = os.path.realpath(os.path.join(state.root, path.lstrip("/")))
        if not (full + os.sep).startswith(state.root + os.sep):
            return None, {}
        if os.path.isfile(full + ".paged.json"):
            return self.page(full + ".paged.json", path, query, fault)
        if not os.path.isfile(full):
            return None, {}
        if fault.get("corrupt"):
            with open(full, "rb") as f:
                data = bytearray(f.read())
            if data:
                data[0] ^= 0xFF
            else:
                data = bytearray(b"x")
            return bytes(data), {}
        return full, {}

    def page(self, file, path, query, fault):
        params = urllib.parse.parse_qs(query)
        per_page = min(max(int(params.get("per_page", ["30"])[0]), 1), 100)
        page = max(int(params.get("page", ["1"])[0]), 1)
        with open(file, encoding="utf-8") as f:
            items = json.load(f)
        chunk = items[(page - 1) * per_page:page * per_page]
        headers = {"Content-Type": "application/json"}
        if not fault.get("no_link"):
            host = "http://%s:%d%s" % (self.server.server_address[0],
                                        self.server.server_address[1], path)
            links = ['<%s?per_page=%d&page=1>; rel="first"' % (host, per_page)]
            if page * per_page < len(items):
                links.insert(0, '<%s?per_page=%d&page=%d>; rel="next"' % (host, per_page, page + 1))
            headers["Link"] = ", ".join(links)
        return json.dumps(chunk).encode(), headers

    def send_error_page(self, status, entry, head):
        body = ("fake upstream: %d\n" % status).encode()
        entry["status"] = status
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        if head:
            self.logged()
            self.end_headers()
            return
        self.end_headers()
        self.logged(sent=len(body))
        self.wfile.write(body)

    def send_body(self, body, headers, head, fault, entry, reset_after):
        size = len(body) if isinstance(body, bytes) else os.path.getsize(body)
        start, end = 0, size - 1
        status = 200
        rng = self.headers.get("Range", "")
        if rng and not fault.get("ignore_range"):
            parsed = parse_range(rng)
            if parsed is None or parsed[0] >= size:
                entry["status"] = 416
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % size)
                self.send_header("Content-Length", "0")
                self.logged()
                self.end_headers()
                return
            start = parsed[0]
            end = size - 1 if parsed[1] is None else min(parsed[1], size - 1)
            status = 206
        entry["status"] = status
        self.send_response(status)
        headers.setdefault("Content-Type", "application/octet-stream")
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(end - start + 1))
        if status == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, size))
        if head:
            self.logged()
            self.end_headers()
            return
        self.end_headers()
        self.stream(body, start, end + 1, reset_after)

    def stream(self, body, start, stop, reset_after):
        limit = stop if reset_after is None else min(stop, start + int(reset_after))
        if isinstance(body, bytes):
            self.logged(sent=limit - start)
            self.wfile.write(body[start:limit])
        else:
            with open(body, "rb") as f:
                f.seek(start)
                pos = start
                while pos < limit:
                    data = f.read(min(CHUNK, limit - pos))
                    if not data:
                        break
                    if pos + len(data) >= limit:
                        self.logged(sent=limit - start)
                    self.wfile.write(data)
                    pos += len(data)
        self.logged(sent=limit - start)  # an empty body
        if reset_after is not None and limit < stop:
            self.reset()

    def reset(self):
        """Close the connection with a TCP RST, mid-body."""
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.rfile.close()  # the socket's descriptor closes with its last file object
        self.wfile.close()
        self.connection.close()
        raise ConnectionAbortedError("reset by the fault injection")


def parse_range(value):
    if not value.startswith("bytes=") or "," in value:
        return None
    a, _, b = value[len("bytes="):].partition("-")
    if not a.isdigit() or (b and not b.isdigit()):
        return None
    return int(a), (int(b) if b else None)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # resets and clients that went away are expected here


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--control", default="")
    parser.add_argument("--log", default="")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tls-cert", default="", help="serve https with this certificate (PEM)")
    parser.add_argument("--tls-key", default="")
    args = parser.parse_args()
    server = Server(("127.0.0.1", args.port), Handler)
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.state = State(args.root, args.control, args.log)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("%d\n" % server.server_address[1])
    os.replace(tmp, args.port_file)
    stop = lambda *_: threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.serve_forever(poll_interval=0.1)
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
