#!/usr/bin/env python3
"""httprec.py DIR — a loopback HTTP listener for e2e tests of webhooks.

Records each POST as DIR/reqN.json: {"path", "ctype", "headers", "body"},
answers 200, writes its port to DIR.port (atomically), and stops by itself
after 120 s. Used by tests/e2e/lib/common.sh's httprec_start.
"""
import http.server
import json
import os
import sys
import threading

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(n)
        k = len(os.listdir(out))
        with open(f"{out}/req{k}.json", "w") as f:
            json.dump({"path": self.path, "ctype": self.headers.get("Content-Type"),
                       "headers": dict(self.headers), "body": body.decode()}, f)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


srv = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(out + ".port.tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(out + ".port.tmp", out + ".port")
threading.Timer(120, srv.shutdown).start()
srv.serve_forever()
