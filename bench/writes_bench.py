#!/usr/bin/env python3
"""bench/writes_bench.py: `make bench SCENARIO=writes`. Do cached reads
hold up under a stream of writes?

    make up ADMIN_TOKEN=<16+ chars> DB_DELAY_MS=0 && make bench SCENARIO=writes
    make bench SCENARIO=writes RATES="0 2 10" ROUNDS=3 ROUND_S=10 CONNS=50

Against the running native stack (`scripts/stack env`: HTTP_URL, ADMIN_TOKEN,
DB_DELAY_MS): for each write rate, wrk -t1 -c<CONNS> -d<ROUND_S> reads 200 hot
keys uniformly (/products/1..100 and /products?limit=10&offset=1..100,
bench/wrk/writes.lua) while one writer PUTs the price of a random product of
1..100 at that rate (a paced loop on one keep-alive connection). Rounds
alternate the order of the rates (forward, backward, ...) so drift in the
machine's load hits every rate alike. Per rate: median throughput and its
ratio to the 0 writes/s median, p99, X-Cache HIT share (Redis or L1), MySQL statements/s
and readers' 5xx (from the pool's /metrics and wrk), the writes actually
done per second.

Writes RESULTS/<UTC time>-writes/: writes.json, report.md (the table, also
printed), report.svg (throughput ratio and hit share per rate); RESULTS/latest
points at it. Env: RATES ("0 2 10 50"), ROUNDS (3), ROUND_S (10), CONNS (50),
BENCH_RESULTS_DIR (default results/ in the repository), BENCH_LABEL (a note
kept in the JSON and the report's title, e.g. "before").
"""
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def stack_env():
    out = subprocess.run([os.path.join(ROOT, "scripts", "stack"), "env"],
                         check=True, capture_output=True, text=True).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def scrape(url):
    """(product reads by X-Cache value, reader 5xx, MySQL statements)."""
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    c.request("GET", "/metrics")
    text = c.getresponse().read().decode()
    c.close()
    by_cache, mysql = {}, 0.0
    for line in text.splitlines():
        m = re.match(r'products_http_requests_total\{route="(/products[^"]*)",'
                     r'status="(\w+)",cache="(\w+)"\} (\S+)', line)
        if m:
            by_cache[m.group(3)] = by_cache.get(m.group(3), 0) + float(m.group(4))
        m = re.match(r"products_mysql_query_duration_seconds_count (\S+)", line)
        if m:
            mysql = float(m.group(1))
    return by_cache, mysql


class Writer(threading.Thread):
    """PUTs prices of products 1..100 at `rate` per second until stopped."""

    def __init__(self, url, token, rate):
        super().__init__(daemon=True)
        self.url, self.token, self.rate = url, token, rate
        self.stop = threading.Event()
        self.done = self.failed = 0

    def run(self):
        if self.rate <= 0:
            return
        u = urllib.parse.urlsplit(self.url)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        step = 1.0 / self.rate
        due = time.monotonic()
        while not self.stop.is_set():
            pid = random.randint(1, 100)
            body = json.dumps({"name": f"product {pid}",
                               "price": round(random.uniform(1, 999), 2)})
            try:
                conn.request("PUT", f"/products/{pid}", body,
                             {"Authorization": "Bearer " + self.token,
                              "Content-Type": "application/json"})
                resp = conn.getresponse()
                resp.read()
                if resp.status == 200:
                    self.done += 1
                else:
                    self.failed += 1
            except (OSError, http.client.HTTPException):
                self.failed += 1
                conn.close()
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
            due += step
            self.stop.wait(max(0.0, due - time.monotonic()))
        conn.close()


def one_run(env, rate, round_s, conns, out_json):
    url = env["HTTP_URL"]
    before_cache, before_mysql = scrape(url)
    writer = Writer(url, env.get("ADMIN_TOKEN", ""), rate)
    started = time.monotonic()
    writer.start()
    subprocess.run(["wrk", "-t1", f"-c{conns}", f"-d{round_s}s", "-s",
                    os.path.join(ROOT, "bench", "wrk", "writes.lua"), url],
                   check=True, capture_output=True,
                   env=dict(os.environ, BENCH_OUT=out_json))
    writer.stop.set()
    writer.join()
    elapsed = time.monotonic() - started
    after_cache, after_mysql = scrape(url)
    with open(out_json) as f:
        w = json.load(f)
    reads = {k: after_cache.get(k, 0) - before_cache.get(k, 0) for k in after_cache}
    total = sum(reads.values()) or 1
    secs = w["duration_us"] / 1e6
    return {
        "rate": rate, "req_s": w["requests"] / secs, "p99_ms": w["p99_ms"],
        "http_5xx": w["http_5xx"], "socket_errors": w["socket_errors"],
        "hit_share": (reads.get("HIT", 0) + reads.get("L1", 0)) / total,
        "mysql_s": (after_mysql - before_mysql) / elapsed,
        "writes_s": writer.done / elapsed, "writes_failed": writer.failed,
    }


