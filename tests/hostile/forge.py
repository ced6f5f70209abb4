#!/usr/bin/env python3
"""forge.py - write a complete, self-consistent coldpack file store entry for
one tenant-day from a case description (tests/hostile/cases.py).

Attacker model: write access to the whole store and no signing key (none
exists yet). The forger therefore writes everything coldpack would write and
recomputes every hash an honest run would have recorded:

  tenant=<t>/date=<d>/source=<s>/vol-0001.tar.gz         pax tar, one gzip member
                                                        per block_size of tar
  tenant=<t>/date=<d>/source=<s>/vol-0001.index.json.gz  the index pack.c writes
                                                        (same fields, same order),
                                                        block table, per-file
                                                        sha256 and tar offsets
  runs/<d>/<run-id>.json                                 a run manifest listing both
                                                        objects (size, SHA-256),
                                                        chained to the newest
                                                        manifest in the store
                                                        (prev_manifest, prev_sha256)
  .coldpack/meta/<key>.json                             the file store's sidecars

so `coldpack verify` finds an intact chain and `coldpack catalog rebuild`
catalogues the forged day; what is left to stop an attack is restore's own
decoding and extraction. A case may then lie on purpose (block table, index
file list, per-file sha256, ...) through its hooks.

Tar headers are written by hand (ustar + pax extended headers, GNU long
names, GNU sparse) so every byte of a name, link or header field is under the
case's control. Stdlib only.

Usage: forge.py --store DIR --case NAME --outside DIR --tmp-prefix PREFIX
       (run from the repository root, or anywhere: cases.py is found next to
       this file)
"""
import argparse
import datetime
import gzip
import hashlib
import json
import os
import sys
import zlib

MTIME = 1795564800  # 2026-11-24T00:00:00Z
DATE = "2026-11-24"
TENANT = "acme"
SOURCE = "siem-01"
BLOCK_SIZE = 64 * 1024


# ---------------------------------------------------------------- tar bytes

def _octal(n, width):
    s = b"%o" % n
    if len(s) > width - 1:
        # base-256 (GNU/star) for numbers that do not fit
        out = bytearray(width)
        v = n
        for i in range(width - 1, 0, -1):
            out[i] = v & 0xFF
            v >>= 8
        out[0] = 0x80
        return bytes(out)
    return s.rjust(width - 1, b"0") + b"\0"


def _field(b, width):
    b = b[:width]
    return b + b"\0" * (width - len(b))


def ustar_header(name, typeflag, size=0, mode=0o644, uid=0, gid=0, mtime=MTIME,
                 link=b"", devmajor=0, devminor=0, magic=b"ustar\x0000",
                 uname=b"root", gname=b"root", gnu_tail=None):
    """One 512-byte header. name/link are cut to their fields (100 bytes):
    long values go into a preceding pax or GNU long-name header."""
    h = bytearray(512)
    h[0:100] = _field(name, 100)
    h[100:108] = _octal(mode, 8)
    h[108:116] = _octal(uid, 8)
    h[116:124] = _octal(gid, 8)
    h[124:136] = _octal(size, 12)
    h[136:148] = _octal(mtime, 12)
    h[148:156] = b" " * 8
    h[156:157] = typeflag
    h[157:257] = _field(link, 100)
    h[257:265] = magic
    h[265:297] = _field(uname, 32)
    h[297:329] = _field(gname, 32)
    if magic.startswith(b"ustar\0"):
        h[329:337] = _octal(devmajor, 8)
        h[337:345] = _octal(devminor, 8)
    if gnu_tail:  # old GNU header: bytes from offset 345 (atime, ..., sparse map)
        h[345:345 + len(gnu_tail)] = gnu_tail
    chk = sum(h)
    h[148:156] = b"%06o\0 " % chk
    return bytes(h)


def pad512(b):
    return b + b"\0" * (-len(b) % 512)


def pax_records(recs):
    out = b""
    for k, v in recs:
        body = b" " + k + b"=" + v + b"\n"
        n = len(body) + 1
        while len(b"%d" % n) + len(body) != n:
            n += 1
        out += b"%d" % n + body
    return out


def pax_header(recs, name=b"PaxHeader"):
    data = pax_records(recs)
    return ustar_header(name[:99], b"x", size=len(data)) + pad512(data)


