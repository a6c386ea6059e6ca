#!/usr/bin/env python3
"""Read-after-write consistency of the whole catalogue under POST, PUT and
DELETE (issue 19): scoped invalidation must find every answer a write
changes.

One writer runs, one at a time, POSTs (new rows at the end), PUTs (a new
price for a row, old or new) and DELETEs (of rows it created, so that pages
after a deleted row shift), and keeps a model of the catalogue after each
acknowledged write: version k is the catalogue after the k-th write. READERS
readers each read, on a keep-alive connection, in turn: items (live,
deleted, never created), and many pages (early ones; pages around and after
the rows the writer inserts and deletes; the last page; pages past the end).

A 503 (the rebuild cap turning a miss away, with Retry-After) is counted
as busy, not as a read: it shows no data. A read sent after write k's 2xx
arrived, whose answer arrived before write
m was sent, must show exactly the catalogue of some version in [k, m-1]:
the same rows with the same prices (a page), the same row (an item) or a
404 (an item absent from that version). Anything else is stale. Prints one
RESULT line; exits 1 on any stale read, error, or when nothing was
exercised.

usage: consistency_catalogue.py HOST PORT TOKEN READERS SECONDS
"""
import http.client
import json
import random
import sys
import threading
import time

LIMITS = (1, 3, 10)


def fetch_catalogue(conn):
    rows, offset = {}, 0
    while True:
        conn.request("GET", f"/products?limit=100&offset={offset}")
        resp = conn.getresponse()
        page = json.loads(resp.read())
        if resp.status != 200:
            sys.exit(f"catalogue read -> {resp.status}")
        for p in page:
            rows[p["id"]] = p["price"]
        if len(page) < 100:
            return rows
        offset += 100


def main():
    host, port, token = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    readers, duration = int(sys.argv[4]), float(sys.argv[5])
    conn = http.client.HTTPConnection(host, port, timeout=10)
    versions = [fetch_catalogue(conn)]  # version 0: before any write
    acked = [0.0]  # acked[k]: when write k's 2xx arrived
    sent_at = [0.0]  # sent_at[k]: when write k was sent
    lock = threading.Lock()
    stop_at = time.monotonic() + duration
    reads, errors, stale = [], [], []
    counts = {"POST": 0, "PUT": 0, "DELETE": 0, "busy": 0}
    auth = {"Authorization": f"Bearer {token}",
            "Content-Type": "application/json"}
    first_new = max(versions[0]) + 1 if versions[0] else 1

    def writer():
        w = http.client.HTTPConnection(host, port, timeout=10)
        created = []
        price = 5000.0 + (time.time() % 1000)
        rng = random.Random(1)
        while time.monotonic() < stop_at:
            cur = dict(versions[-1])
            op = rng.choice(("POST", "POST", "PUT", "PUT", "PUT", "DELETE")
                            if created else ("POST",))
            price = round(price + 0.01, 2)
            body = json.dumps({"name": "Scoped probe", "price": price})
            if op == "POST":
                path, data = "/products", body
            elif op == "PUT":
                target = rng.choice(created + list(versions[0])[:20])
                if target not in cur:
                    continue
                path, data = f"/products/{target}", body
            else:
                target = rng.choice(created)
                created.remove(target)
                path, data = f"/products/{target}", None
            with lock:
                sent_at.append(time.monotonic())
            w.request(op if op != "POST" else "POST", path, data,
                      auth if data else {"Authorization": auth["Authorization"]})
            resp = w.getresponse()
            answer = resp.read()
            if resp.status not in (200, 201, 204):
                with lock:
                    errors.append(f"{op} {path} -> {resp.status}")
                    sent_at.pop()
                break
            if op == "POST":
                new_id = json.loads(answer)["id"]
                created.append(new_id)
                cur[new_id] = price
            elif op == "PUT":
                cur[target] = price
            else:
                del cur[target]
            with lock:
                versions.append(cur)
                acked.append(time.monotonic())
                counts[op] += 1
            time.sleep(0.05)

    def pick(rng):
        """A path to read: an item or a page, weighted towards the rows
        the writer changes and the end of the catalogue."""
        with lock:
            n = len(versions[-1])
            top = max(versions[-1]) if versions[-1] else 0
        kind = rng.random()
        if kind < 0.35:
            ident = rng.choice((rng.randint(1, 20), rng.randint(first_new,
                                                                top + 3),
                                4000000000))
            return f"/products/{ident}", ("item", ident)
        limit = rng.choice(LIMITS)
        offset = rng.choice((rng.randint(0, 20), max(0, n - rng.randint(0, 25)),
                             n + rng.randint(0, 5), max(0, n - limit)))
        return (f"/products?limit={limit}&offset={offset}",
                ("page", limit, offset))

    def reader(n):
        r = http.client.HTTPConnection(host, port, timeout=10)
        rng = random.Random(100 + n)
        while time.monotonic() < stop_at:
            path, what = pick(rng)
            with lock:
                after = len(acked) - 1  # the newest acknowledged write
            sent = time.monotonic()
            r.request("GET", path)
            resp = r.getresponse()
            data = resp.read()
            done = time.monotonic()
            with lock:
                # Writes sent before the answer arrived may show in it.
                upto = max(k for k in range(len(sent_at))
                           if sent_at[k] <= done)
            if resp.status == 503:
                with lock:
                    counts["busy"] += 1
                continue
            if resp.status not in (200, 404):
                with lock:
                    errors.append(f"GET {path} -> {resp.status}")
                continue
            reads.append((path, what, resp.status, data, after, upto,
                          resp.getheader("X-Cache")))

    threads = [threading.Thread(target=writer)] + [
        threading.Thread(target=reader, args=(i,)) for i in range(readers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    def expected(version, what):
        cat = versions[version]
        if what[0] == "item":
            return (200, cat[what[1]]) if what[1] in cat else (404, None)
        ids = sorted(cat)[what[2]:what[2] + what[1]]
        return 200, [(i, cat[i]) for i in ids]

    def shown(status, data, what):
        if status == 404:
            return 404, None
        doc = json.loads(data)
        if what[0] == "item":
            return 200, doc["price"]
        return 200, [(p["id"], p["price"]) for p in doc]

    kinds = {"item": 0, "page": 0}
    for path, what, status, data, after, upto, _ in reads:
        kinds[what[0]] += 1
        upto = min(upto, len(versions) - 1)
        got = shown(status, data, what)
        if not any(expected(v, what) == got for v in range(after, upto + 1)):
            stale.append(f"{path}: got {got!s:.120} after write {after}")
    hits = sum(1 for r in reads if r[6] == "HIT")
    print(f"RESULT reads={len(reads)} items={kinds['item']} "
          f"pages={kinds['page']} hits={hits} posts={counts['POST']} "
          f"puts={counts['PUT']} deletes={counts['DELETE']} "
          f"busy={counts['busy']} stale_reads={len(stale)} "
          f"errors={len(errors)}")
    for line in (stale + errors)[:5]:
        print("problem:", line)
    ok = (not stale and not errors and hits and
          all(counts[k] for k in ("POST", "PUT", "DELETE")))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
