"""Start, watch and stop a real `plexus serve` for the end-to-end, load and benchmark scripts.

The binary is $PLEXUS (as tests/cli/CMakeLists.txt passes it), the repo root $SOURCE_DIR; the
model is the default SmolLM2 GGUF under models/. Each server gets a free loopback port, an API
key and its own log file; `stop()` sends SIGTERM and returns the exit code.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

SOURCE_DIR = Path(os.environ.get("SOURCE_DIR") or Path(__file__).resolve().parents[2])
MODEL_FILE = SOURCE_DIR / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "SmolLM2-135M-Instruct.Q4_1"
API_KEY = "e2e-secret-key"
MAX_MODEL_LEN = 2048
# Under ASan the model loads and runs several times slower.
STARTUP_TIMEOUT_S = float(os.environ.get("PLEXUS_E2E_STARTUP_TIMEOUT", "180"))


def plexus_binary() -> str:
    """The binary under test: $PLEXUS, else the Release build in the repo."""
    binary = os.environ.get("PLEXUS") or str(SOURCE_DIR / "build" / "bin" / "plexus")
    if not os.access(binary, os.X_OK):
        raise RuntimeError(f"no plexus binary at {binary}: set PLEXUS or build the repo")
    return binary


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reference_answer() -> dict:
    """transformers' greedy continuation of the chat prompt "Name three primary colours."."""
    path = SOURCE_DIR / "tests" / "fixtures" / "models" / "smollm2" / "reference.json"
    return json.loads(path.read_text())["prompts"][0]


class PlexusServer:
    """One `plexus serve` process on a free port, with an API key."""

    def __init__(self, settings: dict[str, str] | None = None, api_key: str | None = API_KEY,
                 kv_cache: str = "512MiB", extra_args: list[str] | None = None):
        self.settings = dict(settings or {})
        self.api_key = api_key
        self.kv_cache = kv_cache
        self.extra_args = list(extra_args or [])
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.log_path = ""
        self._log = None

    # ---- life cycle ----
    def start(self) -> "PlexusServer":
        if not MODEL_FILE.is_file():
            raise RuntimeError(f"{MODEL_FILE} is missing: run scripts/fetch-model")
        self.port = free_port()
        cmd = [plexus_binary(), "serve", "--model", str(MODEL_FILE), "--port", str(self.port),
               "--max-model-len", str(MAX_MODEL_LEN),
               "--set", f'devices.cpu_kv_cache="{self.kv_cache}"']
        env = dict(os.environ)
        if self.api_key is not None:
            env["PLEXUS_E2E_KEY"] = self.api_key
            cmd += ["--set", 'frontend.api_key_env="PLEXUS_E2E_KEY"']
        for key, value in self.settings.items():
            cmd += ["--set", f"{key}={value}"]
        cmd += self.extra_args
        fd, self.log_path = tempfile.mkstemp(prefix="plexus-e2e-", suffix=".log")
        self._log = os.fdopen(fd, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env)
        self._wait_healthy()
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"plexus exited with {self.proc.returncode} at start-up:\n"
                                   + self.log_text())
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"plexus not healthy after {STARTUP_TIMEOUT_S}s:\n" + self.log_text())

    def terminate(self) -> None:
        """Sends SIGTERM (the server then drains and exits)."""
        self.proc.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, then the exit code (killed and -9 if it hangs past `timeout`)."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.terminate()
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            code = -9
        self._log.close()
        return code

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def log_text(self) -> str:
        try:
            return Path(self.log_path).read_text(errors="replace")
        except OSError:
            return ""

    # ---- addresses and helpers ----
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def get(self, path: str, timeout: float = 10) -> tuple[int, str]:
        """A GET with the API key: (status, body)."""
        request = urllib.request.Request(self.url + path, headers=self.headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def post(self, path: str, body: dict, timeout: float = 120) -> tuple[int, dict]:
        """A JSON POST with the API key: (status, parsed body)."""
        request = urllib.request.Request(
            self.url + path, data=json.dumps(body).encode(), method="POST",
            headers={**self.headers, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def metrics(self) -> dict[str, float]:
        """/metrics as {name: value}, labels dropped (one model, so one sample per name)."""
        status, text = self.get("/metrics")
        if status != 200:
            raise RuntimeError(f"/metrics answered {status}: {text}")
        return parse_metrics(text)

    def wait_idle(self, timeout: float = 30) -> dict[str, float]:
        """Waits until no request runs or waits and no KV block is in use; the metrics then.

        Raises AssertionError naming the last values when that does not happen in time.
        """
        deadline = time.monotonic() + timeout
        m = self.metrics()
        while time.monotonic() < deadline:
            if is_idle(m):
                return m
            time.sleep(0.05)
            m = self.metrics()
        idle_keys = ("plexus:num_requests_running", "plexus:num_requests_waiting",
                     "plexus:kv_cache_usage_perc")
        raise AssertionError(f"server not idle after {timeout}s: "
                             + ", ".join(f"{k}={m.get(k)}" for k in idle_keys))

    def rss_bytes(self) -> int:
        """The server's resident memory."""
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) * 1024

    def open_fds(self) -> int:
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))


def parse_metrics(text: str) -> dict[str, float]:
    """Prometheus text into {metric name: value}, dropping labels (histogram buckets are
    dropped too; _sum and _count stay)."""
    values: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name_labels, _, value = line.rpartition(" ")
        name = name_labels.split("{", 1)[0]
        if name.endswith("_bucket"):
            continue
        values[name] = float(value)
    return values


def is_idle(m: dict[str, float]) -> bool:
    return (m.get("plexus:num_requests_running") == 0
            and m.get("plexus:num_requests_waiting") == 0
            and m.get("plexus:kv_cache_usage_perc") == 0)