def _needs_pax(b, width):
    return len(b) > width or any(c >= 0x80 for c in b)


def _is_utf8(b):
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


TYPEFLAGS = {"file": b"0", "hardlink": b"1", "symlink": b"2", "chr": b"3", "blk": b"4",
             "dir": b"5", "fifo": b"6", "contig": b"7"}


def entry_bytes(e):
    """(headers, data) for one entry: headers = everything up to the data."""
    t = e.get("t", "file")
    name = e["name"]
    link = e.get("link", b"")
    data = e.get("data", b"")
    mode = e.get("mode", 0o755 if t == "dir" else 0o777 if t == "symlink" else 0o644)
    common = dict(mode=mode, uid=e.get("uid", 0), gid=e.get("gid", 0),
                  mtime=e.get("mtime", MTIME))
    if "raw" in e:  # fully hand-made header(s) and data
        return e["raw"][0], e["raw"][1]
    pre = b""
    recs = list(e.get("pax_pre", []))  # records before the automatic ones
    hname, hlink = name, link
    if t == "sparse":
        # GNU sparse 1.0 in pax: the data starts with the map, in text
        realsize = e["realsize"]
        smap = e["map"]  # [(offset, bytes), ...]
        m = b"%d\n" % len(smap) + b"".join(b"%d\n%d\n" % (o, n) for o, n in smap)
        body = pad512(m) + data
        recs += [(b"GNU.sparse.major", b"1"), (b"GNU.sparse.minor", b"0"),
                 (b"GNU.sparse.name", name), (b"GNU.sparse.realsize", b"%d" % realsize)]
        hname = b"GNUSparseFile.0/" + name.rsplit(b"/", 1)[-1][:60]
        hdr = ustar_header(hname, b"0", size=len(body), **common)
        return pax_header(recs) + hdr, body
    if t == "gnusparse":
        # old GNU sparse ('S'): map in the header, realsize at offset 483
        realsize = e["realsize"]
        smap = e["map"]
        tail = bytearray(512 - 345)
        # atime[12] ctime[12] offset[12] longnames[4] unused[1] sparse[4*24] isext[1] realsize[12]
        sp = 345 + 12 + 12 + 12 + 4 + 1
        for i, (o, n) in enumerate(smap[:4]):
            tail[sp - 345 + i * 24: sp - 345 + i * 24 + 12] = _octal(o, 12)
            tail[sp - 345 + i * 24 + 12: sp - 345 + i * 24 + 24] = _octal(n, 12)
        tail[483 - 345: 483 - 345 + 12] = _octal(realsize, 12)
        hdr = ustar_header(name[:100], b"S", size=len(data), magic=b"ustar  \0",
                           gnu_tail=bytes(tail[:512 - 345]), **common)
        return hdr, pad512(data)
    if e.get("gnu_longname"):
        ln = name + b"\0"
        pre += ustar_header(b"././@LongLink", b"L", size=len(ln), magic=b"ustar  \0") + pad512(ln)
        hname = name[:100]
    elif _needs_pax(name, 100) or e.get("force_pax_path"):
        v = name
        recs.append((b"path", v))
        hname = e.get("ustar_name", name[:100] if len(name) <= 100 and all(c < 0x80 for c in name) else b"PaxName")
    if link and (_needs_pax(link, 100) or e.get("force_pax_link")):
        recs.append((b"linkpath", link))
        hlink = e.get("ustar_link", b"PaxLink")
    if e.get("hdrcharset", True) and any(not _is_utf8(v) for k, v in recs if k in (b"path", b"linkpath")):
        recs.insert(0, (b"hdrcharset", b"BINARY"))
    recs += list(e.get("pax", []))
    if "ustar_name" in e:
        hname = e["ustar_name"]
    if recs:
        pre += pax_header(recs)
    size = e.get("size", len(data) if t in ("file", "contig") or data else 0)
    hdr = ustar_header(hname, TYPEFLAGS[t], size=size, link=hlink,
                       devmajor=e.get("dev", (0, 0))[0], devminor=e.get("dev", (0, 0))[1],
                       **common)
    return pre + hdr, pad512(data)


# ---------------------------------------------------------------- the forge

