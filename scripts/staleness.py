#!/usr/bin/env python3
"""Measured staleness: how old is what readers get, relative to the last
acknowledged write? (`make bench SCENARIO=ladder`, scripts/ladder)

One writer PUTs an ever-increasing price on product PRODUCT every
WRITE_PAUSE_S (default 0.1 s) and records when each write's 2xx arrived.
READERS threads GET /products/PRODUCT and /products?limit=10 in turn, each on
its own keep-alive connection and without the writer's bypass cookie (they
are "everyone else"), and record when each read was sent and which price it
showed.

A read sent at t that shows price p is fresh when no write acknowledged
before t carries a price above p; otherwise its age is t minus the
acknowledgement time of the oldest such write (how long the write it missed
had been acknowledged). Prints one line of JSON: reads, writes, stale reads,
max and p99 age in ms (p99 over all reads, fresh ones counting 0), errors.

usage: staleness.py HOST PORT TOKEN READERS SECONDS [WRITE_PAUSE_S]
"""
import bisect
import http.client
import json
import sys
import threading
import time

host, port, token = sys.argv[1], int(sys.argv[2]), sys.argv[3]
readers, duration = int(sys.argv[4]), float(sys.argv[5])
write_pause = float(sys.argv[6]) if len(sys.argv) > 6 else 0.1
PRODUCT = 5
stop_at = time.monotonic() + duration
acks = []  # (ack time, price), in order: prices only grow
reads = []  # (sent, price)
errors = []
lock = threading.Lock()


def writer():
    conn = http.client.HTTPConnection(host, port, timeout=10)
    price = 1000.0 + (time.time() % 100000)  # above any earlier run's
    while time.monotonic() < stop_at:
        price = round(price + 0.01, 2)
        body = json.dumps({"name": "Staleness probe", "price": price})
        conn.request("PUT", f"/products/{PRODUCT}", body,
                     {"Authorization": f"Bearer {token}",
                      "Content-Type": "application/json"})
        resp = conn.getresponse()
        resp.read()
        done = time.monotonic()
        with lock:
            if resp.status == 200:
                acks.append((done, price))
            else:
                errors.append(f"PUT -> {resp.status}")
        time.sleep(write_pause)


def reader(n):
    conn = http.client.HTTPConnection(host, port, timeout=10)
    paths = [f"/products/{PRODUCT}", "/products?limit=10"]
    i = n
    while time.monotonic() < stop_at:
        path = paths[i % 2]
        i += 1
        sent = time.monotonic()
        conn.request("GET", path)
        resp = conn.getresponse()
        data = resp.read()
        if resp.status != 200:
            with lock:
                errors.append(f"GET {path} -> {resp.status}")
            continue
        doc = json.loads(data)
        item = doc if isinstance(doc, dict) else next(
            (p for p in doc if p["id"] == PRODUCT), None)
        if item is None:
            continue
        with lock:
            reads.append((sent, item["price"]))


threads = [threading.Thread(target=writer)] + [
    threading.Thread(target=reader, args=(n,)) for n in range(readers)]
for t in threads:
    t.start()
for t in threads:
    t.join()

ack_times = [a[0] for a in acks]
ages = []
for sent, price in reads:
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
