#!/usr/bin/env python3
"""Measured staleness: how old is what readers get, relative to the last
acknowledged write? (`make bench SCENARIO=ladder`, bench/ladder)

The writer and READERS readers of bench/rw_probe.py, a write every
WRITE_PAUSE_S (default 0.1 s); the readers carry no cookie, so they are
"everyone else" to the edge cache, never the writer.

A read sent at t that shows price p is fresh when no write acknowledged
before t carries a price above p; otherwise its age is t minus the
acknowledgement time of the oldest such write (how long the write it missed
had been acknowledged). Prints one line of JSON: reads, writes, stale reads,
max and p99 age in ms (p99 over all reads, fresh ones counting 0), errors.

usage: staleness.py HOST PORT TOKEN READERS SECONDS [WRITE_PAUSE_S]
"""
import bisect
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rw_probe  # noqa: E402

host, port, token = sys.argv[1], int(sys.argv[2]), sys.argv[3]
readers, duration = int(sys.argv[4]), float(sys.argv[5])
write_pause = float(sys.argv[6]) if len(sys.argv) > 6 else 0.1
acks, reads, errors = rw_probe.run(host, [port], token, readers, duration,
                                   write_pause)

ack_times = [a[0] for a in acks]
ages = []
for sent, price, _, _ in reads:
    # Writes acknowledged before the read was sent: acks[:k].
    k = bisect.bisect_left(ack_times, sent)
    age = 0.0
    # The oldest acknowledged write above the price seen (prices grow).
    j = bisect.bisect_right([a[1] for a in acks[:k]], price)
    if j < k:
        age = sent - acks[j][0]
    ages.append(age)
ages.sort()
p99 = ages[min(len(ages) - 1, int(len(ages) * 0.99))] if ages else 0.0
print(json.dumps({
    "reads": len(reads), "writes": len(acks),
    "stale_reads": sum(1 for a in ages if a > 0),
    "max_age_ms": round(ages[-1] * 1000, 1) if ages else 0.0,
    "p99_age_ms": round(p99 * 1000, 1),
    "errors": len(errors), "first_errors": errors[:3]}))
