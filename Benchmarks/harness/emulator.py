"""A standalone `magi-studio emulator --port 0` that the CLI, bench-follow, curl and fal_client talk to."""
import json
import os
import select
import subprocess
import urllib.parse
import urllib.request

from common import STUDIO, Home


class Emulator:
    def __init__(self, workers, step_ms):
        self.home = Home("emulator")
        self.data = os.path.join(self.home.root, "emulator-data")
        self.process = subprocess.Popen(
            [STUDIO, "emulator", "--port", "0", "--workers", str(workers), "--step-ms", str(step_ms),
             "--data-dir", self.data],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=self.home.env(), text=True)
        ready, _, _ = select.select([self.process.stdout], [], [], 20)
        if not ready:
            self.stop()
            raise RuntimeError("emulator did not print its URL")
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http://127.0.0.1:"):
            self.stop()
            raise RuntimeError(f"unexpected emulator URL {self.url!r}")

    def metrics(self):
        with urllib.request.urlopen(self.url + "/_emulator/metrics", timeout=10) as response:
            return json.load(response)

    def post_json(self, path, body):
        request = urllib.request.Request(self.url + path, data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json", "Authorization": "Key bench:x"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def forget_file(self, file_url):
        """Deletes the bytes behind a stored file's URL (`/files/<key>/<name>` under our --data-dir).

        For uploads that are timed and never read again. Kept, each 500 MB upload grew the page
        cache by 500 MB, so the next large write had to use memory the kernel had not handed out
        before, which on the benchmark VM costs ~8× the kernel time (see bench_transfers).
        """
        key_and_name = urllib.parse.urlsplit(file_url).path.split("/files/", 1)[1]
        os.remove(os.path.join(self.data, "files", *map(urllib.parse.unquote, key_and_name.split("/"))))

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.home.remove()
