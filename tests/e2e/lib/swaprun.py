#!/usr/bin/env python3
"""swaprun.py [--timeout S] [--procs N] --pair A B [--pair A B ...] -- CMD ARGS...

Run CMD while N processes (default 1) keep exchanging each pair of paths
atomically (renameat2 RENAME_EXCHANGE, so each name always exists), as
someone who can write a source tree would during a walk. When CMD ends every
pair is put back as it was (a pair's state is read back, not counted). Exits with CMD's exit code, 124 when it ran past the timeout
(default 60 s; it is then killed).
Exits 77 (skip) when the C library has no renameat2."""
import ctypes, os, signal, subprocess, sys, time

AT_FDCWD, RENAME_EXCHANGE = -100, 2


def main(argv):
    timeout, procs, pairs = 60.0, 1, []
    while argv and argv[0] != "--":
        if argv[0] == "--timeout":
            timeout = float(argv[1]); argv = argv[2:]
        elif argv[0] == "--procs":
            procs = int(argv[1]); argv = argv[2:]
        elif argv[0] == "--pair":
            pairs.append((argv[1].encode(), argv[2].encode())); argv = argv[3:]
        else:
            sys.exit(f"swaprun: unknown argument {argv[0]}")
    cmd = argv[1:]
    libc = ctypes.CDLL(None, use_errno=True)
    if not hasattr(libc, "renameat2"):
        print("no renameat2", file=sys.stderr); sys.exit(77)
    # each pair's original state: which side is a real directory/file
    before = [(os.lstat(a).st_ino, os.lstat(b).st_ino) for a, b in pairs]
    kids = []
    for _ in range(procs):
        pid = os.fork()
        if pid == 0:
            n = 0
            signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
            while True:
                for a, b in pairs:
                    if libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) != 0:
                        os._exit(1)
        kids.append(pid)
    time.sleep(0.05)
    try:
        rc = subprocess.run(cmd, timeout=timeout).returncode
    except subprocess.TimeoutExpired:
        rc = 124
    finally:
        for pid in kids:
            os.kill(pid, signal.SIGTERM)
        bad = [os.waitpid(pid, 0)[1] for pid in kids]
    for (a, b), (ia, ib) in zip(pairs, before):
        if os.lstat(a).st_ino != ia:
            libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)
    if any(bad):
        sys.exit("swaprun: a swapper failed (renameat2)")
    print(f"swaprun: {procs} swapper(s), exit {rc}", file=sys.stderr)
    sys.exit(rc)

if __name__ == "__main__":
    main(sys.argv[1:])
