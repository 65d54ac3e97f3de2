#!/usr/bin/env python3
"""Turns bench/run.sh's raw results into the markdown page.

  report.py RESULTS.tsv HEADER.md [JMH.json] > latest.md

RESULTS.tsv rows: scenario, proxy, run, metric, value (tab separated). Every cell of the table is
the median over the runs with min-max; ratios compare medians (for latency and memory, lower is
better, the ratio is still this proxy's value over the other's).
"""
import json
import statistics
import sys
from collections import OrderedDict, defaultdict

SCENARIOS = OrderedDict([
    ("iperf1", "iperf3, 1 stream"),
    ("iperf8", "iperf3, 8 streams"),
    ("http_close", "HTTP by Host, new connection per request"),
    ("http_ka", "HTTP by Host, keep-alive"),
    ("tls_ka", "TLS passthrough by SNI, keep-alive"),
    ("tls_close", "TLS passthrough by SNI, new connection per request"),
    ("http_close_pp", "HTTP Connection: close, PROXY v2 in and out (HAProxy sender in front; l4mux-noheader: same path without headers)"),
    ("stock_tls_close", "stock nginx: TLS passthrough, full handshake per request"),
    ("stock_tls_ka", "stock nginx: TLS keep-alive, reconnect every 1,000 requests"),
    ("stock_http_close", "stock nginx: HTTP Connection: close"),
    ("first5", "fresh process: first 5 s after /ready (stock TLS new connection)"),
    ("first5-steady", "same process at steady state (after 25 s of load)"),
    ("udp1", "UDP echo, 1 flow, 8 datagrams in flight (no HAProxy: it has no UDP)"),
    ("udp1000", "UDP echo, 1,000 flows, 1 datagram in flight each (no HAProxy: it has no UDP)"),
    ("quic_handshakes", "QUIC handshakes by SNI to two servers, a client process each (nginx: one backend, "
                        "it cannot read QUIC's SNI; no HAProxy: it has no UDP)"),
    ("lb_close", "4 backends, least connections + checks, new connection per request"),
    ("lb_ka", "4 backends, least connections + checks, keep-alive"),
    ("tlsterm_ka", "TLS termination (ECDSA P-256, TLS 1.3), keep-alive"),
    ("tlsterm_close", "TLS termination (ECDSA P-256, TLS 1.3), new connection per request"),
    ("tlsreenc_ka", "TLS termination and re-encryption to an HTTPS backend (verified), keep-alive"),
    ("tlsreenc_close", "TLS termination and re-encryption to an HTTPS backend (verified), new connection per request"),
    ("memory", "idle relayed connections (fresh proxy)"),
    ("startup", "startup to /ready"),
])
METRICS = OrderedDict([
    ("gbps", ("Gbit/s", True)),
    ("rps", ("requests/s", True)),
    ("dps", ("datagrams/s", True)),
    ("hps", ("handshakes/s", True)),
    ("p50_ms", ("p50 ms", False)),
    ("p99_ms", ("p99 ms", False)),
    ("kib_per_conn", ("KiB/connection", False)),
    ("ms", ("ms", False)),
    ("errors", ("errors", False)),
    ("cpu_s", ("proxy cpu s per run", False)),
    ("lost", ("datagrams lost", False)),
    ("cpu_us_per_hs", ("proxy cpu µs per handshake", False)),
    ("loop_us_per_hs", ("event-loop cpu µs per handshake (l4mux: its event loops; nginx: all)", False)),
])
PROXIES = ["direct", "haproxy", "nginx", "l4mux", "l4mux-jdk2"]


def proxy_order(name):
    for i, p in enumerate(PROXIES):
        if name.startswith(p):
            return (i, name)
    return (len(PROXIES), name)


def fmt(v):
    if v is None:
        return "-"
    if v >= 1000:
        return f"{v:,.0f}"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "-"
    return f"{a / b:.2f}x"


