#!/usr/bin/env bash
# Malformed configs: each is refused with exit 2 and "file:line: what was
# wrong, what was expected"; nothing is created.
. "$(dirname "$0")/lib/common.sh"
good() {
  cat <<EOC
[store]
url = file://$T/store
[catalog]
path = $T/catalog.db
[source "siem-01"]
path = $T/data/{date}
tenant = dir:1
EOC
}
# check NAME LINE PATTERN — the config in $T/$NAME.conf must fail at LINE with PATTERN
check() {
  local f="$T/$1.conf" line=$2 pat=$3
  set +e; out=$("$COLDPACK" -c "$f" run --date "$DATE" 2>&1); rc=$?; set -e
  [ $rc -eq 2 ] || die "$1: expected exit 2, got $rc: $out"
  if [ "$line" = "-" ]; then want="$f: "; else want="$f:$line: "; fi
  echo "$out" | grep -qF "$want" || die "$1: message does not name $want: $out"
  echo "$out" | grep -qE "$pat" || die "$1: message lacks /$pat/: $out"
  echo "ok $1: $out"
}
good >"$T/ok.conf"; mkdir -p "$T/data/$DATE/acme"; echo x >"$T/data/$DATE/acme/a.log"
# a fresh config: no catalog yet, so check warns about it (exit 3) and passes the rest
expect_rc 3 "$COLDPACK" -c "$T/ok.conf" check --date "$DATE"
rm -rf "$T/store" # check proved the store writable with a probe; later cases need it absent

