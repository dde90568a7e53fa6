#!/usr/bin/env python3
"""The web page's static server (standard library only): serves web/ on 127.0.0.1 with
the right MIME types (.wasm as application/wasm, .js/.mjs as text/javascript), no caching,
extra folders mounted under a URL prefix (MNIST's files under /data/ by default), and,
with --out, accepts uploads: `POST /upload/NAME` writes the body to OUT/NAME (what
scripts/web-test.sh uses to collect the page's results and saved weights).

    python3 scripts/web_server.py                 # http://127.0.0.1:8000/, MNIST from
                                                  # $MNIST_DIR or data/mnist under /data/
    python3 scripts/web_server.py --port 0 --port-file P --out DIR --mount fixtures=D

Only 127.0.0.1 is bound: the page is for this machine's browser.
"""

import argparse
import http.server
import os
import re
import socketserver
import sys
import urllib.parse

# Largest upload accepted (a weights file of the seed models is under 2 MiB).
MAX_UPLOAD = 64 << 20
UPLOAD_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
TYPES = {
    ".wasm": "application/wasm",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".css": "text/css",
    ".html": "text/html; charset=utf-8",
    ".gz": "application/octet-stream",
    ".safetensors": "application/octet-stream",
}


def make_handler(root, mounts, out, quiet):
    class Handler(http.server.SimpleHTTPRequestHandler):
        extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **TYPES}

        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=root, **kwargs)

        def translate_path(self, path):
            clean = urllib.parse.unquote(urllib.parse.urlsplit(path).path)
            for prefix, folder in mounts.items():
                head = "/" + prefix + "/"
                if clean.startswith(head):
                    rest = clean[len(head):]
                    parts = [p for p in rest.split("/") if p not in ("", ".", "..")]
                    return os.path.join(folder, *parts)
            return super().translate_path(path)

        def end_headers(self):
            self.send_header("Cache-Control", "no-store")
            super().end_headers()

        def do_POST(self):
            clean = urllib.parse.urlsplit(self.path).path
            if out is None or not clean.startswith("/upload/"):
                self.send_error(403, "uploads are off (start the server with --out DIR)")
                return
            name = clean[len("/upload/"):]
            if not UPLOAD_NAME.match(name):
                self.send_error(400, "upload name: letters, digits, '.', '_', '-' only")
                return
            try:
                length = int(self.headers.get("Content-Length", "-1"))
            except ValueError:
                length = -1
            if length < 0 or length > MAX_UPLOAD:
                self.send_error(413, f"the body must have a Content-Length of at most {MAX_UPLOAD}")
                return
            body = self.rfile.read(length)
            tmp = os.path.join(out, "." + name + ".part")
            with open(tmp, "wb") as f:
                f.write(body)
            os.replace(tmp, os.path.join(out, name))  # whole or not at all
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, fmt, *args):
            if not quiet:
                super().log_message(fmt, *args)

    return Handler


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(here)
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--root", default=os.path.join(repo, "web"), help="folder served at / (default web/)")
    p.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    p.add_argument("--port-file", help="write the port chosen here once listening")
    p.add_argument("--out", help="folder for POST /upload/NAME (uploads are off without it)")
    p.add_argument(
        "--mount",
        action="append",
        default=[],
        metavar="PREFIX=DIR",
        help="serve DIR under /PREFIX/ (default: data=$MNIST_DIR or data/mnist)",
    )
    p.add_argument("--quiet", action="store_true", help="no request log")
    a = p.parse_args()

    mounts = {}
    for m in a.mount:
        prefix, sep, folder = m.partition("=")
        if not sep or not prefix or "/" in prefix.strip("/"):
            sys.exit(f"--mount {m}: expected PREFIX=DIR, e.g. data=/path/to/mnist")
        mounts[prefix.strip("/")] = os.path.abspath(folder)
    if "data" not in mounts:
        mounts["data"] = os.path.abspath(os.environ.get("MNIST_DIR") or os.path.join(repo, "data", "mnist"))
    for prefix, folder in mounts.items():
        if not os.path.isdir(folder):
            print(f"note: /{prefix}/ serves {folder}, which is not a folder", file=sys.stderr)
    if not os.path.isfile(os.path.join(a.root, "pkg", "wgtrain_web.js")):
        print(
            f"note: {a.root}/pkg/wgtrain_web.js is missing: build the wasm package first "
            "(scripts/build-wasm.sh)",
            file=sys.stderr,
        )
    out = os.path.abspath(a.out) if a.out else None
    if out:
        os.makedirs(out, exist_ok=True)

    handler = make_handler(os.path.abspath(a.root), mounts, out, a.quiet)

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True
        allow_reuse_address = True

    with Server(("127.0.0.1", a.port), handler) as httpd:
        port = httpd.server_address[1]
        if a.port_file:
            tmp = a.port_file + ".part"
            with open(tmp, "w") as f:
                f.write(f"{port}\n")
            os.replace(tmp, a.port_file)
        print(f"serving {a.root} at http://127.0.0.1:{port}/ (Ctrl-C stops)", file=sys.stderr)
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