def long_runs(rows, out):
    """Runs of one process back to back (--long): the trend of each proxy's requests/s."""
    series = defaultdict(list)  # (scenario, proxy) -> [(run, rps, cpu)]
    with open(sys.argv[1]) as f:
        raw = [line.rstrip("\n").split("\t") for line in f]
    cpu = {(r[0], r[1], r[2]): float(r[4]) for r in raw if len(r) == 5 and r[3] == "cpu_s"}
    for r in raw:
        if len(r) == 5 and r[3] == "rps" and r[2].isdigit():
            series[(r[0], r[1])].append((int(r[2]), float(r[4]), cpu.get((r[0], r[1], r[2]))))
    long = {k: sorted(v) for k, v in series.items() if len(v) >= 10}
    if not long:
        return
    out.append("")
    out.append("## Long runs: one process per proxy, runs back to back")
    out.append("")
    out.append("First = the first measured run (after one unmeasured warm-up run); worst = the largest drop "
               "below it; trend = least-squares slope over the runs, in % of the first run per run.")
    out.append("")
    out.append("| scenario | proxy | runs | first | median | min | last | worst vs first | trend %/run | "
               "proxy cpu s/run first-last | within 10% |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|:---:|")
    for (scenario, proxy), v in sorted(long.items(), key=lambda kv: (list(SCENARIOS).index(kv[0][0])
                                                                      if kv[0][0] in SCENARIOS else 99, proxy_order(kv[0][1]))):
        rps = [x[1] for x in v]
        first = rps[0]
        n = len(rps)
        mean_x = (n - 1) / 2
        mean_y = sum(rps) / n
        slope = sum((i - mean_x) * (y - mean_y) for i, y in enumerate(rps)) / sum((i - mean_x) ** 2 for i in range(n))
        worst = min(rps) / first - 1
        cpus = [x[2] for x in v if x[2] is not None]
        cpu_text = f"{cpus[0]:.2f}-{cpus[-1]:.2f}" if cpus else "-"
        title = SCENARIOS.get(scenario, scenario)
        out.append(f"| {title} | {proxy} | {n} | {fmt(first)} | {fmt(statistics.median(rps))} | {fmt(min(rps))} "
                   f"| {fmt(rps[-1])} | {worst * 100:+.1f}% | {slope / first * 100:+.2f} | {cpu_text} "
                   f"| {'yes' if worst >= -0.10 else 'no'} |")


def first_seconds(med, out):
    rows = [(p, med.get(("first5", "rps", p)), med.get(("first5-steady", "rps", p)))
            for p in sorted({p for (s, m, p) in med if s == "first5"}, key=proxy_order)]
    rows = [r for r in rows if r[1] is not None and r[2]]
    if not rows:
        return
    out.append("")
    out.append("## Warm-up: the first 5 seconds after /ready against steady state")
    out.append("")
    out.append("| proxy | first 5 s req/s | steady req/s | first / steady |")
    out.append("|---|---:|---:|---:|")
    for p, first, steady in rows:
        out.append(f"| {p} | {fmt(first)} | {fmt(steady)} | {first / steady:.2f}x |")


