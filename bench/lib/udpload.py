#!/usr/bin/env python3
"""UDP echo backend and closed-loop load generator for bench/run.sh (loopback only).

  udpload.py echo PORT [PROCESSES]          echo every datagram back (SO_REUSEPORT workers)
  udpload.py load PORT FLOWS SECONDS [WINDOW] send from FLOWS sockets (one flow each), WINDOW
                                            datagrams in flight per flow; prints
                                            "dps N p50_ms X p99_ms Y lost L"

The load generator stamps each 64-byte datagram with its send time and measures the round trip
of every reply. A datagram unanswered for 0.5 s counts as lost and is replaced.
"""
import os, selectors, socket, struct, sys, time

SIZE = 64
LOST_AFTER = 0.5


def echo(port, processes):
    for _ in range(processes - 1):
        if os.fork() == 0:
            break
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(("127.0.0.1", port))
    while True:
        data, peer = s.recvfrom(65535)
        s.sendto(data, peer)


def load(port, flows, seconds, window):
    sel = selectors.DefaultSelector()
    socks = []
    pad = b"\0" * (SIZE - 16)
    for i in range(flows):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setblocking(False)
        s.connect(("127.0.0.1", port))
        sel.register(s, selectors.EVENT_READ, i)
        socks.append(s)
    outstanding = [dict() for _ in range(flows)]  # seq -> send time
    seq = 0
    rtts = []
    lost = 0

    def send(i):
        nonlocal seq
        seq += 1
        now = time.perf_counter()
        outstanding[i][seq] = now
        try:
            socks[i].send(struct.pack("!Qd", seq, now) + pad)
        except (BlockingIOError, ConnectionRefusedError):
            pass

    for i in range(flows):
        for _ in range(window):
            send(i)
    start = time.perf_counter()
    end = start + seconds
    last_sweep = start
    while True:
        now = time.perf_counter()
        if now >= end:
            break
        for key, _ in sel.select(timeout=0.05):
            i = key.data
            s = key.fileobj
            while True:
                try:
                    data = s.recv(65535)
                except (BlockingIOError, ConnectionRefusedError):
                    break
                if len(data) < 16:
                    continue
                got, sent = struct.unpack("!Qd", data[:16])
                if outstanding[i].pop(got, None) is not None:
                    rtts.append(time.perf_counter() - sent)
                    send(i)
        if now - last_sweep > 0.1:
            last_sweep = now
            for i in range(flows):
                old = [q for q, t in outstanding[i].items() if now - t > LOST_AFTER]
                for q in old:
                    del outstanding[i][q]
                    lost += 1
                    send(i)
    elapsed = time.perf_counter() - start
    rtts.sort()
    def pct(p):
        return rtts[min(len(rtts) - 1, int(len(rtts) * p))] * 1000 if rtts else 0.0
    print(f"dps {len(rtts) / elapsed:.0f} p50_ms {pct(0.50):.3f} p99_ms {pct(0.99):.3f} lost {lost}")


if __name__ == "__main__":
    if sys.argv[1] == "echo":
        echo(int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    else:
        load(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]) if len(sys.argv) > 5 else 1)
