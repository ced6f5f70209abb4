#!/usr/bin/env python3
"""cases.py - the hostile-archive corpus: each case is the entries of one
forged volume (see forge.py), optional lies in its index, and the outcome
restore must produce. tests/e2e/50-hostile-corpus.sh runs them all.

A case is a dict:
  name      unique, [a-z0-9-]
  why       one line: the attack
  entries   [entry, ...] in tar order; build them with F D L H DEV FIFO ...
            below. Every name and link is BYTES (non-UTF-8 allowed). {OUT}
            in a name or link becomes the absolute path of the victim
            directory next to the target, {TMP} a /tmp prefix checked by the
            script. Entry keys: t (file dir symlink hardlink chr blk fifo
            contig sparse gnusparse), name, data, link, mode, uid, gid, dev,
            pax [(key, value)] extra pax records, ustar_name (what the ustar
            name field says when a pax path overrides it), gnu_longname,
            size (header size, default len(data)), index (False: left out
            of the index; a dict: fields overriding the index row).
  index_extra  rows appended to the index "files" (phantom files)
  block_size   tar bytes per gzip member (default 64 KiB)
  tar_hook / members_hook / index_hook   f(forged) -> None: change the tar,
            the gzip members [(tar_off, tar_len, bytes)], or f.index (dict) /
            f.index_gz (bytes) before they are written
  restore_tenant  tenant given to `coldpack restore` (default acme)
  expect    dict, or list of dicts = any one of them must hold:
            rc       set of allowed exit codes
            refused  names that must each be on a REFUSED line, quoted as
                     restore prints them (raw bytes, or with non-printable
                     bytes escaped as \\xNN or \\NNN); ("part", b"...") matches
                     a substring of a REFUSED line (for huge names)
            named    byte strings that must appear somewhere in the output
                     ({KEY} = the data object's key, {INDEX} = the index's)
            files    {name: content or None}: regular files that must be in
                     the restored tree (None: any content)
            links    {name: target}: symlinks that must be there
            absent   names that must not exist (not even as dangling links)
            maxsize  {name: bytes}: if the file exists, its apparent size cap
            same_inode [(a, b)]: must be the same file (hardlinks)
            unchanged {name: content}: files that must still hold content
All names in expectations are relative to the restored tree
<target>/<tenant>/<date>/<source>/.

Checks applied to every case (check()): peak RSS <= 512 MiB; no symlink in
the target resolves outside the restored tree; no device, FIFO or socket in
the target; no setuid/setgid/sticky bit in the target; the victim file
outside is untouched (content, mode, link count); restore's output holds no
raw control characters (terminal injection through names). The shell script
adds: nothing new next to the target, nothing under /tmp, `find -perm /6000`.
"""
import gzip
import json
import os
import random
import stat
import sys
import zlib

# ------------------------------------------------------------ entry helpers


def F(name, data=b"x\n", **kw):
    return dict(t="file", name=name, data=data, **kw)


def D(name, **kw):
    return dict(t="dir", name=name, **kw)


def L(name, link, **kw):
    return dict(t="symlink", name=name, link=link, **kw)


def H(name, link, **kw):
    return dict(t="hardlink", name=name, link=link, **kw)


def DEV(name, kind="chr", dev=(1, 3), **kw):
    return dict(t=kind, name=name, dev=dev, **kw)


GOOD = F(b"good/ok.log", b"fine\n")
GOOD_EXPECT = {b"good/ok.log": b"fine\n"}


def chain(d=b"c"):
    """Links that each look harmless to a lexical check but climb one level
    more than they seem: d/up -> .. is the restore root R; d/upN -> up(N-1)/..
    is N levels above R. During extraction R is
    target/.coldpack-partial.PID/acme/DATE/siem-01, so d/up5 is the
    directory holding target/ and outside/."""
    es = [D(d), L(d + b"/up", b"..")]
    prev = b"up"
    for i in range(1, 6):
        es.append(L(d + b"/up%d" % i, prev + b"/.."))
        prev = b"up%d" % i
    return es


def rc(*codes):
    return set(codes)


CASES = []


def case(name, why, entries, expect, **kw):
    CASES.append(dict(name=name, why=why, entries=entries, expect=expect, **kw))


REFUSED3 = rc(3)

# ------------------------------------------------------------ paths

case("abs-path", "absolute path into the victim directory",
     [GOOD, F(b"{OUT}/abs-pwned", b"pwned\n")],
     dict(rc=REFUSED3, refused=[b"{OUT}/abs-pwned"], files=GOOD_EXPECT))