def main():
    rows = defaultdict(list)
    with open(sys.argv[1]) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 5:
                continue
            scenario, proxy, _run, metric, value = parts
            try:
                rows[(scenario, metric, proxy)].append(float(value))
            except ValueError:
                pass
    out = [open(sys.argv[2]).read().rstrip("\n"), ""]

    out.append("## Results (median of the runs, min-max; ratios of medians)")
    out.append("")
    out.append("| scenario | metric | proxy | median | min-max | runs | vs HAProxy | vs direct |")
    out.append("|---|---|---|---:|---:|---:|---:|---:|")
    med = {}
    for key, values in rows.items():
        med[key] = statistics.median(values)
    for scenario, title in SCENARIOS.items():
        for metric, (label, _) in METRICS.items():
            proxies = sorted({p for (s, m, p) in rows if s == scenario and m == metric}, key=proxy_order)
            if metric == "errors":
                proxies = [p for p in proxies if max(rows[(scenario, metric, p)]) > 0]
            for proxy in proxies:
                values = rows[(scenario, metric, proxy)]
                m = med[(scenario, metric, proxy)]
                ha = med.get((scenario, metric, "haproxy"))
                di = med.get((scenario, metric, "direct"))
                out.append(
                    f"| {title} | {label} | {proxy} | {fmt(m)} | {fmt(min(values))}-{fmt(max(values))} "
                    f"| {len(values)} | {ratio(m, ha) if proxy != 'haproxy' else '1.00x' if ha else '-'} "
                    f"| {ratio(m, di) if proxy != 'direct' and di else '-'} |")
    out.append("")

    # The targets, for l4mux on the default JDK.
    def get(s, m, p="l4mux"):
        return med.get((s, m, p))

    checks = []
    for s, name in (("iperf1", "iperf3 1 stream"), ("iperf8", "iperf3 8 streams")):
        checks.append((f"{name} >= 1.0x HAProxy", get(s, "gbps"), get(s, "gbps", "haproxy"), True, 1.0))
    for s, name in (("http_close", "HTTP Connection: close"), ("http_ka", "HTTP keep-alive"),
                    ("tls_ka", "TLS keep-alive"), ("tls_close", "TLS new connection")):
        checks.append((f"{name} req/s >= 1.0x HAProxy", get(s, "rps"), get(s, "rps", "haproxy"), True, 1.0))
    for s, name in (("http_ka", "HTTP keep-alive"), ("tls_ka", "TLS keep-alive"), ("tls_close", "TLS new connection")):
        checks.append((f"{name} p99 <= 1.2x HAProxy", get(s, "p99_ms"), get(s, "p99_ms", "haproxy"), False, 1.2))
    for s, name in (("udp1", "UDP 1 flow"), ("udp1000", "UDP 1,000 flows")):
        checks.append((f"{name} datagrams/s >= 1.0x nginx", get(s, "dps"), get(s, "dps", "nginx"), True, 1.0))
        checks.append((f"{name} p99 <= 1.0x nginx", get(s, "p99_ms"), get(s, "p99_ms", "nginx"), False, 1.0))
    checks.append(("QUIC handshakes/s >= 1.0x nginx", get("quic_handshakes", "hps"), get("quic_handshakes", "hps", "nginx"),
                   True, 1.0))
    out.append("## Targets (l4mux on the default JDK)")
    out.append("")
    out.append("| target | l4mux | HAProxy or nginx, as named | ratio | met |")
    out.append("|---|---:|---:|---:|:---:|")
    for label, mine, theirs, higher, limit in checks:
        if mine is None or theirs is None or theirs == 0:
            continue
        r = mine / theirs
        met = r >= limit if higher else r <= limit
        out.append(f"| {label} | {fmt(mine)} | {fmt(theirs)} | {r:.2f}x | {'yes' if met else 'no'} |")
    mem = get("memory", "kib_per_conn")
    if mem is not None:
        out.append(f"| idle memory <= 8 KiB/connection | {fmt(mem)} | {fmt(get('memory', 'kib_per_conn', 'haproxy'))} "
                   f"| - | {'yes' if mem <= 8 else 'no'} |")

    long_runs(rows, out)
    first_seconds(med, out)

    if len(sys.argv) > 3:
        try:
            with open(sys.argv[3]) as f:
                jmh = json.load(f)
        except (OSError, ValueError):
            jmh = []
        if jmh:
            hello = []
            out.append("")
            out.append("## Sniffer microbenchmarks (JMH, ns per decision on the captured fixtures)")
            out.append("")
            out.append("| benchmark | fixture | ns/op | +/- |")
            out.append("|---|---|---:|---:|")
            for b in jmh:
                bench = b["benchmark"].rsplit(".", 1)[-1]
                fixture = b.get("params", {}).get("fixture", "")
                score = b["primaryMetric"]["score"]
                err = b["primaryMetric"].get("scoreError")
                err = f"{err:.1f}" if isinstance(err, (int, float)) and err == err else "-"
                out.append(f"| {bench} | {fixture} | {score:.1f} | {err} |")
                if fixture.startswith("tls/") and bench == "decide":
                    hello.append(score)
            if hello:
                worst = max(hello)
                out.append("")
                out.append(f"ClientHello -> SNI/ALPN (full decision, slowest fixture): {worst:.0f} ns; "
                           f"target < 1000 ns: {'met' if worst < 1000 else 'missed'}.")
    print("\n".join(out))


if __name__ == "__main__":
    main()
