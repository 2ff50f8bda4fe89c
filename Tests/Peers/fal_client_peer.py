#!/usr/bin/env python3
"""Peer test: the OFFICIAL fal_client (sync client) against a running MAGI Studio FalEmulator, as
in production: https on fal's own host names.

Usage: python3 fal_client_peer.py <emulator base URL, e.g. http://127.0.0.1:PORT>

The client is not patched. Its world is: fal's host names (queue.fal.run, fal.run, rest.fal.ai,
v3.fal.media) resolve to a TLS front on loopback (socket.getaddrinfo answers for them, as an
/etc/hosts entry would), the front's certificate is signed by a CA made for this run and trusted
through SSL_CERT_FILE, and the front forwards each request to the emulator with its Host and
`X-Forwarded-Proto: https`, so the emulator answers with the URLs fal would. A connection the
emulator drops is dropped by the front too. Only MULTIPART_THRESHOLD and MULTIPART_CHUNK_SIZE are
lowered, so the CDN multipart flow runs on a 1.5 MiB file rather than a 100 MiB one.

Faults are set through the emulator's control route (POST /_emulator/faults) and each scenario
counts what the client sent in its request log (GET /_emulator/requests), reset before each one.

The emulator is expected to run with ONE worker so that a second request waits in the queue, and a
minimum time in queue long enough for a 20 ms poll to see IN_QUEUE.
Exits non-zero with a message on the first failure; prints "N passed, 0 failed" at the end.
"""
import http.client
import http.server
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback

APP = "fal-ai/magi-distilled"
QUICK = {"prompt": "a red fox", "resolution": "480p", "num_frames": 96, "num_inference_steps": 4, "aspect_ratio": "1:1"}
FAL_HOSTS = ["fal.run", "queue.fal.run", "rest.fal.ai", "v3.fal.media", "falrun.com", "queue.falrun.com"]
QUEUE = "https://queue.fal.run/"
CDN = "https://v3.fal.media/files/"


class PeerFailure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise PeerFailure(message)


def make_certificates(directory):
    """A CA and a certificate for fal's host names signed by it; returns (ca, cert, key) paths."""
    ca_key, ca = os.path.join(directory, "ca.key"), os.path.join(directory, "ca.pem")
    key, csr, cert = (os.path.join(directory, name) for name in ("front.key", "front.csr", "front.pem"))
    extensions = os.path.join(directory, "san.cnf")
    with open(extensions, "w") as handle:
        handle.write("subjectAltName=" + ",".join("DNS:" + host for host in FAL_HOSTS) + "\n")
        handle.write("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")

    def openssl(*arguments):
        subprocess.run(["openssl", *arguments], check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca, "-days", "2",
            "-subj", "/CN=MAGI peer test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=queue.fal.run")
    openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", cert,
            "-days", "2", "-extfile", extensions)
    return ca, cert, key


class Front(http.server.ThreadingHTTPServer):
    daemon_threads = True


