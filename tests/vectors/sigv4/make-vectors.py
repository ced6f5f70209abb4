#!/usr/bin/env python3
"""make-vectors.py -- regenerate coldpack's own SigV4 test vectors with botocore.

botocore is the library the aws cli signs with. Each case below is a real
botocore S3 client call (or presigned URL) made with fixed credentials at a
fixed time; the request is caught just before it would be sent (nothing goes
over the network) and saved in a directory of its own:

  NN-name/request.json           what coldpack's signer is given: kind
                                 ("header" = sigv4_sign, "presign" =
                                 sigv4_presign), credentials, region, service,
                                 amz_date, method, the raw (unencoded) path,
                                 the query as botocore put it on the wire
                                 (without X-Amz-* for presign), exactly the
                                 headers botocore signed (in botocore's order,
                                 host included), the payload hash, and for
                                 presign the expiry and session token
  NN-name/canonical-request.txt  botocore's canonical request
  NN-name/string-to-sign.txt     botocore's string to sign
  NN-name/authorization.txt      header kind: the Authorization header value
  NN-name/query.txt              presign kind: the presigned URL's query

Text files have no trailing newline. tests/unit/test_sigv4.c replays them.

Run from anywhere with a python3 that can `import botocore` (Debian:
python3-botocore, installed by `make deps`):

  python3 tests/vectors/sigv4/make-vectors.py

It rewrites the NN-* directories next to this script and GENERATED.txt (the
botocore and python versions used). Output depends on the botocore version
only where botocore changes which headers it adds (e.g. checksums); coldpack
must reproduce whatever set was saved.
"""
import datetime
import hashlib
import json
import os
import shutil
import sys
from urllib.parse import unquote, urlsplit

import botocore
import botocore.auth
import botocore.session
from botocore.config import Config

HERE = os.path.dirname(os.path.abspath(__file__))

# Fixed inputs: nothing here is a real credential.
ACCESS_KEY = "AKIDCOLDPACKTEST0001"
SECRET_KEY = "coldpack/Vectors+Secret/0000000000000000001"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEC0aCXVzLWVhc3QtMSJHMEUCIQD/coldpack+test=token"
FIXED = datetime.datetime(2026, 11, 24, 3, 15, 9, tzinfo=datetime.timezone.utc)
AMZ_DATE = FIXED.strftime("%Y%m%dT%H%M%SZ")


