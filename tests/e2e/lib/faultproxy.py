#!/usr/bin/env python3
"""Fault-injecting HTTP proxy for the S3 e2e tests (loopback only).

Listens on 127.0.0.1, forwards each request unchanged (Host header included,
so SigV4 signatures stay valid) to an upstream S3 service on 127.0.0.1, one
request per connection, and for a seeded share of requests instead:
  --p503    answers 503 SlowDown          --p500   answers 500 InternalError
  --preset  resets the connection (RST) without answering
  --pmid    forwards, then resets after half of the response body
  --pstall  says nothing for --stall seconds, then closes
  --all503  answers every request with 503 SlowDown
  --delay S  waits S seconds before forwarding each request (slow link)
  --glacier S  emulates S3 archive classes in front of RGW (which has only the
            labels): a GET of a GLACIER/DEEP_ARCHIVE object answers 403
            InvalidObjectState until a RestoreObject (POST ?restore, answered 202,
            then 409 RestoreAlreadyInProgress while pending, 200 once done) has
            completed S seconds later; HEAD carries x-amz-restore:
            ongoing-request="true", then "false" with an expiry-date
  --fixed STATUS:CODE[:REGION]  answers every request with that S3 error
  --script K1,K2,..  outcomes of the first requests (503,500,reset,midreset,stall,ok)
  --midreset-gets N  resets the first N object GETs after half of their body
  --complete-error CODE --complete-error-count N
            answers the first N CompleteMultipartUpload requests (POST with
            ?uploadId=) with "200 OK" + whitespace + <Error><Code>CODE</Code>
Integrity faults (tests/e2e/39-s3-integrity.sh), on answers that RGW gave:
  --list-inject KEY   adds <Contents><Key>KEY</Key> to every ListObjectsV2 page
                      (a service that ignores the prefix)
  --etag-rewrite M    replaces the ETag of every 2xx answer to method M (PUT:
                      single PUTs and parts; HEAD; PART: UploadPart only) with
                      one of other bytes
  --drip              sends object GET bodies at 2 bytes/s (headers at once)
  --fail-gets SUBSTR --fail-status N
                      answers N (503 SlowDown by default) to every object GET
                      whose path contains SUBSTR
  --truncate-gets SUBSTR
                      answers object GETs whose path contains SUBSTR with the
                      first half of the body, Content-Length adjusted (a short
                      answer that looks complete)
Writes its port to --port-file and one line per request to --log:
  "<n> <METHOD> <path> -> <outcome>". Stops on SIGTERM/SIGINT, and by itself
after --max-seconds (default 900) so a forgotten proxy never lingers.
"""
import argparse
import random
import signal
import socket
import struct
import sys
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("--upstream", required=True, help="127.0.0.1:PORT")
ap.add_argument("--port-file", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--seed", type=int, default=1)
for name in ("p503", "p500", "preset", "pmid", "pstall"):
    ap.add_argument("--" + name, type=float, default=0.0)
ap.add_argument("--stall", type=float, default=8.0)
ap.add_argument("--delay", type=float, default=0.0, help="seconds before forwarding each request")
ap.add_argument("--all503", action="store_true")
ap.add_argument("--fixed", default="")
ap.add_argument("--complete-error", default="")
ap.add_argument("--complete-error-count", type=int, default=-1)
ap.add_argument("--midreset-gets", type=int, default=0)
ap.add_argument("--script", default="", help="outcomes of the first requests, e.g. 503,reset,stall")
ap.add_argument("--glacier", type=float, default=-1,
                help="emulate S3 archive semantics: restores complete after this many seconds")
ap.add_argument("--max-seconds", type=float, default=900)
ap.add_argument("--list-inject", default="")
ap.add_argument("--etag-rewrite", default="")
ap.add_argument("--drip", action="store_true")
ap.add_argument("--fail-gets", default="")
ap.add_argument("--fail-status", type=int, default=503)
ap.add_argument("--truncate-gets", default="")
args = ap.parse_args()

uhost, uport = args.upstream.rsplit(":", 1)
if uhost not in ("127.0.0.1", "localhost", "::1"):
    sys.exit("faultproxy: upstream must be on loopback")
uport = int(uport)
rng = random.Random(args.seed)
lock = threading.Lock()
counter = [0]
complete_errors = [0]
midreset_gets = [args.midreset_gets]
script = [x for x in args.script.split(",") if x]
logf = open(args.log, "a", buffering=1)


def log(line):
    with lock:
        logf.write(line + "\n")


def xml_error(status, reason, code, region=""):
    body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>%s</Code><Message></Message>"
            "%s<RequestId>faultproxy</RequestId></Error>"
            % (code, "<Region>%s</Region>" % region if region else "")).encode()
    head = ("HTTP/1.1 %d %s\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n"
            "x-amz-request-id: faultproxy\r\nConnection: close\r\n\r\n"
            % (status, reason, len(body))).encode()
    return head + body


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None, None
        data += chunk
        if len(data) > 1 << 20:
            return None, None
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    length = 0
    for l in lines[1:]:
        k, _, v = l.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    while len(rest) < length:
        chunk = conn.recv(min(1 << 20, length - len(rest)))
        if not chunk:
            return None, None
        rest += chunk
    return lines, rest


