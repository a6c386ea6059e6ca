"""The consistency ladder's report (bench/ladder): rounds.txt of a ladder
run in, ladder.json (every round, per rung) and report.md (the table of
medians with min-max spread, req/s also as a ratio to the static reference
of the same round) out; prints the table.

usage: ladder_report.py OUT EDGE_MS CONNS ROUND_S ROUNDS STALE_S READERS CPUS LOAD
"""
import json, statistics, sys
out, edge_ms, conns, round_s, rounds, stale_s, readers, cpus, load = sys.argv[1:]
rows = [l.split() for l in open(f"{out}/rounds.txt")]
rungs = ["strict", "l1", "edge", "static"]
ref = {r[0]: float(r[2]) for r in rows if r[1] == "static"}
data = {}
for rung in rungs:
    rs = [r for r in rows if r[1] == rung]
    num = lambda i: [float(r[i]) for r in rs if r[i] != "-"]
    ratio = [float(r[2]) / ref[r[0]] for r in rs if ref.get(r[0])]
    data[rung] = {
        "rounds": [dict(zip(["round", "rung", "rps", "p99_ms", "max_age_ms", "p99_age_ms",
                             "stale_reads", "reads", "writes", "errors"], r)) for r in rs],
        "rps": num(2), "p99_ms": num(3), "max_age_ms": num(4), "p99_age_ms": num(5),
        "ratio": ratio}
json.dump(data, open(f"{out}/ladder.json", "w"), indent=1)
def med(v, fmt):
    if not v:
        return "—"
    return f"{fmt.format(statistics.median(v))} ({fmt.format(min(v))}–{fmt.format(max(v))})"
label = {"strict": "strict: no L1, no edge", "l1": "L1 (CACHE_L1=1)",
         "edge": f"edge on (EDGE_CACHE_MS={edge_ms})",
         "static": "reference: nginx, static file"}
lines = [f"| rung | req/s | ratio to reference | p99 | staleness max | staleness p99 |",
         "|---|---|---|---|---|---|"]
for rung in rungs:
    d = data[rung]
    lines.append(f"| {label[rung]} | {med(d['rps'], '{:,.0f}')} | {med(d['ratio'], '{:.2f}')} | "
                 f"{med(d['p99_ms'], '{:.1f}')} ms | {med(d['max_age_ms'], '{:.0f}')}"
                 f"{' ms' if d['max_age_ms'] else ''} | {med(d['p99_age_ms'], '{:.0f}')}"
                 f"{' ms' if d['p99_age_ms'] else ''} |")
lines += ["", f"Median over {rounds} alternating rounds (min–max in brackets). Speed: wrk -t1 "
          f"-c{conns} -d{round_s}s --latency GET /products (100 rows), no writes. Staleness: "
          f"bench/staleness.py, {readers} readers for {stale_s} s while a writer PUTs "
          f"product 5 every 100 ms; a read's age = how long before it was sent the first "
          f"write it does not show had been acknowledged (0 when it shows every one). {cpus} cores, load "
          f"average at the end {load}."]
open(f"{out}/report.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