case("abs-path-tmp", "absolute path under /tmp",
     [GOOD, F(b"{TMP}-abs", b"pwned\n")],
     dict(rc=REFUSED3, refused=[b"{TMP}-abs"], files=GOOD_EXPECT))
case("dotdot-leading", "leading ../ climbing to the victim directory",
     [GOOD, F(b"../../../../../outside/dotdot-pwned", b"pwned\n")],
     dict(rc=REFUSED3, refused=[b"../../../../../outside/dotdot-pwned"], files=GOOD_EXPECT))
case("dotdot-middle", ".. in the middle of a path",
     [GOOD, F(b"good/../../../../../../outside/mid-pwned", b"pwned\n")],
     dict(rc=REFUSED3, refused=[b"good/../../../../../../outside/mid-pwned"], files=GOOD_EXPECT))
case("double-slash-abs", "//-prefixed absolute path",
     [GOOD, F(b"//{TMP}-dslash", b"pwned\n")],
     dict(rc=REFUSED3, refused=[b"//{TMP}-dslash"], files=GOOD_EXPECT))
case("pax-path-override", "innocent ustar name, pax path climbing out",
     [GOOD, F(b"../../../../../outside/pax-pwned", b"pwned\n", ustar_name=b"innocent.log", force_pax_path=True)],
     dict(rc=REFUSED3, refused=[b"../../../../../outside/pax-pwned"], files=GOOD_EXPECT,
          absent=[b"innocent.log"]))
case("gnu-longname-dotdot", "GNU ././@LongLink name with ..",
     [GOOD, F(b"../" * 5 + b"outside/" + b"g" * 120 + b"-pwned", b"pwned\n", gnu_longname=True)],
     dict(rc=REFUSED3, refused=[b"../" * 5 + b"outside/" + b"g" * 120 + b"-pwned"],
          files=GOOD_EXPECT))
case("dot-components", "./ and empty components stay inside",
     [F(b"./a/./b//c.log", b"dots\n")],
     dict(rc=rc(0), files={b"a/b/c.log": b"dots\n"}))

# ------------------------------------------------------------ symlinks

case("symlink-abs", "symlink to an absolute path, then a file through it",
     [GOOD, L(b"evil", b"{OUT}"), F(b"evil/through-abs", b"pwned\n")],
     dict(rc=REFUSED3, refused=[b"evil"], files=GOOD_EXPECT))
case("symlink-rel-escape", "relative symlink climbing out",
     [GOOD, L(b"evil2", b"../../../../../outside")],
     dict(rc=REFUSED3, refused=[b"evil2"], files=GOOD_EXPECT, absent=[b"evil2"]))
case("symlink-pax-linkpath", "innocent ustar link, pax linkpath absolute",
     [GOOD, L(b"plink", b"/etc", force_pax_link=True, ustar_link=b"good/ok.log")],
     dict(rc=REFUSED3, refused=[b"plink"], files=GOOD_EXPECT, absent=[b"plink"]))
case("symlink-inside-ok", "harmless relative symlinks are restored",
     [GOOD, L(b"good/alias", b"ok.log"), L(b"top", b"good/ok.log")],
     dict(rc=rc(0), files=GOOD_EXPECT, links={b"good/alias": b"ok.log", b"top": b"good/ok.log"}))
case("symlink-then-file-through", "inside symlink to a dir, then a file written through it",
     [D(b"sub"), L(b"d", b"sub"), F(b"d/via-link", b"pwned\n")],
     dict(rc=REFUSED3, refused=[b"d/via-link"], absent=[b"sub/via-link"]))
case("symlink-chain-brief", "a/b/u -> ../.., e1 -> a/b/u/.., etc -> e1/../../etc, then etc/passwd",
     [D(b"a"), D(b"a/b"), L(b"a/b/u", b"../.."), L(b"e1", b"a/b/u/.."),
      L(b"etc", b"e1/../../etc"), F(b"etc/passwd-pwned", b"pwned\n")],
     dict(rc=REFUSED3, refused=[b"e1", b"etc"], absent=[b"etc/passwd-pwned"]))
case("symlink-chain-5", "chain of links each one level higher, ending next to the target",
     chain() + [L(b"c/esc", b"up5/outside"), F(b"c/esc/chain-pwned", b"pwned\n")],
     dict(rc=REFUSED3, refused=[b"c/up1"]))
case("symlink-loop", "l1 -> l2 -> l1, then a file through l1",
     [GOOD, L(b"l1", b"l2"), L(b"l2", b"l1"), F(b"l1/loop", b"pwned\n")],
     dict(rc=REFUSED3, refused=[b"l1/loop"], files=GOOD_EXPECT))
