#!/usr/bin/env python3
"""Read-after-write consistency under load.

The writer and READERS readers of bench/rw_probe.py. PORTS may list
several hosts ("5081,5085": app hosts sharing one Redis and MySQL): the
writer uses the first, reader n port n mod count. Every read records when
it was sent; every write when its response arrived. A read sent after a
write's response must show that write's price or a newer one. Prints one
RESULT line; exits 1 on any violation or error. SIGINT ends the run early
(the report as at its end).

usage: consistency.py HOST PORTS TOKEN READERS SECONDS [WRITE_PAUSE_S]
"""
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "bench"))
import rw_probe  # noqa: E402

host, token = sys.argv[1], sys.argv[3]
ports = [int(p) for p in sys.argv[2].split(",")]
readers, duration = int(sys.argv[4]), float(sys.argv[5])
# Pause between writes (s). A write invalidates every answer, and a rebuild
# takes DB_DELAY_MS: a longer pause leaves time for hits between writes.
write_pause = float(sys.argv[6]) if len(sys.argv) > 6 else 0.05
signal.signal(signal.SIGINT, lambda *_: rw_probe.STOP.set())
writes, reads, errors = rw_probe.run(host, ports, token, readers, duration,
                                     write_pause)

writes.sort()
stale = 0
j, newest = 0, None
for sent, price, _, _ in sorted(reads):
    while j < len(writes) and writes[j][0] < sent:
        newest = writes[j][1]
        j += 1
    if newest is not None and price < newest:
        stale += 1
hits = sum(1 for r in reads if r[2] == "HIT")
l1_hits = sum(1 for r in reads if r[3] == "L1")
get_errors = sum(1 for e in errors if e.startswith("GET"))
print(f"RESULT reads={len(reads)} writes={len(writes)} hits={hits} "
      f"l1_hits={l1_hits} stale_reads={stale} errors={len(errors)} "
      f"get_errors={get_errors} put_errors={len(errors) - get_errors}")
for e in errors[:5]:
    print("error:", e)
sys.exit(1 if stale or errors or not writes or not hits else 0)