# --- freeze botocore's clock --------------------------------------------------
class _FrozenDatetime(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return FIXED.replace(tzinfo=None)

    @classmethod
    def now(cls, tz=None):
        return FIXED if tz else FIXED.replace(tzinfo=None)


if hasattr(botocore.auth, "get_current_datetime"):  # botocore >= 1.33
    botocore.auth.get_current_datetime = lambda *a, **k: FIXED.replace(tzinfo=None)
botocore.auth.datetime.datetime = _FrozenDatetime  # older botocore: datetime.datetime.utcnow()

# --- use botocore's own Python signers --------------------------------------
# With awscrt installed (Debian's awscli pulls it in) botocore signs with the
# CRT's C signer, which does not expose the canonical request: map the S3
# signature versions back to botocore's Python classes.
for _name, _cls in (("s3v4", botocore.auth.S3SigV4Auth),
                    ("s3v4-query", botocore.auth.S3SigV4QueryAuth),
                    ("s3-query", botocore.auth.S3SigV4QueryAuth)):
    if _name in botocore.auth.AUTH_TYPE_MAPS:
        botocore.auth.AUTH_TYPE_MAPS[_name] = _cls

# --- catch what botocore derives -------------------------------------------
_seen = {}
_orig_cr = botocore.auth.SigV4Auth.canonical_request
_orig_sts = botocore.auth.SigV4Auth.string_to_sign


def _cr(self, request):
    out = _orig_cr(self, request)
    _seen["canonical_request"] = out
    return out


def _sts(self, request, canonical_request):
    out = _orig_sts(self, request, canonical_request)
    _seen["string_to_sign"] = out
    return out


botocore.auth.SigV4Auth.canonical_request = _cr
botocore.auth.SigV4Auth.string_to_sign = _sts


class _Caught(Exception):
    pass


def _catch(request, **kwargs):
    _seen["request"] = request
    raise _Caught()


def client(endpoint, region="us-east-1", token=None, addressing="path", sign_payload=None):
    s3cfg = {"addressing_style": addressing}
    if sign_payload is not None:
        s3cfg["payload_signing_enabled"] = sign_payload
    kw = dict(signature_version="s3v4", s3=s3cfg, retries={"total_max_attempts": 1})
    try:  # botocore >= 1.36 adds CRC32 checksums unless told "when_required"
        cfg = Config(request_checksum_calculation="when_required", **kw)
    except TypeError:
        cfg = Config(**kw)
    sess = botocore.session.get_session()
    c = sess.create_client("s3", region_name=region, endpoint_url=endpoint,
                           aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                           aws_session_token=token, config=cfg)
    c.meta.events.register("before-send.s3", _catch)
    return c


def base(kind, c, method, url, token):
    parts = urlsplit(url)
    return {
        "kind": kind,
        "access_key": ACCESS_KEY,
        "secret_key": SECRET_KEY,
        "region": c.meta.region_name,
        "service": "s3",
        "amz_date": AMZ_DATE,
        "method": method,
        # coldpack's signer takes the raw path and encodes it itself
        "path": unquote(parts.path) or "/",
        "host": parts.netloc,
        "session_token": token,
    }


def header_case(c, op, token=None, **params):
    _seen.clear()
    try:
        getattr(c, op)(**params)
    except _Caught:
        pass
    r = _seen["request"]
    authz = r.headers["Authorization"]
    authz = authz.decode() if isinstance(authz, bytes) else authz
    signed = authz.split("SignedHeaders=")[1].split(",")[0].split(";")
    parts = urlsplit(r.url)
    req = base("header", c, r.method, r.url, token)
    req["query"] = parts.query
    headers = []
    for k, v in r.headers.items():
        if k.lower() in signed:
            headers.append([k, v.decode() if isinstance(v, bytes) else v])
    if "host" in signed and not any(h[0].lower() == "host" for h in headers):
        headers.insert(0, ["Host", parts.netloc])
    req["headers"] = headers
    req["payload_hash"] = dict((h[0].lower(), h[1]) for h in headers)["x-amz-content-sha256"]
    body = r.body or b""
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode()
    req["body_sha256"] = hashlib.sha256(body).hexdigest()
    return req, {"authorization.txt": authz}


def presign_case(c, op, expires, token=None, **params):
    _seen.clear()
    url = c.generate_presigned_url(op, Params=params, ExpiresIn=expires)
    parts = urlsplit(url)
    method = _seen["canonical_request"].split("\n", 1)[0]
    req = base("presign", c, method, url, token)
    # the operation's own parameters: everything before the X-Amz-* ones
    own = [p for p in parts.query.split("&") if p and not p.startswith("X-Amz-")]
    req["query"] = "&".join(own)
    req["headers"] = [["Host", parts.netloc]]
    req["payload_hash"] = "UNSIGNED-PAYLOAD"
    req["expires"] = expires
    return req, {"query.txt": parts.query}


RGW = "http://127.0.0.1:7480"
AWS = "https://s3.eu-central-1.amazonaws.com"


def cases():
    rgw = client(RGW)
    aws = client(AWS, region="eu-central-1")
    aws_vh = client(AWS, region="eu-central-1", addressing="virtual")
    unsigned = client(AWS, region="eu-central-1", sign_payload=False)
    tok = client(RGW, token=SESSION_TOKEN)
    body = b"coldpack vector body\n" * 3
    yield "list-v2-sorted-encoded", header_case(
        rgw, "list_objects_v2", Bucket="logs", Prefix="cp/tenant=a b/date=2026-11-23/",
        Delimiter="/", ContinuationToken="1x+/y==", StartAfter="cp/tenant=a b/ü~z", MaxKeys=1000)
    yield "list-v1-marker", header_case(
        aws, "list_objects", Bucket="coldpack-eu", Prefix="p", Marker="p/köln & co=1", EncodingType="url")
    yield "put-signed-payload", header_case(
        rgw, "put_object", Bucket="logs", Key="cp/tenant=acme/date=2026-11-23/source=siem-01/vol-0001.tar.gz",
        Body=body, StorageClass="DEEP_ARCHIVE", ContentType="application/gzip")
    yield "put-key-space-unicode-equals", header_case(
        rgw, "put_object", Bucket="logs", Key="cp/tenant=Ünïcode tenant/a=b=c/ file (1)~.json.gz",
        Body=b"", Metadata={"sha256": hashlib.sha256(b"").hexdigest(), "note": "  two   spaces  "})
    yield "put-unsigned-payload", header_case(
        unsigned, "put_object", Bucket="coldpack-eu", Key="cp/runs/2026-11-23/run 1.json",
        Body=body, StorageClass="STANDARD", ContentMD5="8Fa5Y7AnYaHbWqcE2cBKBw==")
    yield "put-virtual-host", header_case(
        aws_vh, "put_object", Bucket="coldpack-eu", Key="a/b//c/./d/../e", Body=body)
    yield "get-range", header_case(
        rgw, "get_object", Bucket="logs", Key="cp/tenant=acme/vol-0001.tar.gz", Range="bytes=1048576-2097151")
    yield "get-session-token", header_case(
        tok, "get_object", token=SESSION_TOKEN, Bucket="logs", Key="cp/tenant=acme/index.json.gz")
    yield "head-object", header_case(rgw, "head_object", Bucket="logs", Key="cp/x y+z.tar.gz")
    yield "delete-object", header_case(rgw, "delete_object", Bucket="logs", Key="cp/tmp/vol-0002.tar.gz")
    yield "create-multipart", header_case(
        rgw, "create_multipart_upload", Bucket="logs", Key="cp/big vol.tar.gz", StorageClass="GLACIER")
    yield "upload-part", header_case(
        rgw, "upload_part", Bucket="logs", Key="cp/big vol.tar.gz", PartNumber=12,
        UploadId="2~abc/DEF+ghi=", Body=body)
    yield "complete-multipart", header_case(
        rgw, "complete_multipart_upload", Bucket="logs", Key="cp/big vol.tar.gz", UploadId="2~abc/DEF+ghi=",
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"0123456789abcdef0123456789abcdef"'}]})
    yield "abort-multipart", header_case(
        rgw, "abort_multipart_upload", Bucket="logs", Key="cp/big vol.tar.gz", UploadId="2~abc/DEF+ghi=")
    yield "list-multipart-uploads", header_case(rgw, "list_multipart_uploads", Bucket="logs", Prefix="cp/")
    yield "restore-object", header_case(
        aws, "restore_object", Bucket="coldpack-eu", Key="cp/tenant=acme/vol-0001.tar.gz",
        RestoreRequest={"Days": 7, "GlacierJobParameters": {"Tier": "Bulk"}})
    yield "get-lifecycle", header_case(rgw, "get_bucket_lifecycle_configuration", Bucket="logs")
    yield "put-lifecycle", header_case(
        rgw, "put_bucket_lifecycle_configuration", Bucket="logs",
        LifecycleConfiguration={"Rules": [{
            "ID": "expire", "Status": "Enabled", "Filter": {"Prefix": "cp/"},
            "Expiration": {"Days": 365},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2}}]})
    yield "delete-objects", header_case(
        rgw, "delete_objects", Bucket="logs",
        Delete={"Objects": [{"Key": "cp/a"}, {"Key": "cp/b c"}], "Quiet": True})
    yield "list-buckets", header_case(rgw, "list_buckets")
    yield "presign-get", presign_case(
        aws, "get_object", 86400, Bucket="coldpack-eu", Key="cp/tenant=a b/vol-0001.tar.gz",
        ResponseContentDisposition='attachment; filename="vol 1.tar.gz"')
    yield "presign-put-token", presign_case(
        tok, "put_object", 900, token=SESSION_TOKEN, Bucket="logs", Key="cp/ü/=x")


def main():
    made = []
    for name, (req, extra) in cases():
        files = {"canonical-request.txt": _seen["canonical_request"],
                 "string-to-sign.txt": _seen["string_to_sign"]}
        files.update(extra)
        made.append((name, req, files))
    for d in os.listdir(HERE):
        if d[:2].isdigit() and os.path.isdir(os.path.join(HERE, d)):
            shutil.rmtree(os.path.join(HERE, d))
    for n, (name, req, files) in enumerate(made, 1):
        d = os.path.join(HERE, "%02d-%s" % (n, name))
        os.makedirs(d)
        with open(os.path.join(d, "request.json"), "w", encoding="utf-8") as f:
            json.dump(req, f, indent=2, ensure_ascii=False)
            f.write("\n")
        for fn, text in files.items():
            with open(os.path.join(d, fn), "w", encoding="utf-8", newline="") as f:
                f.write(text)
    with open(os.path.join(HERE, "GENERATED.txt"), "w") as f:
        f.write("botocore %s, python %s, %d cases, amz_date %s\n"
                % (botocore.__version__, sys.version.split()[0], len(made), AMZ_DATE))
    print("wrote %d cases under %s (botocore %s)" % (len(made), HERE, botocore.__version__))


if __name__ == "__main__":
    main()