case("symlink-target-huge", "symlink whose target is 6000 bytes",
     [GOOD, L(b"hugelink", b"x/" * 3000)],
     [dict(rc=REFUSED3, refused=[b"hugelink"], files=GOOD_EXPECT),
      dict(rc=rc(0), files=GOOD_EXPECT, links={b"hugelink": b"x/" * 3000})])
case("symlink-esc-name", "escaping symlink whose name carries terminal escapes",
     [GOOD, L(b"\x1b]0;owned\x07\x1b[2Jevil", b"/etc")],
     dict(rc=REFUSED3, refused=[b"\x1b]0;owned\x07\x1b[2Jevil"], files=GOOD_EXPECT))

# ------------------------------------------------------------ hardlinks

case("hardlink-abs", "hardlink to the victim by absolute path",
     [GOOD, H(b"hard", b"{OUT}/victim")],
     dict(rc=REFUSED3, refused=[b"hard"], files=GOOD_EXPECT, absent=[b"hard"]))
case("hardlink-dotdot", "hardlink to the victim with ..",
     [GOOD, H(b"hard2", b"../../../../../outside/victim")],
     dict(rc=REFUSED3, refused=[b"hard2"], files=GOOD_EXPECT, absent=[b"hard2"]))
case("hardlink-inside-ok", "hardlink to a file already extracted",
     [F(b"a.log", b"shared\n"), H(b"b.log", b"a.log")],
     dict(rc=rc(0), files={b"a.log": b"shared\n", b"b.log": b"shared\n"},
          same_inode=[(b"a.log", b"b.log")]))
case("hardlink-forward", "hardlink to a file that comes later",
     [H(b"early", b"late.log"), F(b"late.log", b"late\n")],
     dict(rc=REFUSED3, refused=[b"early"], files={b"late.log": b"late\n"}))
case("hardlink-to-dir", "hardlink to a directory",
     [D(b"somedir"), F(b"somedir/f", b"f\n"), H(b"dirlink", b"somedir")],
     dict(rc=REFUSED3, refused=[b"dirlink"], files={b"somedir/f": b"f\n"}))
case("hardlink-via-chain", "hardlink whose target goes through a climbing symlink chain to the victim",
     chain() + [H(b"hl-victim", b"c/up5/outside/victim")],
     dict(rc=REFUSED3, refused=[b"hl-victim"], absent=[b"hl-victim"]))
case("hardlink-data-via-chain", "hardlink with data through a chain: would overwrite the victim",
     chain() + [H(b"hl-write", b"c/up5/outside/victim", data=b"pwned\n",
                  pax=[(b"comment", b"pax: hardlink data is present")])],
     dict(rc=REFUSED3, refused=[b"hl-write"]))
case("hardlink-via-inside-symlink", "hardlink through an inside symlink to a directory",
     [D(b"real"), F(b"real/f.log", b"f\n"), L(b"sl", b"real"), H(b"hl", b"sl/f.log")],
     [dict(rc=REFUSED3, refused=[b"hl"], files={b"real/f.log": b"f\n"}),
      dict(rc=rc(0), files={b"real/f.log": b"f\n", b"hl": b"f\n"})])

# ------------------------------------------------------------ special files

case("chr-device", "character device /dev/null twin",
     [GOOD, DEV(b"nulldev", "chr", (1, 3))],
     dict(rc=REFUSED3, refused=[b"nulldev"], files=GOOD_EXPECT, absent=[b"nulldev"]))
case("blk-device", "block device",
     [GOOD, DEV(b"disk", "blk", (8, 0))],
     dict(rc=REFUSED3, refused=[b"disk"], files=GOOD_EXPECT, absent=[b"disk"]))
case("fifo", "named pipe",
     [GOOD, DEV(b"pipe", "fifo", (0, 0))],
     dict(rc=REFUSED3, refused=[b"pipe"], files=GOOD_EXPECT, absent=[b"pipe"]))
case("chr-with-linkname", "character device header carrying a link name",
     [GOOD, DEV(b"devlink", "chr", (1, 5), link=b"good/ok.log")],
     [dict(rc=REFUSED3, refused=[b"devlink"], files=GOOD_EXPECT),
      dict(rc=rc(0), files={**GOOD_EXPECT, **{b"devlink": b"fine\n"}})])
case("socket-schily", "regular entry claiming SCHILY.filetype=socket (tar has no socket type)",
     [GOOD, F(b"sock", b"", pax=[(b"SCHILY.filetype", b"socket")])],
     [dict(rc=REFUSED3, refused=[b"sock"], files=GOOD_EXPECT),
      dict(rc=rc(0), files={**GOOD_EXPECT, **{b"sock": b""}})])
