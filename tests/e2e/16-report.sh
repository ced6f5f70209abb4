#!/usr/bin/env bash
# `coldpack report --html`: after runs on two nights (with a tenant
# directory named <img src=x onerror=alert(1)>), plus a tenant named
# <script>alert(1)</script> and one whose name is not UTF-8 planted in the
# catalog as a hostile catalog would hold them ('/' cannot be in a directory
# name, and `run` fails a non-UTF-8 tenant today), the report is one self-contained file, mode 0600,
# every hostile name escaped; Debian's chromium renders it headless without
# console errors into a screenshot that is not blank. Skips (77) only when
# chromium cannot be installed.
. "$(dirname "$0")/lib/common.sh"
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null 2>&1 ||
    { echo "chromium cannot be installed"; exit 77; }
fi
DATE1=$(date -d "$DATE -1 day" +%F)
"$LOGGEN" --out "$T/data" --date "$DATE1" --sources 2 --tenants 3 --size 3MiB --seed 3 >/dev/null
"$LOGGEN" --out "$T/data" --date "$DATE" --sources 2 --tenants 3 --size 4MiB --seed 4 >/dev/null
src1=$(ls "$T/data" | head -1)
for d in "$DATE1" "$DATE"; do
  mkdir -p "$T/data/$src1/$d/<img src=x onerror=alert(1)>"
  head -c 200000 /dev/urandom | base64 >"$T/data/$src1/$d/<img src=x onerror=alert(1)>/x.log"
done
write_config "$T/c.conf" "$T/data" "$T/store"
CP=("$COLDPACK" -c "$T/c.conf")
"${CP[@]}" init >/dev/null
"${CP[@]}" -q run --date "$DATE1"
"${CP[@]}" -q run --date "$DATE"
# a hostile catalog: tenants <script>alert(1)</script> and bad\xff\xfename, a volume each
sqlite3 "$T/catalog.db" "INSERT INTO units VALUES ('$DATE','$src1','<script>alert(1)</script>','complete',1,1,5000,'x');
  INSERT INTO objects VALUES ('hostile-key','data','$DATE','$src1','<script>alert(1)</script>',1,1000,'00','DEEP_ARCHIVE','x');
  INSERT INTO units VALUES ('$DATE','$src1',CAST(X'626164FFFE6E616D65' AS TEXT),'complete',1,1,7000,'x');
  INSERT INTO objects VALUES ('hostile-key2','data','$DATE','$src1',CAST(X'626164FFFE6E616D65' AS TEXT),1,900,'00','DEEP_ARCHIVE','x');"

umask 022
"${CP[@]}" report --html "$T/report.html" --days 14 --until "$DATE"
[ "$(stat -c %a "$T/report.html")" = 600 ] || die "report mode $(stat -c %a "$T/report.html"), expected 600"
ls "$T"/report.html.* >/dev/null 2>&1 && die "temp file left behind"
H="$T/report.html"
grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$H" || die "the <script> tenant is not escaped"
grep -q '&lt;img src=x onerror=alert(1)&gt;' "$H" || die "the <img> tenant is not escaped"
grep -q 'bad\\xFF\\xFEname' "$H" || die "the non-UTF-8 tenant is not shown as \\xNN"
grep -qi '<script' "$H" && die "a <script> element in the report"
grep -q 'alert(1)>' "$H" && die "an unescaped > after a hostile name"
grep -Eqi '(src|href)="?(https?:)?//' "$H" && die "an external asset"
iconv -f UTF-8 -t UTF-8 "$H" >/dev/null || die "the report is not valid UTF-8"
for s in "Nightly bytes" "Storage growth" "Tenants" "Sources" "Failures and warnings" \
  "Missing nights" "Cost projection" "$DATE1"; do
  grep -q "$s" "$H" || die "report lacks \"$s\""
done
# 14 nights up to DATE, first backup DATE1: no night is missing; the window before is not counted
grep -q "no night without a run since the first backup" "$H" || die "missing nights miscounted"
# a night with no run after the first backup is reported missing
"${CP[@]}" report --html "$T/r2.html" --days 5 --until "$(date -d "$DATE +2 day" +%F)"
grep -q "no run recorded for: $(date -d "$DATE +1 day" +%F), $(date -d "$DATE +2 day" +%F)" "$T/r2.html" || die "missing nights not listed"

CHROME=(chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --user-data-dir="$(mktemp -d "$T/chr.XXXXXX")")
timeout 120 "${CHROME[@]}" --enable-logging=stderr --v=0 --screenshot="$T/shot.png" \
  --window-size=1200,1600 "file://$H" >"$T/chrome.out" 2>"$T/chrome.log" || die "chromium failed: $(tail -5 "$T/chrome.log")"
timeout 120 "${CHROME[@]}" --enable-logging=stderr --v=0 --dump-dom "file://$H" >"$T/dom.html" 2>"$T/dom.log" || die "chromium --dump-dom failed"
grep -E "Uncaught|ERROR:CONSOLE|CONSOLE\(" "$T/chrome.log" "$T/dom.log" && die "console errors while rendering"
grep -q "Cost projection" "$T/dom.html" || die "the DOM lacks the report"
grep -qi "<script" "$T/dom.html" && die "a script element in the rendered DOM"
[ -s "$T/shot.png" ] || die "no screenshot"
python3 - "$T/shot.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        assert depth == 8 and ctype in (2, 6), (depth, ctype)
        bpp = 3 if ctype == 2 else 4
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw, stride = zlib.decompress(idat), w * bpp
prev, colours, nonwhite = bytearray(stride), set(), 0
for y in range(h):                       # undo the PNG row filters
    f, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = row[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: row[i] = (row[i] + a) & 255
        elif f == 2: row[i] = (row[i] + b) & 255
        elif f == 3: row[i] = (row[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp * 3):  # sample every third pixel
        px = bytes(row[x:x + 3]); colours.add(px)
        nonwhite += px != b"\xff\xff\xff"
    prev = row
print(f"screenshot {w}x{h}: {len(colours)} distinct colours, {nonwhite} non-white samples")
assert len(colours) > 50, f"only {len(colours)} colours: blank?"
assert nonwhite > 20000, f"only {nonwhite} non-white samples: blank?"
PY
[ -n "${SHOT_DIR:-}" ] && cp "$T/shot.png" "$H" "$SHOT_DIR/"
echo "report ok"
