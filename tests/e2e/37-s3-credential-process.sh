#!/bin/bash
# 37-s3-credential-process: the store's credentials come from a profile's
# credential_process that issues keys valid 20 s (no static keys anywhere:
# the environment's are removed), refreshed 5 s before they expire
# (COLDPACK_CREDS_REFRESH_MARGIN=5, the test's scale for the 15-minute
# default). The process alternates between two access keys of the RGW user
# (the second made with `radosgw-admin key create`), and a `coldpack run`
# slowed by [run] bandwidth outlives several of them: the run succeeds, the
# process ran more than twice, and each refresh was logged. A profile whose
# process exits non-zero stops the run with a message naming the profile,
# the program, its status and its stderr; no secret appears in any output.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/rgw.sh"
RGW_NO_TRAP=1
on_exit e2e_cleanup
rgw_start
rgw_aws s3api create-bucket --bucket e2e37 >/dev/null
KEY2=TESTACCESSKEY0000002
SECRET2=testsecretkey0000000000000000000000000002
radosgw-admin -c "$RGW_DATA/cluster/ceph.conf" key create --uid=coldpack-test --key-type=s3 \
    --access-key="$KEY2" --secret-key="$SECRET2" >"$T/key2.json" 2>&1 || { cat "$T/key2.json"; die "radosgw-admin key create"; }

# the process: key 1 on odd calls, key 2 on even ones, each valid 20 s
cat >"$T/issue.sh" <<SH
#!/bin/sh
echo x >>"$T/calls"
n=\$(wc -l <"$T/calls")
if [ \$((n % 2)) = 1 ]; then ak=$AWS_ACCESS_KEY_ID; sk=$AWS_SECRET_ACCESS_KEY; else ak=$KEY2; sk=$SECRET2; fi
exp=\$(date -u -d '+20 seconds' +%Y-%m-%dT%H:%M:%SZ)
printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s", "Expiration": "%s"}\n' "\$ak" "\$sk" "\$exp"
SH
cat >"$T/broken.sh" <<'SH'
#!/bin/sh
echo "the SSO session has expired: run aws sso login" >&2
exit 4
SH
chmod 700 "$T/issue.sh" "$T/broken.sh"
cat >"$T/aws-config" <<EOC
[profile cp37]
region = us-east-1
credential_process = $T/issue.sh
[profile broken]
credential_process = $T/broken.sh --profile x
EOC
chmod 600 "$T/aws-config"

# about 40 s of reading at 100 KiB/s, volumes uploaded all along
gen_data "$T/data" 1 2 4MiB
VOLUME_SIZE=512KiB write_config "$T/c.conf" "$T/data" "unused" "[run]" "bandwidth = 100KiB/s"
python3 - "$T/c.conf" "$RGW_ENDPOINT" <<'PY'
import sys, re
path, ep = sys.argv[1:]
text = open(path).read()
s3 = ("[store]\nurl = s3://e2e37/cp\nregion = us-east-1\nendpoint = %s\npath_style = true\n"
      "storage_class = STANDARD\ncredentials_profile = cp37\n" % ep)
open(path, "w").write(re.sub(r"\[store\]\nurl = [^\n]*\n", s3, text))
PY
SECRET1=$AWS_SECRET_ACCESS_KEY
cp_env() {
    env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
        AWS_CONFIG_FILE="$T/aws-config" AWS_SHARED_CREDENTIALS_FILE="$T/none" \
        AWS_EC2_METADATA_DISABLED=true COLDPACK_CREDS_REFRESH_MARGIN=5 "$@"
}
start=$(date +%s)
cp_env "$COLDPACK" -c "$T/c.conf" run --date "$DATE" >"$T/run.out" 2>&1 || { tail -30 "$T/run.out"; die "run"; }
secs=$(( $(date +%s) - start ))
tail -3 "$T/run.out"
calls=$(wc -l <"$T/calls")
echo "run took ${secs}s; credential_process ran $calls times"
grep -q "unit(s) done" "$T/run.out" || die "run did no unit"
[ "$secs" -gt 20 ] || die "run too short (${secs}s) to outlive a 20 s credential"
[ "$calls" -gt 2 ] || die "credential_process ran $calls time(s); expected refreshes"
refreshes=$(grep -c "refreshing from credential_process \[cp37\]" "$T/run.out" || true)
[ "$refreshes" -ge 2 ] || die "refreshes not logged ($refreshes)"
n=$(rgw_aws s3api list-objects-v2 --bucket e2e37 --prefix cp/ --query 'length(Contents)' --output text)
[ "$n" -gt 2 ] || die "only $n objects written"
cp_env "$COLDPACK" -c "$T/c.conf" verify >"$T/verify.out" 2>&1 || { cat "$T/verify.out"; die verify; }

# a process that fails: a clear error naming profile, program, status, stderr
sed -i 's/credentials_profile = cp37/credentials_profile = broken/' "$T/c.conf"
cp_env "$COLDPACK" -c "$T/c.conf" run --date "$DATE" >"$T/broken.out" 2>&1 && die "run with a failing credential_process succeeded"
cat "$T/broken.out" | grep credential_process
grep -q 'profile "broken": credential_process .*broken.sh exited with status 4; stderr: the SSO session has expired' "$T/broken.out" \
    || { cat "$T/broken.out"; die "failing process not named"; }

for s in "$SECRET1" "$SECRET2"; do
    if grep -rqa "$s" "$T"/*.out "$T/catalog.db"; then die "secret key leaked"; fi
done
echo "credential_process ok"