case("contiguous-type", "typeflag 7 (contiguous file) is a regular file",
     [dict(t="contig", name=b"contig.log", data=b"contiguous\n")],
     [dict(rc=rc(0), files={b"contig.log": b"contiguous\n"}),
      dict(rc=REFUSED3, refused=[b"contig.log"])])

# ------------------------------------------------------------ mode bits

case("setuid-root", "setuid root executable",
     [F(b"suid", b"#!/bin/sh\n", mode=0o4755, uid=0)],
     [dict(rc=rc(0), files={b"suid": None}), dict(rc=REFUSED3, refused=[b"suid"])])
case("setgid-file", "setgid file",
     [F(b"sgid", b"#!/bin/sh\n", mode=0o2755, gid=0)],
     [dict(rc=rc(0), files={b"sgid": None}), dict(rc=REFUSED3, refused=[b"sgid"])])
case("setuid-other-uid", "setuid/setgid with another owner",
     [F(b"suid2", b"#!/bin/sh\n", mode=0o6755, uid=1234, gid=1234)],
     [dict(rc=rc(0), files={b"suid2": None}), dict(rc=REFUSED3, refused=[b"suid2"])])
case("sticky-setgid-dir", "world-writable sticky setgid directory",
     [D(b"shared", mode=0o3777), F(b"shared/f.log", b"f\n")],
     [dict(rc=rc(0), files={b"shared/f.log": b"f\n"}),
      dict(rc=REFUSED3, refused=[b"shared"])])
case("setuid-via-hardlink", "hardlink entry re-moding an extracted file to setuid",
     [F(b"plain", b"#!/bin/sh\n", mode=0o755), H(b"plain2", b"plain", mode=0o4755)],
     [dict(rc=rc(0), files={b"plain": b"#!/bin/sh\n"}),
      dict(rc=REFUSED3, refused=[b"plain2"], files={b"plain": b"#!/bin/sh\n"})])

# ------------------------------------------------------------ duplicates

case("dup-file", "the same file twice: the later wins or is refused",
     [F(b"dup.log", b"first\n"), F(b"dup.log", b"second\n")],
     [dict(rc=rc(0), files={b"dup.log": b"second\n"}),
      dict(rc=REFUSED3, refused=[b"dup.log"], files={b"dup.log": b"first\n"})])
case("dup-symlink-then-file", "inside symlink, then a file of that name: never written through",
     [F(b"target.log", b"original\n"), L(b"x", b"target.log"), F(b"x", b"pwned\n")],
     [dict(rc=rc(0), files={b"target.log": b"original\n", b"x": b"pwned\n"}),
      dict(rc=REFUSED3, refused=[b"x"], files={b"target.log": b"original\n"})])
case("dup-hardlink-then-file", "hardlink, then a file of that name: the first file keeps its data",
     [F(b"orig.log", b"original\n"), H(b"h", b"orig.log"), F(b"h", b"pwned\n")],
     [dict(rc=rc(0), files={b"orig.log": b"original\n", b"h": b"pwned\n"}),
      dict(rc=REFUSED3, refused=[b"h"], files={b"orig.log": b"original\n"})])
case("dup-file-then-escape-link", "a file, then an escaping symlink of the same name",
     [F(b"y", b"file\n"), L(b"y", b"/etc/passwd")],
     dict(rc=REFUSED3, refused=[b"y"], files={b"y": b"file\n"}))
case("dup-dir-then-symlink", "a directory, then a symlink of the same name, then a file under it",
     [D(b"dd"), F(b"dd/f", b"f\n"), D(b"other"), L(b"dd", b"other"), F(b"dd/g", b"g\n")],
     [dict(rc=REFUSED3, refused=[b"dd"], files={b"dd/f": b"f\n", b"dd/g": b"g\n"},
           absent=[b"other/g"]),
      # or: the archive made dd a symlink before dd/g, so dd/g goes through a
      # link and is refused too (the hardened extractor's reading)
      dict(rc=REFUSED3, refused=[b"dd", b"dd/g"], files={b"dd/f": b"f\n"},
           absent=[b"other/g"])])
case("dup-chain-link-then-dir", "an escaping chain link, then a directory of that name, then a file",
     chain() + [L(b"c/esc", b"up5/outside"), D(b"c/esc"), F(b"c/esc/victim", b"pwned\n")],
     [dict(rc=REFUSED3, refused=[b"c/up1"])])

# ------------------------------------------------------------ names

case("non-utf8-binary", "Latin-1 name, pax hdrcharset=BINARY",
     [F(b"latin1-\xe9t\xe9-\xff.log", b"bytes\n")],
     [dict(rc=rc(0), files={b"latin1-\xe9t\xe9-\xff.log": b"bytes\n"}),
      dict(rc=REFUSED3, refused=[b"latin1-\xe9t\xe9-\xff.log"])])
