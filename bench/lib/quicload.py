#!/usr/bin/env python3
"""QUIC handshake load for bench/run.sh (loopback only), with ngtcp2's gtlsclient (Debian
ngtcp2-client): one client process per QUIC connection, so each completion is one full handshake
(a fresh key share and certificate, no resumption) plus one HTTP/3 GET of a few bytes.

  quicload.py load SECONDS WORKERS NAME=PORT [NAME=PORT ...]
      WORKERS client loops in parallel, spread over the targets in turn; each starts gtlsclient,
      waits for it to exit, and starts the next until SECONDS have passed. Prints
      "hps N p50_ms X p99_ms Y failed F done D": completed handshakes per second, the wall time
      of one client process (start to exit, so it includes the process start), failures.
  quicload.py once NAME PORT
      one handshake and GET; prints the body the server sent (the smoke run's check).

NAME is sent as the TLS server name and resolved by the client, so run.sh gives it an /etc/hosts
that puts the bench names on 127.0.0.1 (see bench/lib/bench.sh, quic_client).
"""
import os, shutil, subprocess, sys, tempfile, threading, time

CLIENT = os.environ.get("BENCH_GTLSCLIENT", "gtlsclient")
# A handshake that takes longer than this on loopback has failed (lost Initial, no route).
TIMEOUT_S = 5


def handshake(name, port, download=None):
    """One client process: handshake, GET /, exit. True when it exited 0 (response received)."""
    args = [CLIENT, "-q", "--exit-on-all-streams-close", "--handshake-timeout=%ds" % TIMEOUT_S,
            "--timeout=%ds" % TIMEOUT_S]
    if download:
        args.append("--download=" + download)
    args += [name, str(port), "https://%s/index.html" % name]
    try:
        return subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=TIMEOUT_S * 2).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def load(seconds, workers, targets):
    lock = threading.Lock()
    times, failed = [], [0]
    end = time.monotonic() + seconds

    def worker(name, port):
        while time.monotonic() < end:
            t0 = time.monotonic()
            ok = handshake(name, port)
            took = time.monotonic() - t0
            with lock:
                if ok:
                    times.append(took)
                else:
                    failed[0] += 1

    start = time.monotonic()
    threads = [threading.Thread(target=worker, args=targets[i % len(targets)]) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start  # includes the last clients' tails, as each one counted
    times.sort()

    def pct(p):
        return times[min(len(times) - 1, int(len(times) * p))] * 1000 if times else 0.0

    print(f"hps {len(times) / elapsed:.1f} p50_ms {pct(0.50):.2f} p99_ms {pct(0.99):.2f} "
          f"failed {failed[0]} done {len(times)}")


def once(name, port):
    d = tempfile.mkdtemp(prefix="quicload-")
    try:
        if not handshake(name, port, download=d):
            sys.exit(f"no QUIC answer from {name}:{port}")
        with open(os.path.join(d, "index.html")) as f:
            print(f.read().strip())
    finally:
        shutil.rmtree(d, ignore_errors=True)


def target(arg):
    name, port = arg.rsplit("=", 1)
    return name, int(port)


if __name__ == "__main__":
    if sys.argv[1] == "load":
        load(float(sys.argv[2]), int(sys.argv[3]), [target(a) for a in sys.argv[4:]])
    else:
        once(sys.argv[2], int(sys.argv[3]))
