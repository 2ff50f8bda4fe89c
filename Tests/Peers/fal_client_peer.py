#!/usr/bin/env python3
"""Peer test: the OFFICIAL fal_client (sync client) against a running MAGI Studio FalEmulator.

Usage: python3 fal_client_peer.py <emulator base URL, e.g. http://127.0.0.1:PORT>

Only the hosts are changed: the module constants fal_client.client.QUEUE_URL_FORMAT,
RUN_URL_FORMAT, REST_URL and CDN_URL are pointed at the emulator before the client is built (the
CDN token manager captures REST_URL when it is created). fal_client's backup-domain logic only maps
fal.run / queue.fal.run, so a loopback host is never rewritten. Everything else is the stock client.

The emulator is expected to run with ONE worker so that a second request waits in the queue.
Exits non-zero with a message on the first failure; prints "N passed, 0 failed" at the end.
"""
import os
import sys
import tempfile
import traceback

import httpx
import fal_client
import fal_client.client as fc

APP = "fal-ai/magi-distilled"
QUICK = {"prompt": "a red fox", "resolution": "480p", "num_frames": 96, "num_inference_steps": 4, "aspect_ratio": "1:1"}


class PeerFailure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise PeerFailure(message)


def main():
    if len(sys.argv) != 2:
        print("usage: fal_client_peer.py <base URL>", file=sys.stderr)
        return 2
    base = sys.argv[1].rstrip("/")
    fc.QUEUE_URL_FORMAT = base + "/"
    fc.RUN_URL_FORMAT = base + "/"
    fc.REST_URL = base
    fc.CDN_URL = base
    client = fal_client.SyncClient(key=os.environ.get("FAL_KEY", "peer-key-id:peer-key-secret"))
    raw = httpx.Client(timeout=30)

    def test_submit_status_logs_result():
        handle = client.submit(APP, QUICK)
        check(handle.status_url.startswith(base + "/" + APP + "/requests/"), f"status_url {handle.status_url}")
        seen = []
        for status in handle.iter_events(with_logs=True, interval=0.02):
            seen.append(status)
        final = seen[-1]
        check(isinstance(final, fal_client.Completed), f"last status {final!r}")
        check(final.error is None, f"unexpected error {final.error}")
        messages = [entry["message"] for entry in (final.logs or [])]
        check("Step 4/4" in messages, f"missing step logs in {messages}")
        check("inference_time" in final.metrics, f"metrics {final.metrics}")
        output = handle.get()
        check(output["video"]["content_type"] == "video/mp4", f"output {output}")
        check(isinstance(output["seed"], int), "seed")
        # The rebuilt-URL path: result(app, id) goes through QUEUE_URL_FORMAT.
        again = client.result(APP + "/image-to-video", handle.request_id)
        check(again == output, "result(app, id) differs from handle.get()")
        video = raw.get(output["video"]["url"])
        check(video.status_code == 200 and video.content[4:8] == b"ftyp", "video is not an MP4")
        check(len(video.content) == output["video"]["file_size"], "file_size mismatch")

    def test_subscribe_with_queue_updates():
        updates = []
        enqueued = []
        output = client.subscribe(
            APP, QUICK, with_logs=True, interval=0.02,
            on_enqueue=enqueued.append,
            on_queue_update=lambda status: updates.append(status))
        check(len(enqueued) == 1, "on_enqueue not called once")
        check(any(isinstance(s, fal_client.InProgress) for s in updates), f"no InProgress in {updates}")
        check(isinstance(updates[-1], fal_client.Completed), "last update not Completed")
        logs = [entry["message"] for s in updates if isinstance(s, fal_client.InProgress) for entry in (s.logs or [])]
        print("    on_queue_update logs:", ", ".join(logs[-3:]))
        check(output["video"]["url"].startswith(base), f"video url {output['video']['url']}")

    def test_cancel_queued():
        long_job = client.submit(APP, dict(QUICK, num_inference_steps=32))
        queued = client.submit(APP, QUICK)
        status = queued.status()
        check(isinstance(status, fal_client.Queued), f"second request should be queued, got {status!r}")
        queued.cancel()
        final = queued.status(with_logs=True)
        check(isinstance(final, fal_client.Completed), f"cancelled request status {final!r}")
        check(final.error_type == "request_cancelled", f"error_type {final.error_type}")
        try:
            queued.get(interval=0.02)
            raise PeerFailure("result of a cancelled request did not raise")
        except fal_client.FalClientHTTPError as error:
            check(error.status_code == 400, f"cancelled result status {error.status_code}")
        long_job.cancel()
        try:
            long_job.cancel()
        except fal_client.FalClientHTTPError as error:
            check(error.status_code == 400, f"second cancel status {error.status_code}")
        for _ in long_job.iter_events(interval=0.02):
            pass

    def test_validation_error():
        handle = client.submit(APP + "/image-to-video", {"prompt": "x", "num_frames": 500})
        try:
            handle.get(interval=0.02)
            raise PeerFailure("invalid input did not raise")
        except fal_client.FalClientHTTPError as error:
            check(error.status_code == 422, f"status {error.status_code}")
            fields = sorted(item["loc"][-1] for item in error.response.json()["detail"])
            check(fields == ["image_url", "num_frames"], f"fields {fields}")

    def test_upload_file_cdn():
        payload = os.urandom(200_000)
        with tempfile.NamedTemporaryFile(suffix=".png", delete=False) as handle:
            handle.write(payload)
            path = handle.name
        try:
            url = client.upload_file(path)
        finally:
            os.unlink(path)
        check(url.startswith(base + "/files/"), f"upload url {url}")
        response = raw.get(url)
        check(response.status_code == 200, f"GET {url}: {response.status_code}")
        check(response.content == payload, "uploaded bytes differ")
        check(response.headers["content-type"] == "image/png", f"content-type {response.headers['content-type']}")
        ranged = raw.get(url, headers={"Range": "bytes=1000-"})
        check(ranged.status_code == 206 and ranged.content == payload[1000:], "range GET")

    def test_upload_fal_repository():
        payload = b"hello from the fal repository\n" * 100
        url = client.upload(payload, "text/plain", file_name="hello.txt", repository="fal")
        response = raw.get(url)
        check(response.content == payload, "fal repository bytes differ")
        check(response.headers["content-type"].startswith("text/plain"), "fal repository content type")

    def test_upload_falls_back_to_fal():
        # Break the CDN host only: fal_v3 fails with 404 and the client falls back to `fal`.
        saved = fc.CDN_URL
        fc.CDN_URL = base + "/no-cdn-here"
        try:
            payload = os.urandom(5000)
            url = client.upload(payload, "application/octet-stream", file_name="fallback.bin")
        finally:
            fc.CDN_URL = saved
        check("/files/" in url, f"fallback url {url}")
        check(raw.get(url).content == payload, "fallback bytes differ")

    tests = [
        test_submit_status_logs_result,
        test_subscribe_with_queue_updates,
        test_cancel_queued,
        test_validation_error,
        test_upload_file_cdn,
        test_upload_fal_repository,
        test_upload_falls_back_to_fal,
    ]
    passed = 0
    for test in tests:
        try:
            test()
        except Exception as error:  # noqa: BLE001 - report any failure, with context
            print(f"FAIL {test.__name__}: {error}", file=sys.stderr)
            traceback.print_exc()
            print(f"{passed} passed, 1 failed", file=sys.stderr)
            return 1
        passed += 1
        print(f"ok   {test.__name__}")
    print(f"{passed} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