def start_front(upstream_host, upstream_port, cert, key):
    """A TLS-terminating reverse proxy on loopback that forwards to the emulator; returns its port."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {name: value for name, value in self.headers.items() if name.lower() != "connection"}
            headers["X-Forwarded-Proto"] = "https"
            upstream = http.client.HTTPConnection(upstream_host, upstream_port, timeout=120)
            try:
                upstream.request(self.command, self.path, body=body, headers=headers)
                response = upstream.getresponse()
                payload = response.read()
            except (http.client.HTTPException, OSError):
                # The emulator closed without (a whole) answer: so does the front.
                self.close_connection = True
                return
            finally:
                upstream.close()
            self.send_response_only(response.status, response.reason)
            for name, value in response.getheaders():
                if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = forward

    server = Front(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def resolve_fal_hosts_to(port):
    """fal's host names resolve to the front, whatever port the client asks for (443)."""
    original = socket.getaddrinfo

    def getaddrinfo(host, service, *args, **kwargs):
        if isinstance(host, bytes):
            host = host.decode()
        if host in FAL_HOSTS:
            return original("127.0.0.1", port, *args, **kwargs)
        return original(host, service, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo


def main():
    if len(sys.argv) != 2:
        print("usage: fal_client_peer.py <base URL>", file=sys.stderr)
        return 2
    base = sys.argv[1].rstrip("/")
    upstream = base.split("://", 1)[1]
    upstream_host, upstream_port = upstream.rsplit(":", 1)
    workspace = tempfile.mkdtemp(prefix="fal-peer-")
    ca, cert, key = make_certificates(workspace)
    os.environ["SSL_CERT_FILE"] = ca
    resolve_fal_hosts_to(start_front(upstream_host, int(upstream_port), cert, key))

    import httpx
    import fal_client
    import fal_client.client as fc

    check(fc.QUEUE_URL_FORMAT == QUEUE and fc.RUN_URL_FORMAT == "https://fal.run/", "the client's hosts are fal's")
    fc.MULTIPART_THRESHOLD = 1024 * 1024
    fc.MULTIPART_CHUNK_SIZE = 512 * 1024
    client = fal_client.SyncClient(key=os.environ.get("FAL_KEY", "peer-key-id:peer-key-secret"))
    raw = httpx.Client(timeout=30)  # reaches https://v3.fal.media through the front too
    control = httpx.Client(base_url=base, timeout=30, trust_env=False)

    def faults(*rules):
        response = control.post("/_emulator/faults", json=list(rules))
        check(response.status_code == 200, f"setting faults: {response.status_code} {response.text}")

    def logged(suffix=None, method=None):
        entries = control.get("/_emulator/requests").json()["requests"]
        return [entry for entry in entries
                if (suffix is None or entry["path"].endswith(suffix)) and (method is None or entry["method"] == method)]

    def test_submit_status_logs_result():
        handle = client.submit(APP, QUICK)
        prefix = QUEUE + APP + "/requests/" + handle.request_id
        check(handle.status_url == prefix + "/status", f"status_url {handle.status_url}")
        check(handle.response_url == prefix and handle.cancel_url == prefix + "/cancel", "response/cancel urls")
        seen = list(handle.iter_events(with_logs=True, interval=0.02))
        kinds = [type(status).__name__ for status in seen]
        check(kinds[0] == "Queued", f"first status is not IN_QUEUE: {kinds}")
        check("InProgress" in kinds and kinds.index("InProgress") > 0, f"no IN_PROGRESS after IN_QUEUE: {kinds}")
        final = seen[-1]
        check(isinstance(final, fal_client.Completed), f"last status {final!r}")
        check(final.error is None, f"unexpected error {final.error}")
        messages = [entry["message"] for entry in (final.logs or [])]
        check("Step 4/4" in messages, f"missing step logs in {messages}")
        check("inference_time" in final.metrics, f"metrics {final.metrics}")
        output = handle.get()
        check(output["video"]["content_type"] == "video/mp4", f"output {output}")
        check(output["video"]["url"].startswith(CDN), f"video url {output['video']['url']}")
        check(isinstance(output["seed"], int), "seed")
        # The rebuilt-URL path: result(app, id) goes through QUEUE_URL_FORMAT.
        again = client.result(APP + "/image-to-video", handle.request_id)
        check(again == output, "result(app, id) differs from handle.get()")
        video = raw.get(output["video"]["url"])
        check(video.status_code == 200 and video.content[4:8] == b"ftyp", "video is not an MP4")
        check(len(video.content) == output["video"]["file_size"], "file_size mismatch")
        hosts = {entry["host"] for entry in logged()}
        check(hosts == {"queue.fal.run", "v3.fal.media"}, f"the client reached other hosts: {hosts}")

    def test_subscribe_with_queue_updates():
        updates = []
        enqueued = []
        output = client.subscribe(
            APP, QUICK, with_logs=True, interval=0.02,
            on_enqueue=enqueued.append,
            on_queue_update=lambda status: updates.append(status))
        check(len(enqueued) == 1, "on_enqueue not called once")
        check(isinstance(updates[0], fal_client.Queued), f"first update not Queued: {updates[0]!r}")
        check(any(isinstance(s, fal_client.InProgress) for s in updates), f"no InProgress in {updates}")
        check(isinstance(updates[-1], fal_client.Completed), "last update not Completed")
        logs = [entry["message"] for s in updates if isinstance(s, fal_client.InProgress) for entry in (s.logs or [])]
        print("    on_queue_update logs:", ", ".join(logs[-3:]))
        check(output["video"]["url"].startswith(CDN), f"video url {output['video']['url']}")

    def test_cancel_queued_and_running():
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
        for status in long_job.iter_events(interval=0.02):
            if isinstance(status, fal_client.InProgress):
                break
        check(isinstance(long_job.status(), fal_client.InProgress), "the long job should be running")
        long_job.cancel()
        ended = None
        for ended in long_job.iter_events(interval=0.02):
            pass
        check(ended.error_type == "request_cancelled", f"running job cancelled as {ended.error_type}")
        try:
            long_job.cancel()
            raise PeerFailure("a second cancel did not raise")
        except fal_client.FalClientHTTPError as error:
            check(error.status_code == 400, f"second cancel status {error.status_code}")

    def test_validation_error():
        handle = client.submit(APP + "/image-to-video", {"prompt": "x", "num_frames": 500})
        try:
            handle.get(interval=0.02)
            raise PeerFailure("invalid input did not raise")
        except fal_client.FalClientHTTPError as error:
            check(error.status_code == 422, f"status {error.status_code}")
            fields = sorted(item["loc"][-1] for item in error.response.json()["detail"])
            check(fields == ["image_url", "num_frames"], f"fields {fields}")

    def test_run_sync():
        output = client.run(APP, QUICK)
        check(output["video"]["content_type"] == "video/mp4", f"run output {output}")
        check(output["video"]["url"].startswith(CDN), f"run video url {output['video']['url']}")
        check([entry["host"] for entry in logged(method="POST")] == ["fal.run"], "run() posts to fal.run once")
        check(not logged("/status"), "run() does not poll")
        try:
            client.run(APP + "/image-to-video", {"prompt": "x"})
            raise PeerFailure("invalid run did not raise")
        except fal_client.FalClientHTTPError as error:
            check(error.status_code == 422, f"invalid run status {error.status_code}")

    def test_upload_file_cdn():
        payload = os.urandom(200_000)
        with tempfile.NamedTemporaryFile(suffix=".png", delete=False) as handle:
            handle.write(payload)
            path = handle.name
        try:
            url = client.upload_file(path)
        finally:
            os.unlink(path)
        check(url.startswith(CDN), f"upload url {url}")
        response = raw.get(url)
        check(response.status_code == 200, f"GET {url}: {response.status_code}")
        check(response.content == payload, "uploaded bytes differ")
        check(response.headers["content-type"] == "image/png", f"content-type {response.headers['content-type']}")
        ranged = raw.get(url, headers={"Range": "bytes=1000-"})
        check(ranged.status_code == 206 and ranged.content == payload[1000:], "range GET")

    def test_upload_multipart_cdn():
        payload = os.urandom(1536 * 1024)
        url = client.upload(payload, "application/octet-stream", file_name="big.bin")
        check(url.startswith(CDN), f"multipart url {url}")
        parts = [entry for entry in logged(method="PUT") if "/multipart/" in entry["path"]]
        check(len(parts) == 3, f"expected 3 parts of 512 KiB, saw {len(parts)}")
        check(len(logged("/complete", method="POST")) == 1, "one multipart complete")
        check(raw.get(url).content == payload, "multipart bytes differ")

    def test_upload_fal_repository():
        payload = b"hello from the fal repository\n" * 100
        url = client.upload(payload, "text/plain", file_name="hello.txt", repository="fal")
        check(url.startswith(CDN), f"fal repository url {url}")
        response = raw.get(url)
        check(response.content == payload, "fal repository bytes differ")
        check(response.headers["content-type"].startswith("text/plain"), "fal repository content type")
        check([entry["host"] for entry in logged("/storage/upload/initiate")] == ["rest.fal.ai"], "initiate on rest")

    def test_upload_falls_back_to_fal():
        # The CDN upload fails with a platform 500 (not retried): the client falls back to `fal`.
        faults({"kind": "cdn_upload", "action": "status", "status": 500, "count": 1})
        payload = os.urandom(5000)
        url = client.upload(payload, "application/octet-stream", file_name="fallback.bin")
        check(url.startswith(CDN), f"fallback url {url}")
        check(raw.get(url).content == payload, "fallback bytes differ")
        check([entry["status"] for entry in logged("/files/upload")] == [500], "one failed CDN upload")
        check(len(logged("/storage/upload/initiate")) == 1, "then the storage initiate")

    def test_retries_on_429_drops_and_ingress_503():
        faults({"kind": "submit", "action": "status", "status": 429, "retry_after": 1, "count": 2},
               {"kind": "status", "action": "drop", "count": 2},
               {"kind": "result", "action": "ingress", "status": 503, "count": 2})
        handle = client.submit(APP, QUICK)
        check([entry["status"] for entry in logged(method="POST")] == [429, 429, 200], f"submits {logged(method='POST')}")
        check(isinstance(handle.status(), (fal_client.Queued, fal_client.InProgress, fal_client.Completed)), "status")
        statuses = [entry["status"] for entry in logged("/status")]
        check(statuses[:2] == [0, 0] and statuses[2] in (200, 202), f"status calls {statuses}")
        output = handle.get()
        check(output["video"]["url"].startswith(CDN), "result after ingress errors")
        results = [entry["status"] for entry in logged("/requests/" + handle.request_id)]
        check(results == [503, 503, 200], f"result calls {results}")

    def test_platform_503_is_not_retried():
        handle = client.submit(APP, QUICK)
        faults({"kind": "cancel", "action": "status", "status": 503, "count": 1})
        try:
            handle.cancel()
            raise PeerFailure("a platform 503 on cancel did not raise")
        except fal_client.FalClientHTTPError as error:
            check(error.status_code == 503, f"cancel status {error.status_code}")
        check(len(logged("/cancel")) == 1, "a 503 with x-fal-request-id is not retried")
        for _ in handle.iter_events(interval=0.02):
            pass

    tests = [
        test_submit_status_logs_result,
        test_subscribe_with_queue_updates,
        test_cancel_queued_and_running,
        test_validation_error,
        test_run_sync,
        test_upload_file_cdn,
        test_upload_multipart_cdn,
        test_upload_fal_repository,
        test_upload_falls_back_to_fal,
        test_retries_on_429_drops_and_ingress_503,
        test_platform_503_is_not_retried,
    ]
    passed = 0
    for test in tests:
        reset = control.post("/_emulator/reset")
        check(reset.status_code == 200, f"reset: {reset.status_code}")
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
