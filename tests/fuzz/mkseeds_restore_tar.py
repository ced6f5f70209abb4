#!/usr/bin/env python3
"""Write the seed archives of fuzz_restore_tar into tests/fuzz/corpus/restore_tar/.

Small tars, some gzipped or zstd-compressed (what restore reads), most with
hostile entries: traversal, absolute names, symlink and hardlink escapes,
writes through a symlink, devices, long (GNU/pax) names. Run from anywhere;
re-running rewrites the same files.
"""
import gzip
import io
import os
import shutil
import subprocess
import tarfile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "restore_tar")


def member(name, kind=tarfile.REGTYPE, data=b"", link="", mode=0o644):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.mode = mode
    ti.mtime = 1790000000
    ti.linkname = link
    ti.size = len(data) if kind == tarfile.REGTYPE else 0
    return ti, (io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def tar(entries, fmt=tarfile.PAX_FORMAT):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for e in entries:
            t.addfile(*member(*e) if isinstance(e, tuple) else e)
    b = buf.getvalue().rstrip(b"\0")  # keep two zero blocks, not a 10 KiB record
    return b + b"\0" * (-len(b) % 512 + 1024)


D, S, H = tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE
SEEDS = {
    "ok.tar": [("fw", D, b"", "", 0o755), ("fw/a.log", tarfile.REGTYPE, b"line 1\nline 2\n"),
               ("fw/link", S, b"", "a.log"), ("fw/hard", H, b"", "fw/a.log")],
    "dotdot.tar": [("../escape", tarfile.REGTYPE, b"x"), ("a/../../escape2", tarfile.REGTYPE, b"y")],
    "absolute.tar": [("/tmp/coldpack-fuzz-absolute", tarfile.REGTYPE, b"x")],
    "symlink-escape.tar": [("a/b/s", S, b"", "../../../victim"), ("s2", S, b"", "/etc/passwd"),
                           ("./x", S, b"", "../y"), ("a/./c", S, b"", "../../x")],
    "write-through-symlink.tar": [("d", S, b"", "."), ("up", S, b"", "a/.."),
                                  ("d/f", tarfile.REGTYPE, b"through"),
                                  ("a", D), ("a/l", S, b"", ".."), ("a/l/victim", tarfile.REGTYPE, b"!")],
    "hardlink-escape.tar": [("h1", H, b"", "../victim"), ("h2", H, b"", "/etc/passwd"),
                            ("s", S, b"", "."), ("h3", H, b"", "s/x")],
    "devices.tar": [("fifo", tarfile.FIFOTYPE), ("chr", tarfile.CHRTYPE), ("blk", tarfile.BLKTYPE)],
    "longname-gnu.tar": None,
    "dir-perms.tar": [(".", D, b"", "", 0o000), ("ro", D, b"", "", 0o500),
                      ("ro/f", tarfile.REGTYPE, b"x"), ("setuid", tarfile.REGTYPE, b"#!", "", 0o4755)],
    "empty.tar": [],
}


def main():
    os.makedirs(OUT, exist_ok=True)
    blobs = {}
    for name, entries in SEEDS.items():
        if entries is None:
            entries = [("d" * 120 + "/" + "n" * 150, tarfile.REGTYPE, b"long"),
                       ("l" * 200, S, b"", "../" * 40 + "x")]
            blobs[name] = tar(entries, tarfile.GNU_FORMAT)
        else:
            blobs[name] = tar(entries)
    blobs["ok.tar.gz"] = gzip.compress(blobs["ok.tar"], 6, mtime=0)
    blobs["dotdot.tar.gz"] = gzip.compress(blobs["dotdot.tar"], 6, mtime=0)
    zstd = shutil.which("zstd")
    if zstd:
        blobs["symlink-escape.tar.zst"] = subprocess.run(
            [zstd, "-q", "-c", "-3"], input=blobs["symlink-escape.tar"], check=True,
            stdout=subprocess.PIPE).stdout
    for name, b in blobs.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(b)


if __name__ == "__main__":
    main()