case("non-utf8-no-charset", "invalid UTF-8 in a pax path without hdrcharset",
     [F(b"bad-\xc3\x28-\xa0\xa1.log", b"bytes\n", hdrcharset=False)],
     [dict(rc=rc(0), files={b"bad-\xc3\x28-\xa0\xa1.log": b"bytes\n"}),
      dict(rc=REFUSED3, refused=[b"bad-\xc3\x28-\xa0\xa1.log"])])
case("non-utf8-ustar", "high bytes straight in the ustar name field",
     [dict(t="file", name=b"ustar-\xfe\xfd.log", data=b"bytes\n",
           raw=None)],
     [dict(rc=rc(0), files={b"ustar-\xfe\xfd.log": b"bytes\n"}),
      dict(rc=REFUSED3, refused=[b"ustar-\xfe\xfd.log"])])
case("control-chars", "names with ESC, BEL, newline, CR",
     [F(b"ctl-\x1b[31mred\x07.log", b"c1\n"), F(b"nl-\nname.log", b"c2\n"),
      F(b"cr-\rname.log", b"c3\n")],
     [dict(rc=rc(0), files={b"ctl-\x1b[31mred\x07.log": b"c1\n", b"nl-\nname.log": b"c2\n",
                            b"cr-\rname.log": b"c3\n"}),
      dict(rc=REFUSED3, refused=[b"ctl-\x1b[31mred\x07.log", b"nl-\nname.log", b"cr-\rname.log"])])
case("name-max", "a 300-byte component (> NAME_MAX)",
     [GOOD, F(b"n" * 300, b"long\n")],
     dict(rc=REFUSED3, refused=[("part", b"n" * 100)], files=GOOD_EXPECT))
case("path-max", "a 5000-byte path of 50-byte components (> PATH_MAX)",
     [GOOD, F((b"p" * 49 + b"/") * 100 + b"f.log", b"long\n")],
     dict(rc=REFUSED3, refused=[("part", b"p" * 49 + b"/" + b"p" * 49)], files=GOOD_EXPECT))
case("deep-300", "300 levels of directories",
     [GOOD, F(b"d/" * 300 + b"deep.log", b"deep\n")],
     [dict(rc=rc(0), files={**GOOD_EXPECT, **{b"d/" * 300 + b"deep.log": b"deep\n"}}),
      dict(rc=REFUSED3, refused=[("part", b"d/d/d/d/d/d/d/d/d/d/")], files=GOOD_EXPECT)])
case("deep-2100", "2100 levels of directories (> PATH_MAX)",
     [GOOD, F(b"d/" * 2100 + b"deep.log", b"deep\n")],
     dict(rc=REFUSED3, refused=[("part", b"d/d/d/d/d/d/d/d/d/d/")], files=GOOD_EXPECT))

# ------------------------------------------------------------ sparse

TIB = 1 << 40
case("sparse-bomb-pax", "GNU sparse 1.0 entry claiming 1 TiB",
     [GOOD, dict(t="sparse", name=b"bomb.log", data=b"Z", realsize=TIB, map=[(TIB - 1, 1)])],
     [dict(rc=REFUSED3, refused=[b"bomb.log"], files=GOOD_EXPECT),
      dict(rc=rc(0, 3), files=GOOD_EXPECT, maxsize={b"bomb.log": 1 << 30})])
case("sparse-bomb-gnu", "old GNU sparse ('S') entry claiming 1 TiB",
     [GOOD, dict(t="gnusparse", name=b"bomb2.log", data=b"Z" * 512, realsize=TIB,
                 map=[(TIB - 512, 512)])],
     [dict(rc=REFUSED3, refused=[b"bomb2.log"], files=GOOD_EXPECT),
      dict(rc=rc(0, 3), files=GOOD_EXPECT, maxsize={b"bomb2.log": 1 << 30})])

# ------------------------------------------------------------ block-table lies


def _blocks_claim(n):
    def hook(f):
        for row in f.index["blocks"]:
            row[1] = n
    return hook


SMALL8 = [F(b"good/ok.log", b"fine\n"), F(b"pad.log", bytes(range(256)) * 24)]  # ~6 KiB
SMALL8_EXPECT = {b"good/ok.log": b"fine\n"}
CORRUPT_OR_OK = [dict(rc=rc(7), named=[b"{KEY}"]), dict(rc=rc(0), files=SMALL8_EXPECT)]

case("blocks-claim-256mib", "8 blocks in a tiny object each claiming 256 MiB of tar",
     SMALL8, CORRUPT_OR_OK, block_size=1024, index_hook=_blocks_claim(256 << 20))