{ good; echo "compresion = gzip"; } >"$T/unknown-key.conf";            check unknown-key 8 'unknown key "compresion".*expected path, tenant'
{ good; echo "[pack]"; echo "volume_size = 4 gigs"; } >"$T/bad-size.conf"; check bad-size 9 'volume_size = "4 gigs": expected a size such as 4GiB'
good | sed 's|/{date}|/today|' >"$T/no-date.conf";                       check no-date 6 'containing \{date\}'
{ good; echo '[source "siem-01"]'; echo "path = /x/{date}"; } >"$T/dup-source.conf"; check dup-source 8 'duplicate source "siem-01" \(first defined at line 5\)'
{ good; echo "path = /y/{date}"; } >"$T/dup-key.conf";                   check dup-key 8 'key "path" given twice'
good | sed 's|dir:1|directory|' >"$T/bad-tenant.conf";                   check bad-tenant 7 'expected dir:N .* or fixed:NAME'
{ good; echo "[bogus]"; } >"$T/bad-section.conf";                        check bad-section 8 'unknown section \[bogus\]'
good | sed '1,2d' >"$T/no-url.conf";                                     check no-url - '\[store\] url is required'
good | sed '5,7d' >"$T/no-source.conf";                                  check no-source - 'no \[source "NAME"\] section'
{ good; echo "[pack]"; echo "level = 13"; } >"$T/bad-level.conf";        check bad-level - 'level 13 is out of range for gzip'
{ good; echo "[store"; } >"$T/syntax.conf";                              check syntax 8 'syntax error'
{ good; echo "novalue"; } >"$T/syntax2.conf";                            check syntax2 8 'syntax error'
good | sed 's|^url = .*|url = ftp://x|' >"$T/bad-url.conf";              check bad-url 2 'expected file:///absolute/dir or s3://bucket/prefix'
good | sed 's|^url = .*|&\nstorage_class = COLD|' >"$T/bad-class.conf"; check bad-class 3 'storage_class = "COLD": expected STANDARD'
{ good; echo "[store]"; echo "storage_class = STANDARD"; } >"$T/dup-section.conf"; check dup-section 8 'duplicate section \[store\] \(first at line 1\)'
good | sed 's|^url = .*|&\n    storage_class = STANDARD\n  thaw_delay = forever|' >"$T/indented.conf"; check indented 4 'thaw_delay = "forever"'
{ good; echo "[run]"; echo "deadline = 25:00"; } >"$T/bad-deadline.conf"; check bad-deadline 9 'expected a local time HH:MM'
{ good; echo "[source \"bad/name\"]"; } >"$T/bad-name.conf";              check bad-name 8 'source name "bad/name"'
# fleets: [defaults], hosts = brace expansion, {tenant} paths, ssh_options
fleet() { good | sed '5,7d'; echo '[source "{host}"]'; echo "hosts = $1"; echo "path = /x/{date}"; }
fleet 'siem-{01..24'           >"$T/brace-open.conf";   check brace-open 6 'source.hosts = "siem-\{01..24": .*without'
fleet 'siem-{a,{b,c}}'         >"$T/brace-nested.conf"; check brace-nested 6 'nested braces are not supported'
fleet 'siem-{24..01}'          >"$T/brace-down.conf";   check brace-down 6 '\{24..01\} counts down: write \{01..24\}'
fleet 'h{1..100}.{1..101}'     >"$T/brace-huge.conf";   check brace-huge 6 'expands to more than 10000 names'
fleet 'h{1,1}'                 >"$T/brace-dup.conf";    check brace-dup 6 '"h1" is listed twice'
{ good | sed '5,7d'; echo '[source "web"]'; echo "hosts = a b"; echo "path = /x/{date}"; } >"$T/no-host-var.conf"
check no-host-var 6 'hosts = gives 2 hosts but the source name "web" has no \{host\}'
{ good; echo '[source "{host}"]'; echo "hosts = siem-01 x"; echo "path = /x/{date}"; } >"$T/dup-expanded.conf"
check dup-expanded 8 'duplicate source "siem-01" \(first defined at line 5\)'
{ good; echo "[defaults]"; echo "hosts = a b"; } >"$T/hosts-defaults.conf"; check hosts-defaults 9 'hosts = belongs in a \[source'
{ good; echo "[defaults]"; echo "colour = blue"; } >"$T/defaults-key.conf"; check defaults-key 9 'unknown key "colour" in \[defaults\]'
{ good; echo "[defaults]"; echo "port = 0"; } >"$T/defaults-port.conf"; check defaults-port 9 'defaults.port = "0": expected a port'
{ good; echo "[defaults]"; echo "[defaults]"; } >"$T/defaults-dup.conf"; check defaults-dup 9 'duplicate section \[defaults\] \(first at line 8\)'
good | sed 's|/{date}|/{tenant}/{date}|' >"$T/tenant-rule.conf"; check tenant-rule 7 'tenant = is not used when path has a \{tenant\} directory'
good | sed 's|/{date}|/t{tenant}/{date}|; /tenant = /d' >"$T/tenant-part.conf"; check tenant-part 6 'expected \{tenant\} as one whole directory'
{ good | sed 's|/{date}|/{tenant}/{date}|; /tenant = /d'; echo "host = h"; } >"$T/tenant-remote.conf"; check tenant-remote 5 'works for local sources only'
{ good; echo "host = h"; echo "ssh_options = BatchMode=no"; } >"$T/ssh-opt.conf"; check ssh-opt 9 'source.ssh_options = "BatchMode=no": BatchMode is set by coldpack'
{ good; echo "host = h"; echo "ssh_options = -oProxyCommand=x"; } >"$T/ssh-opt2.conf"; check ssh-opt2 9 'is not Name=value'
# missing file
set +e; out=$("$COLDPACK" -c "$T/missing.conf" run 2>&1); rc=$?; set -e
[ $rc -eq 2 ] && echo "$out" | grep -q "cannot read config $T/missing.conf: No such file" || die "missing config: $rc $out"
# COLDPACK_CONFIG is honoured
set +e; out=$(COLDPACK_CONFIG="$T/bad-size.conf" "$COLDPACK" run --date "$DATE" 2>&1); set -e
echo "$out" | grep -qF "$T/bad-size.conf:9:" || die "COLDPACK_CONFIG not used: $out"
[ ! -e "$T/store" ] && [ ! -e "$T/catalog.db" ] || die "a refused config created files"
# bad command-line input
expect_rc 2 "$COLDPACK" -c "$T/ok.conf" run --date 2026-02-30
expect_rc 2 "$COLDPACK" -c "$T/ok.conf" frobnicate
expect_rc 2 "$COLDPACK" -c "$T/ok.conf" restore --tenant acme --from 2026-11-05 --until 2026-11-01 --to "$T/r"
echo "config errors ok"