def rst_close(conn):
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    conn.close()


def forward(lines, body):
    out = [lines[0]]
    for l in lines[1:]:
        if l.split(b":", 1)[0].strip().lower() in (b"connection", b"keep-alive"):
            continue
        out.append(l)
    out.append(b"Connection: close")
    up = socket.create_connection((uhost, uport), timeout=120)
    up.sendall(b"\r\n".join(out) + b"\r\n\r\n" + body)
    resp = b""
    while True:
        chunk = up.recv(1 << 20)
        if not chunk:
            break
        resp += chunk
    up.close()
    return resp


restores = {}  # object path -> (ready time, tier, days)


def cold_class(resp_head):
    for l in resp_head.split(b"\r\n")[1:]:
        k, _, v = l.partition(b":")
        if k.strip().lower() == b"x-amz-storage-class":
            return v.strip() in (b"GLACIER", b"DEEP_ARCHIVE")
    return False


def add_header(resp, line):
    i = resp.find(b"\r\n")
    return resp[:i + 2] + line.encode() + b"\r\n" + resp[i + 2:]


def glacier(method, target, body, lines, conn, n):
    """Archive semantics in front of RGW. Returns True when it answered."""
    path, _, query = target.partition("?")
    now = time.time()
    if method == "POST" and query == "restore":
        b = body.decode("utf-8", "replace")
        if "<Days>" not in b or "<Tier>" not in b:
            conn.sendall(xml_error(400, "Bad Request", "MalformedXML"))
        else:
            tier = b.split("<Tier>")[1].split("</Tier>")[0]
            days = b.split("<Days>")[1].split("</Days>")[0]
            with lock:
                st = restores.get(path)
                if st is None:
                    restores[path] = (now + args.glacier, tier)
                    code = 202
                else:
                    code = 409 if now < st[0] else 200
            log("%d restore %s tier=%s days=%s -> %d" % (n, path, tier, days, code))
            if code == 409:
                conn.sendall(xml_error(409, "Conflict", "RestoreAlreadyInProgress"))
            else:
                conn.sendall(("HTTP/1.1 %d %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                              % (code, "Accepted" if code == 202 else "OK")).encode())
        conn.close()
        return True
    if method in ("HEAD", "GET") and not query:
        resp = forward(lines, body)
        head = resp.split(b"\r\n\r\n", 1)[0]
        if b" 200 " in head.split(b"\r\n")[0] or b" 206 " in head.split(b"\r\n")[0]:
            if cold_class(head):
                st = restores.get(path)
                ready = st is not None and now >= st[0]
                if method == "HEAD" and st is not None:
                    resp = add_header(resp, 'x-amz-restore: ongoing-request="true"' if not ready else
                                      'x-amz-restore: ongoing-request="false", '
                                      'expiry-date="Fri, 21 Dec 2035 00:00:00 GMT"')
                if method == "GET" and not ready:
                    log("%d cold GET %s -> 403 InvalidObjectState" % (n, path))
                    resp = xml_error(403, "Forbidden", "InvalidObjectState")
        conn.sendall(resp)
        conn.close()
        return True
    return False


def split_response(resp):
    """(status line, [header lines], body) with a chunked body decoded."""
    head, _, body = resp.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    hdrs = []
    chunked = False
    for l in lines[1:]:
        k = l.split(b":", 1)[0].strip().lower()
        if k == b"transfer-encoding" and b"chunked" in l.lower():
            chunked = True
            continue
        if k == b"content-length":
            continue
        hdrs.append(l)
    if chunked:
        out, rest = b"", body
        while rest:
            size_line, _, rest = rest.partition(b"\r\n")
            n = int(size_line.split(b";")[0] or b"0", 16)
            if n == 0:
                break
            out += rest[:n]
            rest = rest[n + 2:]
        body = out
    return lines[0], hdrs, body


def join_response(status, hdrs, body, declared=None):
    n = len(body) if declared is None else declared
    return (status + b"\r\n" + b"\r\n".join(hdrs + [b"Content-Length: %d" % n]) +
            b"\r\n\r\n" + body)


def rewrite(method, target, resp, conn, n):
    """Integrity faults on RGW's answer. Returns True when it answered."""
    path, _, query = target.partition("?")
    status, hdrs, body = split_response(resp)
    ok = status.split(b" ")[1:2] in ([b"200"], [b"206"])
    if args.list_inject and method == "GET" and "list-type=2" in query and ok:
        extra = ("<Contents><Key>%s</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified>"
                 "<ETag>&quot;0&quot;</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass>"
                 "</Contents>" % args.list_inject).encode()
        body = body.replace(b"</ListBucketResult>", extra + b"</ListBucketResult>")
        log("%d injected %s" % (n, args.list_inject))
    elif ok and (args.etag_rewrite == method or (args.etag_rewrite == "PART" and method == "PUT"
                                                  and "partNumber=" in query)):
        hdrs = [b"ETag: \"0123456789abcdef0123456789abcdef\"" if
                l.split(b":", 1)[0].strip().lower() == b"etag" else l for l in hdrs]
        log("%d etag rewritten" % n)
    elif args.truncate_gets and method == "GET" and not query and args.truncate_gets in path and ok:
        body = body[:len(body) // 2]
        log("%d truncated to %d bytes" % (n, len(body)))
    elif args.drip and method == "GET" and not query and ok:
        conn.sendall(join_response(status, hdrs, b"", len(body)))
        log("%d dripping %d bytes" % (n, len(body)))
        for i in range(0, len(body), 2):
            conn.sendall(body[i:i + 2])
            time.sleep(1)
        conn.close()
        return True
    else:
        return False
    if method == "HEAD":  # no body: keep the object's Content-Length as RGW said it
        cl = [l for l in resp.partition(b"\r\n\r\n")[0].split(b"\r\n")[1:]
              if l.lower().startswith(b"content-length")]
        conn.sendall(status + b"\r\n" + b"\r\n".join(hdrs + cl) + b"\r\n\r\n")
    else:
        conn.sendall(join_response(status, hdrs, body))
    conn.close()
    return True


def decide(method, target):
    if args.all503:
        return "503"
    if args.fixed:
        return "fixed"
    if (args.complete_error and method == "POST" and "uploadId=" in target
            and (args.complete_error_count < 0 or complete_errors[0] < args.complete_error_count)):
        complete_errors[0] += 1
        return "complete-error"
    if script:
        return script.pop(0)
    path = target.partition("?")[0]
    if (args.fail_gets and method == "GET" and "?" not in target and args.fail_gets in path):
        return "fail-get"
    if method == "GET" and "?" not in target and midreset_gets[0] > 0:
        midreset_gets[0] -= 1
        return "midreset"
    r = rng.random()
    for name, p in (("503", args.p503), ("500", args.p500), ("reset", args.preset),
                    ("midreset", args.pmid), ("stall", args.pstall)):
        if r < p:
            return name
        r -= p
    return "ok"


def handle(conn):
    try:
        lines, body = read_request(conn)
        if lines is None:
            conn.close()
            return
        method, target = lines[0].decode("latin-1").split(" ")[:2]
        with lock:
            counter[0] += 1
            n = counter[0]
            what = decide(method, target)
        log("%d %s %s -> %s" % (n, method, target, what))
        if what == "ok" and args.glacier >= 0 and glacier(method, target, body, lines, conn, n):
            return
        if what == "503":
            conn.sendall(xml_error(503, "Slow Down", "SlowDown"))
            conn.close()
        elif what == "500":
            conn.sendall(xml_error(500, "Internal Server Error", "InternalError"))
            conn.close()
        elif what == "fixed":
            parts = args.fixed.split(":")
            conn.sendall(xml_error(int(parts[0]), "Error", parts[1],
                                   parts[2] if len(parts) > 2 else ""))
            conn.close()
        elif what == "fail-get":
            code = "SlowDown" if args.fail_status == 503 else "InternalError"
            conn.sendall(xml_error(args.fail_status, "Error", code))
            conn.close()
        elif what == "reset":
            rst_close(conn)
        elif what == "stall":
            time.sleep(args.stall)
            conn.close()
        elif what == "complete-error":
            body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\n   \n<Error><Code>%s</Code>"
                    "<Message></Message><RequestId>faultproxy</RequestId></Error>"
                    % args.complete_error).encode()
            conn.sendall(("HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n"
                          "Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)).encode()
                         + body)
            conn.close()
        else:
            if args.delay:
                time.sleep(args.delay)
            resp = forward(lines, body)
            if what == "ok" and rewrite(method, target, resp, conn, n):
                return
            if what == "midreset":
                head_end = resp.find(b"\r\n\r\n") + 4
                cut = head_end + max(1, (len(resp) - head_end) // 2)
                if len(resp) - head_end > 1:
                    conn.sendall(resp[:cut])
                rst_close(conn)
            else:
                conn.sendall(resp)
                conn.close()
    except OSError as e:
        log("error %s" % e)
        try:
            conn.close()
        except OSError:
            pass


def main():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(128)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(srv.getsockname()[1]))
    import os
    os.rename(args.port_file + ".tmp", args.port_file)
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    deadline = time.time() + args.max_seconds
    srv.settimeout(1.0)
    while time.time() < deadline:
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            continue
        threading.Thread(target=handle, args=(conn,), daemon=True).start()
    log("max-seconds reached, exiting")


if __name__ == "__main__":
    main()