case("blocks-claim-too-small", "block table claiming 1 tar byte per block",
     SMALL8, CORRUPT_OR_OK, block_size=1024, index_hook=_blocks_claim(1))
case("blocks-claim-300mib", "block table claiming 300 MiB per block (over any cap)",
     SMALL8, CORRUPT_OR_OK, block_size=1024, index_hook=_blocks_claim(300 << 20))


def _blocks_gap(f):
    for row in f.index["blocks"][1:]:
        row[2] += 7


case("blocks-not-tiling", "block table object offsets with gaps",
     SMALL8, CORRUPT_OR_OK, block_size=1024, index_hook=_blocks_gap)


def _blocks_huge_clen(f):
    f.index["blocks"][-1][3] = 1 << 62


case("blocks-huge-clen", "last block claims 2^62 compressed bytes",
     SMALL8, CORRUPT_OR_OK, block_size=1024, index_hook=_blocks_huge_clen)


def _blocks_reversed(f):
    f.index["blocks"].reverse()


case("blocks-reversed", "block table rows in reverse order",
     SMALL8, CORRUPT_OR_OK, block_size=1024, index_hook=_blocks_reversed)


def _gz_zeros(prefix, total):
    co = zlib.compressobj(1, zlib.DEFLATED, 31)
    out = [co.compress(prefix)]
    z = bytes(1 << 20)
    left = total - len(prefix)
    while left > 0:
        n = min(left, len(z))
        out.append(co.compress(z[:n]))
        left -= n
    out.append(co.flush())
    return b"".join(out)


def _zero_bomb(f):
    blk = 256 << 20
    first = _gz_zeros(f.tar, blk)
    rest = _gz_zeros(b"", blk)
    f.members = [(0, blk, first)] + [(blk * i, blk, rest) for i in range(1, 8)]


case("blocks-zero-bomb", "8 honest-looking blocks that really inflate to 256 MiB each "
     "(block_size says 64 KiB)",
     [F(b"good/ok.log", b"fine\n")],
     [dict(rc=rc(7), named=[b"{KEY}"]), dict(rc=rc(0), files=SMALL8_EXPECT)],
     members_hook=_zero_bomb)


def _many_rows(store, f):
    # 2.5 million rows, written as text (json.dumps of that many lists is
    # slow); swapped in after the rebuild so only restore parses it
    n = 2500000
    idx = dict(f.index, blocks=[])
    txt = json.dumps(idx, separators=(",", ":")).encode()
    rows = b"[" + b"[0,1,0,1]," * (n - 1) + b"[0,1,0,1]]"
    f.rewrite_index(store, gzip.compress(txt.replace(b'"blocks":[]', b'"blocks":' + rows), 1,
                                         mtime=0))


case("blocks-many-rows", "a block table of 2.5 million rows in a tiny object",
     SMALL8, CORRUPT_OR_OK, block_size=1024, post_rebuild=_many_rows)

# ------------------------------------------------------------ index lies


def _index_bomb(store, f):
    """After the rebuild catalogued the day from its valid index, the index
    object is replaced by a gzip member inflating to 1 GiB (a store-only
    attacker: the catalog predates the swap; the manifest is rewritten to
    match, it is the last of the chain). Not JSON, so only the inflating
    costs time."""
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    sp = b" " * (1 << 20)
    head = co.compress(b"x") + co.flush(zlib.Z_FULL_FLUSH)
    chunk = co.compress(sp) + co.flush(zlib.Z_FULL_FLUSH)
    n = 1023  # + 1 byte: just under index.c's 1 GiB cap
    tail = co.flush()
    crc = zlib.crc32(b"x")
    for _ in range(n):
        crc = zlib.crc32(sp, crc)
    isize = (1 + n * len(sp)) & 0xFFFFFFFF
    gz = (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + head + chunk * n + tail +
          crc.to_bytes(4, "little") + isize.to_bytes(4, "little"))
    f.rewrite_index(store, gz)


case("index-gzip-bomb", "index swapped after cataloguing for a gzip member inflating to 1 GiB",
     [F(b"good/ok.log", b"fine\n")],
     [dict(rc=rc(7), named=[b"{INDEX}"]), dict(rc=rc(0), files=SMALL8_EXPECT)],
     post_rebuild=_index_bomb)


def _codec_lie(f):
    f.index["compression"] = "zstd"


case("index-wrong-codec", "index says zstd, the object is gzip",
     SMALL8, CORRUPT_OR_OK, block_size=1024, index_hook=_codec_lie)

