#!/usr/bin/env python3
"""One job through the OFFICIAL fal Python client, for the benchmark's follow comparison.

Usage: fal_peer.py <emulator base URL> <input JSON>

Points fal_client at the emulator by its module constants (as Tests/Peers/fal_client_peer.py does),
runs SyncClient.subscribe(with_logs=True) with the client's default poll interval, and prints
{"request_id", "known_at"}: known_at is time.time() when the client handed over the Completed status.
"""
import json
import sys
import time

import fal_client
import fal_client.client as fc


def main():
    base, payload = sys.argv[1].rstrip("/"), json.loads(sys.argv[2])
    fc.QUEUE_URL_FORMAT = base + "/"
    fc.RUN_URL_FORMAT = base + "/"
    fc.REST_URL = base
    fc.CDN_URL = base
    client = fal_client.SyncClient(key="bench-key-id:bench-key-secret")
    seen = {}

    def on_update(status):
        if isinstance(status, fal_client.Completed) and "known_at" not in seen:
            seen["known_at"] = time.time()

    client.subscribe("fal-ai/magi-distilled", payload, with_logs=True,
                     on_enqueue=lambda request_id: seen.setdefault("request_id", request_id),
                     on_queue_update=on_update)
    print(json.dumps(seen))


if __name__ == "__main__":
    main()
