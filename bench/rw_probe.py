"""The writer and readers that consistency.py (tests) and staleness.py
(the ladder bench) both run; each only analyses what they record.

One writer PUTs an ever-increasing price on product PRODUCT, pausing
write_pause s between writes, and records when each write's 2xx arrived.
`readers` threads GET /products/PRODUCT and /products?limit=10 in turn, each
on its own keep-alive connection (no cookies: they are "everyone else" to the
edge cache), and record when each read was sent, the price it showed and its
X-Cache and X-Cache-Layer headers. PORTS may list several app hosts: the
writer uses the first, reader n port n mod count.
"""
import http.client
import json
import threading
import time

PRODUCT = 5
# Set (a signal handler in the caller) to end a run before its duration:
# a scenario that lasts as long as it takes, then the report as at the end.
STOP = threading.Event()


def run(host, ports, token, readers, duration, write_pause):
    """Runs the probe for duration s. Returns (writes, reads, errors):
    writes [(ack time, price)] in order (prices only grow), reads
    [(sent, price, x_cache, x_cache_layer)], errors ["PUT -> 503", ...]."""
    stop_at = time.monotonic() + duration
    writes, reads, errors = [], [], []
    lock = threading.Lock()

    def writer():
        conn = http.client.HTTPConnection(host, ports[0], timeout=10)
        price = 1000.0 + (time.time() % 100000)  # above any earlier run's
        while time.monotonic() < stop_at and not STOP.is_set():
            price = round(price + 0.01, 2)
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
        conn = http.client.HTTPConnection(host, ports[n % len(ports)],
                                          timeout=10)
        paths = [f"/products/{PRODUCT}", "/products?limit=10"]
        i = n
        while time.monotonic() < stop_at and not STOP.is_set():
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
                reads.append((sent, item["price"], resp.getheader("X-Cache"),
                              resp.getheader("X-Cache-Layer")))

    threads = [threading.Thread(target=writer)] + [
        threading.Thread(target=reader, args=(n,)) for n in range(readers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return writes, reads, errors