MISMATCH = dict(rc=rc(3, 7))
case("index-phantom-file", "index lists a file the volume does not contain",
     [GOOD],
     dict(MISMATCH, named=[b"phantom.log"], absent=[b"phantom.log"]),
     index_extra=[{"path": "phantom.log", "type": "file", "size": 7, "mtime": 1795564800,
                   "mode": 420, "tar_offset": 0, "data_offset": 512, "block": 0,
                   "sha256": "0" * 64}])
case("index-omits-entry", "volume smuggles an entry the index does not list",
     [GOOD, F(b"smuggled.sh", b"#!/bin/sh\nrm -rf ~\n", index=False)],
     dict(MISMATCH, named=[b"smuggled.sh"], absent=[b"smuggled.sh"]))
case("index-wrong-sha", "per-file SHA-256 in the index does not match the data",
     [GOOD, F(b"tampered.log", b"tampered\n", index={"sha256": "ab" * 32})],
     dict(MISMATCH, named=[b"tampered.log"], absent=[b"tampered.log"]))
case("index-wrong-size", "index size of a file differs from its tar header",
     [GOOD, F(b"resized.log", b"0123456789" * 100, index={"size": 10})],
     dict(MISMATCH, named=[b"resized.log"], absent=[b"resized.log"]))
case("index-type-mismatch", "index says file, the volume holds a symlink",
     [GOOD, L(b"shape", b"good/ok.log", index={"type": "file", "sha256": "cd" * 32, "size": 5})],
     dict(MISMATCH, named=[b"shape"], absent=[b"shape"]))


def _other_tenant(f):
    f.index["tenant"] = "globex"


case("index-other-tenant", "an index under tenant=acme/ claims to be globex's data",
     [F(b"planted.log", b"planted\n")],
     dict(rc=rc(1, 7), named=[b"{INDEX}"], absent=[b"planted.log"]),
     index_hook=_other_tenant, restore_tenant="globex")


# non-utf8-ustar: plain ustar header, no pax (raw)
def _raw_ustar_case():
    import forge
    for c in CASES:
        if c["name"] == "non-utf8-ustar":
            e = c["entries"][0]
            e["raw"] = (forge.ustar_header(e["name"], b"0", size=len(e["data"])),
                        forge.pad512(e["data"]))


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
_raw_ustar_case()


def by_name(n):
    for c in CASES:
        if c["name"] == n:
            return c
    raise SystemExit("no case %r" % n)


# ------------------------------------------------------------ checking

def _escaped_forms(name):
    forms = [name]
    if any(c < 0x20 or c >= 0x7F or c == 0x5C for c in name):
        hx = b"".join(bytes([c]) if 0x20 <= c < 0x7F and c != 0x5C else b"\\x%02x" % c
                      for c in name)
        forms += [hx, hx.replace(b"\\x", b"\\X"),
                  b"".join(bytes([c]) if 0x20 <= c < 0x7F and c != 0x5C else b"\\x%02X" % c
                           for c in name),
                  b"".join(bytes([c]) if 0x20 <= c < 0x7F and c != 0x5C else b"\\%03o" % c
                           for c in name)]
    return forms


def refused_ok(out, item):
    lines = [l for l in out.split(b"\n") if l.startswith(b"REFUSED")]
    if isinstance(item, tuple):
        return any(item[1] in l for l in lines)
    for f in _escaped_forms(item):
        if b"\n" in f:
            if b'entry "' + f + b'"' in out:
                return True
        elif any(b'"' + f + b'"' in l for l in lines):
            return True
    return False


def _disp(b):
    s = repr(b)[2:-1]
    return s if len(s) < 70 else s[:60] + "...(%d bytes)" % len(b)


def check_one(exp, ctx):
    out, root = ctx["out"], ctx["root"]
    if ctx["rc"] not in exp.get("rc", {0}):
        return "exit %d, expected %s" % (ctx["rc"], "/".join(map(str, sorted(exp["rc"]))))
    for n in exp.get("refused", []):
        n = ctx["subst"](n) if isinstance(n, bytes) else (n[0], ctx["subst"](n[1]))
        if not refused_ok(out, n):
            return "entry %s not reported REFUSED" % _disp(n if isinstance(n, bytes) else n[1])
    for n in exp.get("named", []):
        n = ctx["subst"](n)
        if n not in out:
            return "output does not name %s" % _disp(n)
    for n, want in exp.get("files", {}).items():
        p = os.path.join(root, n)
        if not os.path.isfile(p) or os.path.islink(p):
            return "%s not restored as a file" % _disp(n)
        if want is not None and open(p, "rb").read() != want:
            return "%s restored with wrong content" % _disp(n)
    for n, want in exp.get("links", {}).items():
        p = os.path.join(root, n)
        if not os.path.islink(p) or os.readlink(p) != want:
            return "symlink %s not restored" % _disp(n)
    for n in exp.get("absent", []):
        if os.path.lexists(os.path.join(root, ctx["subst"](n))):
            return "%s exists in the target" % _disp(n)
    for n, cap in exp.get("maxsize", {}).items():
        p = os.path.join(root, n)
        if os.path.lexists(p) and os.lstat(p).st_size > cap:
            return "%s restored with apparent size %d (> %d)" % (_disp(n), os.lstat(p).st_size, cap)
    for a, b in exp.get("same_inode", []):
        sa, sb = os.lstat(os.path.join(root, a)), os.lstat(os.path.join(root, b))
        if (sa.st_dev, sa.st_ino) != (sb.st_dev, sb.st_ino):
            return "%s and %s are not one file" % (_disp(a), _disp(b))
    return None