def svg_chart(rows):
    """Bars: throughput ratio (dark) and HIT share (light) per write rate."""
    w, h, pad = 520, 260, 40
    n = len(rows)
    slot = (w - 2 * pad) / max(n, 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
             'font-family="sans-serif" font-size="11">',
             f'<text x="{pad}" y="16">throughput vs 0 writes/s (dark), '
             'X-Cache HIT share (light)</text>',
             f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" '
             'stroke="black"/>']
    for i, r in enumerate(rows):
        x = pad + i * slot + slot * 0.15
        for j, (val, colour) in enumerate(((r["ratio"], "#345"),
                                           (r["hit_share"], "#9bd"))):
            bh = (h - 2 * pad - 20) * min(val, 1.2) / 1.2
            parts.append(f'<rect x="{x + j * slot * 0.35:.1f}" '
                         f'y="{h - pad - bh:.1f}" width="{slot * 0.33:.1f}" '
                         f'height="{bh:.1f}" fill="{colour}"/>')
            parts.append(f'<text x="{x + j * slot * 0.35:.1f}" '
                         f'y="{h - pad - bh - 3:.1f}">{val:.2f}</text>')
        parts.append(f'<text x="{x:.1f}" y="{h - pad + 15}">'
                     f'{r["rate"]} writes/s</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main():
    rates = [int(x) for x in os.environ.get("RATES", "0 2 10 50").split()]
    rounds = int(os.environ.get("ROUNDS", "3"))
    round_s = int(os.environ.get("ROUND_S", "10"))
    conns = int(os.environ.get("CONNS", "50"))
    label = os.environ.get("BENCH_LABEL", "")
    env = stack_env()
    if any(r > 0 for r in rates) and len(env.get("ADMIN_TOKEN", "")) < 16:
        sys.exit("writes: the stack runs without ADMIN_TOKEN; "
                 "make up ADMIN_TOKEN=<16+ chars>")
    results = os.environ.get("BENCH_RESULTS_DIR", os.path.join(ROOT, "results"))
    out = os.path.join(results, time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
                       + "-writes")
    os.makedirs(os.path.join(out, "raw"), exist_ok=True)
    # Warm every key once, so that round 1 does not pay the cold misses.
    subprocess.run(["wrk", "-t1", f"-c{conns}", "-d2s", "-s",
                    os.path.join(ROOT, "bench", "wrk", "writes.lua"),
                    env["HTTP_URL"]], check=True, capture_output=True,
                   env=dict(os.environ, BENCH_OUT="/dev/null"))
    runs = []
    for rnd in range(rounds):
        order = rates if rnd % 2 == 0 else list(reversed(rates))
        for rate in order:
            r = one_run(env, rate, round_s, conns,
                        os.path.join(out, "raw", f"r{rnd + 1}-w{rate}.json"))
            r["round"] = rnd + 1
            runs.append(r)
            print(f"writes: round {rnd + 1} rate {rate}/s: {r['req_s']:.0f} "
                  f"req/s, 5xx {r['http_5xx']}, hit {r['hit_share']:.2f}",
                  file=sys.stderr)
    base = statistics.median(r["req_s"] for r in runs if r["rate"] == rates[0])
    rows = []
    for rate in rates:
        mine = [r for r in runs if r["rate"] == rate]
        med = statistics.median(r["req_s"] for r in mine)
        rows.append({
            "rate": rate, "req_s": med, "ratio": med / base,
            "req_s_min": min(r["req_s"] for r in mine),
            "req_s_max": max(r["req_s"] for r in mine),
            "p99_ms": statistics.median(r["p99_ms"] for r in mine),
            "hit_share": statistics.median(r["hit_share"] for r in mine),
            "mysql_s": statistics.median(r["mysql_s"] for r in mine),
            "http_5xx": sum(r["http_5xx"] for r in mine),
            "writes_s": statistics.median(r["writes_s"] for r in mine),
        })
    keys = ("DB_DELAY_MS", "POOL_SIZE", "CACHE_L1", "CACHE_TTL_S")
    doc = {"label": label, "rounds": rounds, "round_s": round_s, "conns": conns,
           "stack": {k: env.get(k) for k in keys}, "rows": rows, "runs": runs,
           "tool": "wrk -t1 -c%d -d%ds bench/wrk/writes.lua" % (conns, round_s),
           "cpu_cores": os.cpu_count()}
    with open(os.path.join(out, "writes.json"), "w") as f:
        json.dump(doc, f, indent=1)
    lines = [f"writes {label} (DB_DELAY_MS={env.get('DB_DELAY_MS')}, "
             f"{rounds} rounds x {round_s} s, wrk -t1 -c{conns}, medians)", "",
             "| writes/s (done) | req/s (min-max) | vs 0 writes/s | p99 ms | "
             "HIT share | MySQL stmt/s | readers' 5xx (all rounds) |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['rate']} ({r['writes_s']:.1f}) | {r['req_s']:,.0f} "
                     f"({r['req_s_min']:,.0f}-{r['req_s_max']:,.0f}) | "
                     f"{r['ratio']:.2f} | {r['p99_ms']:.1f} | "
                     f"{r['hit_share']:.2f} | {r['mysql_s']:.0f} | "
                     f"{r['http_5xx']} |")
    report = "\n".join(lines) + "\n"
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write(report)
    with open(os.path.join(out, "report.svg"), "w") as f:
        f.write(svg_chart(rows))
    latest = os.path.join(results, "latest")
    if os.path.islink(latest) or not os.path.exists(latest):
        if os.path.islink(latest):
            os.unlink(latest)
        os.symlink(os.path.basename(out), latest)
    print(report)
    print(f"writes: results in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
