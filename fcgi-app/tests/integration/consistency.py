#!/usr/bin/env python3
"""Read-after-write consistency under load.

One writer PUTs ever-increasing prices for one product, pausing between
writes; N readers GET the product and a list containing it over keep-alive
connections. PORTS may list several hosts ("5081,5085": app hosts sharing
one Redis and MySQL): the writer uses the first, reader n uses port n mod
count. Every read records when it was sent; every write when its
response arrived. A read sent after a write's response must show that
write's price or a newer one. Prints one RESULT line; exits 1 on any
violation or error.

usage: consistency.py HOST PORTS TOKEN READERS SECONDS [WRITE_PAUSE_S]
"""
import http.client
import json
import sys
import threading
import time

host, token = sys.argv[1], sys.argv[3]
ports = [int(p) for p in sys.argv[2].split(",")]
readers, duration = int(sys.argv[4]), float(sys.argv[5])
# Pause between writes (s). A write invalidates every answer, and a rebuild
# takes DB_DELAY_MS: a longer pause leaves time for hits between writes.
write_pause = float(sys.argv[6]) if len(sys.argv) > 6 else 0.05
PRODUCT = 5
stop_at = time.monotonic() + duration
writes = []  # (response received, price)
reads = []  # (request sent, price seen, x-cache, x-cache-layer)
errors = []
lock = threading.Lock()


def writer():
    conn = http.client.HTTPConnection(host, ports[0], timeout=10)
    price = 1000
    while time.monotonic() < stop_at:
        price += 1
        body = json.dumps({"name": "Consistency probe", "price": price})
        conn.request("PUT", f"/products/{PRODUCT}", body,
                     {"Authorization": f"Bearer {token}",
                      "Content-Type": "application/json"})
        resp = conn.getresponse()
        resp.read()
        done = time.monotonic()
        with lock:
            if resp.status == 200:
                writes.append((done, price))
            else:
                errors.append(f"PUT -> {resp.status}")
        time.sleep(write_pause)  # leave time for reads to hit the cache


def reader(n):
    conn = http.client.HTTPConnection(host, ports[n % len(ports)], timeout=10)
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
            p for p in doc if p["id"] == PRODUCT)
        with lock:
            reads.append((sent, item["price"], resp.getheader("X-Cache"),
                          resp.getheader("X-Cache-Layer")))


threads = [threading.Thread(target=writer)] + [
    threading.Thread(target=reader, args=(n,)) for n in range(readers)]
for t in threads:
    t.start()
for t in threads:
    t.join()

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
