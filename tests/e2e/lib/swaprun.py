#!/usr/bin/env python3
"""swaprun.py [--timeout S] --pair A B [--pair A B ...] -- CMD ARGS...

Run CMD while a thread keeps exchanging each pair of paths atomically
(renameat2 RENAME_EXCHANGE, so each name always exists), as someone who can
write a source tree would during a walk. When CMD ends every pair is put back
as it was. Exits with CMD's exit code, 124 when it ran past the timeout
(default 60 s; it is then killed). Prints the number of swaps on stderr.
Exits 77 (skip) when the C library has no renameat2."""
import ctypes, subprocess, sys, threading

AT_FDCWD, RENAME_EXCHANGE = -100, 2


def main(argv):
    timeout, pairs = 60.0, []
    while argv and argv[0] != "--":
        if argv[0] == "--timeout":
            timeout = float(argv[1]); argv = argv[2:]
        elif argv[0] == "--pair":
            pairs.append((argv[1].encode(), argv[2].encode())); argv = argv[3:]
        else:
            sys.exit(f"swaprun: unknown argument {argv[0]}")
    cmd = argv[1:]
    libc = ctypes.CDLL(None, use_errno=True)
    if not hasattr(libc, "renameat2"):
        print("no renameat2", file=sys.stderr); sys.exit(77)
    stop, count, err = threading.Event(), [0] * len(pairs), []

    def swapper():
        while not stop.is_set():
            for k, (a, b) in enumerate(pairs):
                if libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) != 0:
                    err.append(ctypes.get_errno()); return
                count[k] += 1

    th = threading.Thread(target=swapper)
    th.start()
    try:
        rc = subprocess.run(cmd, timeout=timeout).returncode
    except subprocess.TimeoutExpired:
        rc = 124
    finally:
        stop.set()
        th.join()
    for k, (a, b) in enumerate(pairs):
        if count[k] % 2:
            libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)
    if err:
        sys.exit(f"swaprun: renameat2 failed: errno {err[0]}")
    print(f"swaprun: {sum(count)} swaps, exit {rc}", file=sys.stderr)
    sys.exit(rc)


if __name__ == "__main__":
    main(sys.argv[1:])