def sha(b):
    return hashlib.sha256(b).hexdigest()


def gz_member(b):
    return gzip.compress(b, compresslevel=6, mtime=0)


class Forged:
    """Everything one case produces, open to the case's hooks."""

    def __init__(self, case, ctx):
        self.case = case
        self.ctx = ctx
        self.tenant = case.get("tenant", TENANT)
        self.date = ctx["date"]
        self.source = SOURCE
        self.prefix = "tenant=%s/date=%s/source=%s/" % (self.tenant, self.date, self.source)
        self.key = self.prefix + "vol-0001.tar.gz"
        self.index_key = self.prefix + "vol-0001.index.json.gz"
        self.block_size = case.get("block_size", BLOCK_SIZE)
        self.tar = b""
        self.rows = []      # index "files" rows
        self.members = []   # [(tar_offset, tar_length, member bytes)]
        self.index = None   # dict
        self.index_gz = None
        self.object = None

    def build_tar(self):
        tar = bytearray()
        for e in self.case["entries"]:
            e = self.ctx["subst"](e)
            hdr, data = entry_bytes(e)
            toff = len(tar)
            tar += hdr
            doff = len(tar)
            tar += data
            if e.get("index", True) is False:
                continue
            t = e.get("t", "file")
            raw = e.get("data", b"")
            row = {"path": e["name"].decode("utf-8", "replace"),
                   "type": {"dir": "dir", "symlink": "symlink"}.get(t, "file"),
                   "size": len(raw) if t not in ("dir", "symlink") and isinstance(raw, bytes) else 0,
                   "mtime": e.get("mtime", MTIME),
                   "mode": e.get("mode", 0o755 if t == "dir" else 0o777 if t == "symlink" else 0o644) & 0o7777,
                   "tar_offset": toff, "data_offset": doff, "block": toff // self.block_size}
            if row["type"] == "file":
                row["sha256"] = sha(raw if isinstance(raw, bytes) else b"")
            if t == "symlink":
                row["link"] = e.get("link", b"").decode("utf-8", "replace")
            if isinstance(e.get("index"), dict):
                row.update(e["index"])
            self.rows.append(row)
        self.rows += self.case.get("index_extra", [])
        tar += b"\0" * 1024  # end of archive, as libarchive writes it
        self.tar = bytes(tar)

    def build_members(self):
        bs = self.block_size
        self.members = [(o, len(self.tar[o:o + bs]), gz_member(self.tar[o:o + bs]))
                        for o in range(0, len(self.tar), bs)]

    def build_index(self):
        blocks, coff = [], 0
        for toff, tlen, m in self.members:
            blocks.append([toff, tlen, coff, len(m)])
            coff += len(m)
        self.object = b"".join(m for _, _, m in self.members)
        tar_size = sum(t for _, t, _ in self.members)
        files = sum(1 for r in self.rows if r["type"] == "file")
        self.index = {
            "format": "coldpack-index-1", "tenant": self.tenant, "date": self.date,
            "source": self.source, "volume": 1, "last": True, "compression": "gzip",
            "level": 6, "run_id": self.ctx["run_id"], "key": self.key,
            "object": {"key": self.key, "size": len(self.object), "sha256": sha(self.object),
                       "tar_size": tar_size},
            "block_size": self.block_size,
            "bytes_in": sum(r.get("size", 0) for r in self.rows),
            "files_count": files, "blocks": blocks, "files": self.rows}

    def rewrite_index(self, store, gz):
        """Replace the index object after the fact, and the (last) manifest
        listing it, so the chain still verifies."""
        self.index_gz = gz
        write_obj(store, self.index_key, gz)
        os.unlink(os.path.join(store, self.manifest_key))
        os.unlink(os.path.join(store, ".coldpack", "meta", self.manifest_key + ".json"))
        self.manifest_key = write_manifest(store, self.ctx["run_id"], self.date,
                                           [(self.key, "data", self.object),
                                            (self.index_key, "index", gz)])

    def finish_index(self):
        if self.index_gz is None:
            txt = json.dumps(self.index, separators=(",", ":"), ensure_ascii=False).encode()
            self.index_gz = gz_member(txt)


def write_obj(store, key, data, cls="STANDARD"):
    p = os.path.join(store, key)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data)
    mp = os.path.join(store, ".coldpack", "meta", key + ".json")
    os.makedirs(os.path.dirname(mp), exist_ok=True)
    meta = {"restore_days": 0, "restore_requested": 0, "sha256": sha(data), "size": len(data),
            "storage_class": cls}
    with open(mp, "w") as f:
        f.write(json.dumps(meta, sort_keys=True, separators=(",", ":")))


