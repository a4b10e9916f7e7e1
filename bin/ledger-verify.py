#!/usr/bin/env python3
"""Verify a SynthRay ledger without SynthRay's code (docs/provenance.md).

  bin/ledger-verify.py http://127.0.0.1:8080          # through the REST API
  bin/ledger-verify.py --token "$TOKEN" https://...   # with authentication on (or SYNTHRAY_TOKEN=...)
  bin/ledger-verify.py ledger.csv                     # a psql export (see docs/provenance.md)

Prints "ok <events> <head hash>" and exits 0, or names the first event that does not match and
exits 1; exits 2 with the reason when the ledger cannot be read (refused, unreachable, not a
ledger). The token is an admin's or auditor's bearer access token. Needs only Python 3's standard
library.
"""
import os
import urllib.error
import csv
import hashlib
import json
import sys
import urllib.request


class Unreadable(Exception):
    """The ledger could not be read: said in one line, without a traceback."""


def events_from_rest(base, head, token):
    after = 0
    while True:
        url = f"{base.rstrip('/')}/api/ledger?after={after}&limit=1000"
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                page = json.load(r)
        except urllib.error.HTTPError as e:
            hint = " (pass an admin's or auditor's access token with --token or SYNTHRAY_TOKEN)" \
                if e.code in (401, 403) else ""
            raise Unreadable(f"{url}: HTTP {e.code} {e.reason}{hint}")
        except (urllib.error.URLError, OSError) as e:
            raise Unreadable(f"{url}: {getattr(e, 'reason', e)}")
        except ValueError:
            raise Unreadable(f"{url}: the answer is not a ledger page (JSON)")
        head.setdefault("seq", page["head"])
        for e in page["events"]:
            yield e["seq"], e["time"], e["actor"], e["type"], e["payload_text"], e["prev_hash"], e["hash"]
        if page["next_after"] is None:
            return
        after = page["next_after"]


def events_from_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        for seq, time, actor, type_, payload, prev_hash, hash_ in csv.reader(f):
            yield int(seq), time, actor, type_, payload, prev_hash, hash_


def main(source, token=None):
    head = {}  # the REST API also says how many events there should be
    events = events_from_rest(source, head, token) if source.startswith("http") else events_from_csv(source)
    prev, count = "0" * 64, 0
    for seq, time, actor, type_, payload, prev_hash, hash_ in events:
        # The hashed text: canonical JSON of the event, the stored payload text inserted verbatim.
        text = '{"actor":%s,"payload":%s,"seq":%d,"time":%s,"type":%s}' % (
            json.dumps(actor, ensure_ascii=False), payload, seq, json.dumps(time), json.dumps(type_))
        if seq != count + 1:
            return fail(count + 1, f"missing (next stored event is {seq})")
        if prev_hash != prev:
            return fail(seq, "prev_hash is not the previous event's hash")
        if hashlib.sha256((prev + text).encode("utf-8")).hexdigest() != hash_:
            return fail(seq, "its contents do not hash to its stored hash")
        prev, count = hash_, seq
    if count < head.get("seq", 0):
        return fail(count + 1, f"missing: the ledger's head is event {head['seq']}")
    print(f"ok {count} {prev}")
    return 0


def fail(seq, why):
    print(f"event {seq}: {why}")
    return 1


def cli(argv):
    token = os.environ.get("SYNTHRAY_TOKEN")
    args = []
    i = 0
    while i < len(argv):
        if argv[i] == "--token" and i + 1 < len(argv):
            token = argv[i + 1]
            i += 2
        elif argv[i].startswith("--token="):
            token = argv[i][len("--token="):]
            i += 1
        else:
            args.append(argv[i])
            i += 1
    try:
        return main(args[0] if args else "http://127.0.0.1:8080", token)
    except Unreadable as e:
        print(f"cannot read the ledger: {e}", file=sys.stderr)
        return 2
    except (OSError, csv.Error, ValueError) as e:
        print(f"cannot read the ledger: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(cli(sys.argv[1:]))