def generic(ctx):
    target, root = ctx["target"], ctx["root"]
    if ctx["rss_kb"] > 512 * 1024:
        return "peak RSS %d MiB > 512 MiB" % (ctx["rss_kb"] // 1024)
    if ctx["rc"] in (124, 137) or ctx["rc"] >= 128:
        return "restore killed or timed out (exit %d)" % ctx["rc"]
    v = os.path.join(ctx["outside"], "victim")
    st = os.lstat(v)
    if open(v, "rb").read() != b"secret\n" or st.st_nlink != 1 or st.st_mode & 0o7777 != 0o644:
        return "victim outside the target modified or linked (nlink %d, mode %o)" % (
            st.st_nlink, st.st_mode & 0o7777)
    rroot = os.path.realpath(root)
    for d, dirs, files in os.walk(target):
        for n in dirs + files:
            p = os.path.join(d, n)
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                r = os.path.realpath(p)
                if r != rroot and not r.startswith(rroot + b"/"):
                    return "symlink %s resolves outside the restored tree (to %s)" % (
                        _disp(os.path.relpath(p, target)), _disp(r))
            elif not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
                return "special file %s created" % _disp(os.path.relpath(p, target))
            elif st.st_mode & 0o7000:
                return "%s has mode %o (setuid/setgid/sticky kept)" % (
                    _disp(os.path.relpath(p, target)), st.st_mode & 0o7777)
    bad = [c for c in ctx["restore_out"] if c < 0x20 and c not in (0x0A, 0x09)]
    if bad:
        return "restore output carries raw control characters (0x%02x): terminal injection" % bad[0]
    return None


def check(c, ctx):
    r = generic(ctx)
    if r:
        return r
    exps = c["expect"] if isinstance(c["expect"], list) else [c["expect"]]
    reasons = []
    for e in exps:
        r = check_one(e, ctx)
        if r is None:
            return None
        reasons.append(r)
    return reasons[0] if len(reasons) == 1 else " / ".join(reasons)


def main():
    import argparse
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list")
    ck = sub.add_parser("check")
    ck.add_argument("name")
    for a in ("target", "outside", "tmp_prefix", "out", "restore_out"):
        ck.add_argument("--" + a.replace("_", "-"), required=True)
    ck.add_argument("--rc", type=int, required=True)
    ck.add_argument("--rss-kb", type=int, required=True)
    ck.add_argument("--date", default="2026-11-24")
    info = sub.add_parser("info")
    info.add_argument("name")
    info.add_argument("field")
    a = ap.parse_args()
    if a.cmd == "list":
        for c in CASES:
            print(c["name"])
        return
    c = by_name(a.name)
    if a.cmd == "info":
        print(c.get(a.field, {"restore_tenant": "acme"}.get(a.field, "")))
        return
    import forge
    tenant = c.get("restore_tenant", "acme")
    prefix = "tenant=%s/date=%s/source=siem-01/" % (c.get("tenant", "acme"), a.date)
    sub_ = forge.make_subst(a.outside, a.tmp_prefix)
    key, index = (prefix + "vol-0001.tar.gz").encode(), (prefix + "vol-0001.index.json.gz").encode()

    def s(b):
        return sub_({"name": b})["name"].replace(b"{KEY}", key).replace(b"{INDEX}", index)
    ctx = dict(out=open(a.out, "rb").read(), restore_out=open(a.restore_out, "rb").read(),
               rc=a.rc, rss_kb=a.rss_kb, target=os.fsencode(a.target), outside=a.outside, subst=s,
               root=os.fsencode(os.path.join(a.target, tenant, a.date, "siem-01")))
    r = check(c, ctx)
    if r:
        print(r)
        sys.exit(1)


if __name__ == "__main__":
    main()