def latest_manifest(store):
    runs = os.path.join(store, "runs")
    keys = []
    for d in sorted(os.listdir(runs)) if os.path.isdir(runs) else []:
        for f in os.listdir(os.path.join(runs, d)):
            if f.endswith(".json"):
                keys.append("runs/%s/%s" % (d, f))
    if not keys:
        return None, None, None
    keys.sort(key=lambda k: k.rsplit("/", 1)[1])
    k = keys[-1]
    b = open(os.path.join(store, k), "rb").read()
    return k, sha(b), k.rsplit("/", 1)[1][:-5]


def write_manifest(store, run_id, date, objects):
    prev, prev_sha, _ = latest_manifest(store)
    m = {"format": "coldpack-manifest-1", "run_id": run_id, "date": date,
         "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
         "prev_manifest": prev, "prev_sha256": prev_sha,
         "objects": [{"key": k, "kind": kind, "size": len(b), "sha256": sha(b),
                      "storage_class": "STANDARD"} for k, kind, b in sorted(objects)]}
    # what jansson writes with JSON_INDENT(1) | JSON_SORT_KEYS
    txt = json.dumps(m, indent=1, sort_keys=True, separators=(",", ": "), ensure_ascii=False)
    key = "runs/%s/%s.json" % (date, run_id)
    write_obj(store, key, txt.encode())
    return key


def next_run_id(store):
    _, _, last = latest_manifest(store)
    now = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    rid = now.strftime("%Y%m%dT%H%M%SZ") + "-66666"
    if last and rid <= last:
        rid = last[:16] + "-99999"
    return rid


def make_subst(outside, tmp_prefix):
    reps = [(b"{OUT}", os.fsencode(outside)), (b"{TMP}", os.fsencode(tmp_prefix))]

    def sub(e):
        e = dict(e)
        for f in ("name", "link"):
            if f in e:
                for a, b in reps:
                    e[f] = e[f].replace(a, b)
        return e
    return sub


def forge(store, case, outside, tmp_prefix, date=DATE):
    ctx = {"date": date, "run_id": next_run_id(store), "subst": make_subst(outside, tmp_prefix)}
    f = Forged(case, ctx)
    f.build_tar()
    for hook in ("tar_hook", "members_hook", "index_hook"):
        if hook == "members_hook":
            f.build_members()
        if hook == "index_hook":
            f.build_index()
        if case.get(hook):
            case[hook](f)
    f.finish_index()
    write_obj(store, f.key, f.object)
    write_obj(store, f.index_key, f.index_gz)
    f.manifest_key = write_manifest(store, ctx["run_id"], date,
                                    [(f.key, "data", f.object), (f.index_key, "index", f.index_gz)])
    return f


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", required=True)
    ap.add_argument("--case", required=True)
    ap.add_argument("--outside", required=True)
    ap.add_argument("--tmp-prefix", required=True)
    ap.add_argument("--post-rebuild", action="store_true",
                    help="apply the case's post_rebuild hook (after forging, in one run)")
    a = ap.parse_args()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import cases
    c = cases.by_name(a.case)
    if a.post_rebuild:
        # re-forge deterministically in memory to get the Forged object back
        f = Forged(c, {"date": DATE, "run_id": latest_manifest(a.store)[2],
                       "subst": make_subst(a.outside, a.tmp_prefix)})
        f.build_tar()
        f.build_members()
        f.build_index()
        f.manifest_key = latest_manifest(a.store)[0]
        f.object = open(os.path.join(a.store, f.key), "rb").read()
        c["post_rebuild"](a.store, f)
        return
    forge(a.store, c, a.outside, a.tmp_prefix)
    print("tenant=%s" % c.get("restore_tenant", TENANT))
    print("post=%d" % (1 if c.get("post_rebuild") else 0))


if __name__ == "__main__":
    main()
