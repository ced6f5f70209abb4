#!/bin/bash
# 38-s3-credential-endpoints: the network credential sources, each in front
# of RGW's keys through a python3 fake on loopback (no static keys in the
# environment or the profile files):
#   - container endpoint: AWS_CONTAINER_CREDENTIALS_FULL_URI with
#     AWS_CONTAINER_AUTHORIZATION_TOKEN (a wrong token: the run fails, naming
#     the endpoint and the 401);
#   - EC2 IMDSv2 at AWS_EC2_METADATA_SERVICE_ENDPOINT: PUT token, then GET the
#     role and its credentials with it (the fake refuses requests without);
#   - web identity: AssumeRoleWithWebIdentity at AWS_ENDPOINT_URL_STS, the
#     fake checking the token file's content, role ARN and session name (a
#     wrong token: the run fails, naming STS's InvalidIdentityToken).
# A `coldpack run` succeeds through each. Before RGW starts: a plain http://
# store endpoint that is not loopback is refused with a message naming it.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/rgw.sh"
RGW_NO_TRAP=1
on_exit e2e_cleanup
E2E_TMP=$T

gen_data "$T/data" 1 1 1MiB
# $1 config file, $2 endpoint, $3 prefix
s3_config() {
    write_config "$1" "$T/data" "unused"
    python3 - "$1" "$2" "$3" "$T" <<'PY'
import sys, re
path, ep, pfx, t = sys.argv[1:]
text = open(path).read()
s3 = ("[store]\nurl = s3://e2e38/%s\nregion = us-east-1\nendpoint = %s\npath_style = true\n"
      "storage_class = STANDARD\n" % (pfx, ep))
text = re.sub(r"\[store\]\nurl = [^\n]*\n", s3, text)
open(path, "w").write(text.replace("%s/catalog.db" % t, "%s/catalog-%s.db" % (t, pfx)))
PY
}

# 1. plain http to a remote host is refused, naming the endpoint
s3_config "$T/remote.conf" http://192.0.2.10:7480 remote
AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y "$COLDPACK" -c "$T/remote.conf" init >"$T/remote.out" 2>&1 \
    && die "a plain http:// remote endpoint was accepted"
grep -q "endpoint http://192.0.2.10:7480: plain http:// is refused" "$T/remote.out" \
    || { cat "$T/remote.out"; die "http refusal not named"; }

rgw_start
rgw_aws s3api create-bucket --bucket e2e38 >/dev/null
AK=$AWS_ACCESS_KEY_ID SK=$AWS_SECRET_ACCESS_KEY

cat >"$T/fake.py" <<'PY'
# Fake container endpoint, IMDSv2 and STS on loopback, handing out RGW's keys.
import datetime, json, os, sys, threading, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
port_file, log, ak, sk, ecs_token, wi_file, role_arn = sys.argv[1:]
IMDS_TOKEN = "imds-session-token-0001"
lock = threading.Lock()

def expiry():
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")

class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def note(self, code, what=""):
        with lock, open(log, "a") as f:
            f.write("%s %s %d %s\n" % (self.command, self.path, code, what))
    def answer(self, code, body, ctype="application/json", what=""):
        b = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
        self.note(code, what)
    def creds(self, **extra):
        d = dict(extra, AccessKeyId=ak, SecretAccessKey=sk, Expiration=expiry())
        return json.dumps(d)
    def do_PUT(self):
        if self.path == "/latest/api/token":
            if not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                return self.answer(400, "missing ttl", "text/plain")
            return self.answer(200, IMDS_TOKEN, "text/plain")
        self.answer(404, "no", "text/plain")
    def do_GET(self):
        if self.path == "/ecs/creds":
            if self.headers.get("Authorization") != ecs_token:
                return self.answer(401, "{}", what="bad authorization")
            return self.answer(200, self.creds(RoleArn="arn:aws:iam::1:role/x"))
        if self.path.startswith("/latest/meta-data/iam/security-credentials/"):
            if self.headers.get("X-aws-ec2-metadata-token") != IMDS_TOKEN:
                return self.answer(401, "", "text/plain", "no IMDSv2 token")
            role = self.path.rsplit("/", 1)[1]
            if role == "":
                return self.answer(200, "coldpack-role", "text/plain")
            if role == "coldpack-role":
                return self.answer(200, self.creds(Code="Success", Type="AWS-HMAC"))
        self.answer(404, "", "text/plain")
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(n).decode())
        get = lambda k: form.get(k, [""])[0]
        want = open(wi_file).read().strip() if os.path.exists(wi_file + ".good") else None
        ok = (get("Action") == "AssumeRoleWithWebIdentity" and get("RoleArn") == role_arn
              and want is not None and get("WebIdentityToken") == open(wi_file + ".good").read().strip())
        if not ok:
            return self.answer(400, '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                               "<Error><Type>Sender</Type><Code>InvalidIdentityToken</Code>"
                               "<Message>token rejected</Message></Error></ErrorResponse>",
                               "text/xml", "rejected")
        x = ('<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
             "<AssumeRoleWithWebIdentityResult><Credentials>"
             "<AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey>"
             "<Expiration>%s</Expiration></Credentials></AssumeRoleWithWebIdentityResult>"
             "</AssumeRoleWithWebIdentityResponse>" % (ak, sk, expiry()))
        self.answer(200, x, "text/xml", "session=" + get("RoleSessionName"))

srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
open(port_file + ".tmp", "w").write(str(srv.server_address[1]))
os.rename(port_file + ".tmp", port_file)
srv.timeout = 1
import time
end = time.time() + 900
while time.time() < end:
    srv.handle_request()
PY
WI=$T/wi-token
echo "eyJhbGciOiJSUzI1NiJ9.e2e38-service-account.sig" >"$WI.good"
cp "$WI.good" "$WI"
python3 "$T/fake.py" "$T/fake.port" "$T/fake.log" "$AK" "$SK" "ecs-auth-token-0001" "$WI" \
    "arn:aws:iam::123456789012:role/coldpack" &
PROXY_PIDS="$PROXY_PIDS $!"
for i in $(seq 50); do [ -s "$T/fake.port" ] && break; sleep 0.1; done
[ -s "$T/fake.port" ] || die "fake credential server did not start"
FAKE=http://127.0.0.1:$(cat "$T/fake.port")

bare() { # no static keys anywhere, no instance metadata unless asked
    env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE -u AWS_EC2_METADATA_DISABLED \
        AWS_CONFIG_FILE="$T/none" AWS_SHARED_CREDENTIALS_FILE="$T/none" "$@"
}
run_ok() { # name, env assignments...
    local name=$1; shift
    s3_config "$T/$name.conf" "$RGW_ENDPOINT" "$name"
    bare env "$@" "$COLDPACK" -c "$T/$name.conf" run --date "$DATE" >"$T/$name.out" 2>&1 \
        || { tail -20 "$T/$name.out"; die "run through $name"; }
    grep -q "[1-9] unit(s) done, 0 already complete, 0 failed" "$T/$name.out" || { tail "$T/$name.out"; die "$name: no unit done"; }
    n=$(rgw_aws s3api list-objects-v2 --bucket e2e38 --prefix "$name/" --query 'length(Contents)' --output text)
    [ "$n" -gt 1 ] || die "$name: nothing written"
}

# 2. container endpoint
run_ok ecs AWS_EC2_METADATA_DISABLED=true AWS_CONTAINER_CREDENTIALS_FULL_URI="$FAKE/ecs/creds" \
    AWS_CONTAINER_AUTHORIZATION_TOKEN=ecs-auth-token-0001
grep -q "^GET /ecs/creds 200" "$T/fake.log" || die "container endpoint not asked"
bare env AWS_EC2_METADATA_DISABLED=true AWS_CONTAINER_CREDENTIALS_FULL_URI="$FAKE/ecs/creds" \
    AWS_CONTAINER_AUTHORIZATION_TOKEN=wrong "$COLDPACK" -c "$T/ecs.conf" run --date "$DATE" \
    >"$T/ecs-bad.out" 2>&1 && die "a wrong container authorization token was accepted"
grep -q "container endpoint $FAKE/ecs/creds answered HTTP 401 (authorization token" "$T/ecs-bad.out" \
    || { cat "$T/ecs-bad.out"; die "container 401 not named"; }

# 3. IMDSv2
run_ok imds AWS_EC2_METADATA_SERVICE_ENDPOINT="$FAKE"
grep -q "^PUT /latest/api/token 200" "$T/fake.log" || die "IMDSv2 token not requested"
grep -q "^GET /latest/meta-data/iam/security-credentials/coldpack-role 200" "$T/fake.log" \
    || die "IMDS role credentials not fetched"
grep -q "no IMDSv2 token" "$T/fake.log" && die "an IMDS request went without the session token"

# 4. web identity
WIENV=(AWS_EC2_METADATA_DISABLED=true AWS_WEB_IDENTITY_TOKEN_FILE="$WI"
       AWS_ROLE_ARN=arn:aws:iam::123456789012:role/coldpack AWS_ROLE_SESSION_NAME=nightly-e2e38
       AWS_ENDPOINT_URL_STS="$FAKE/")
run_ok sts "${WIENV[@]}"
grep -q "^POST / 200 session=nightly-e2e38" "$T/fake.log" || { cat "$T/fake.log"; die "STS not asked"; }
echo "a-stale-token" >"$WI"
bare env "${WIENV[@]}" "$COLDPACK" -c "$T/sts.conf" run --date "$DATE" >"$T/sts-bad.out" 2>&1 \
    && die "a wrong web identity token was accepted"
grep -q "web identity: STS $FAKE/ answered HTTP 400 for role arn:aws:iam::123456789012:role/coldpack: STS error InvalidIdentityToken" \
    "$T/sts-bad.out" || { cat "$T/sts-bad.out"; die "STS rejection not named"; }

if grep -rqa -e "$SK" -e ecs-auth-token-0001 -e e2e38-service-account "$T"/*.out "$T"/catalog-*.db; then
    die "a secret leaked"
fi
echo "credential endpoints ok"
