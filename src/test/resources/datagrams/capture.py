#!/usr/bin/env python3
"""Record the first datagrams a real UDP client sends, as an l4mux datagram fixture.

Usage: capture.py OUT.hex CLIENT-COMMAND...   ({PORT} in the command is replaced)

Binds a UDP socket on 127.0.0.1, port 0 (loopback only), starts the client and records every
datagram it sends until it is quiet for IDLE_SECONDS (the socket never answers, so what is
recorded is the client's first flight: a QUIC client's Initial datagrams, a WireGuard
handshake initiation). Then the client is killed by its own PID and the fixture is written:
'# produced by: <exact command>', other '#' lines, then each datagram after a '# datagram' line.
"""
import os, shlex, socket, subprocess, sys

IDLE_SECONDS = 0.3
MAX_DATAGRAMS = 8


def capture(out_path, argv):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    command = [arg.replace("{PORT}", str(port)) for arg in argv]
    client = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    datagrams = []
    try:
        sock.settimeout(10)
        datagrams.append(sock.recvfrom(65535)[0])
        sock.settimeout(IDLE_SECONDS)
        while len(datagrams) < MAX_DATAGRAMS:
            try:
                datagrams.append(sock.recvfrom(65535)[0])
            except socket.timeout:
                break
    finally:
        client.kill()
        client.wait()
        sock.close()
    with open(out_path, "w") as out:
        out.write("# produced by: " + shlex.join(argv) + "\n")
        out.write("# client: " + os.environ.get("CLIENT_VERSION", "?") + "\n")
        if os.environ.get("CAPTURE_NOTE"):
            out.write("# note: " + os.environ["CAPTURE_NOTE"] + "\n")
        out.write("# captured by capture.py on loopback: %d datagram(s), %s bytes\n"
                  % (len(datagrams), "+".join(str(len(d)) for d in datagrams)))
        for d in datagrams:
            out.write("# datagram\n")
            for i in range(0, len(d), 32):
                out.write(d[i:i + 32].hex() + "\n")


if __name__ == "__main__":
    capture(sys.argv[1], sys.argv[2:])
