"""Fixtures: a real `plexus serve` on SmolLM2 (module-scoped, API key set), the official
`openai` client pointed at it, and a factory for servers with special limits. Every server is
stopped with SIGTERM at the end and must exit with code 0."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from plexus_server import API_KEY, PlexusServer  # noqa: E402


def _stop_and_check(server: PlexusServer) -> None:
    code = server.stop()
    assert code == 0, f"plexus exited with {code} after SIGTERM; its log:\n{server.log_text()}"


@pytest.fixture(scope="module")
def server():
    """The default server: SmolLM2 Q4_1, max_model_len 2048, 512 MiB KV cache, an API key."""
    s = PlexusServer().start()
    yield s
    _stop_and_check(s)


@pytest.fixture(scope="module")
def client(server):
    """The official OpenAI SDK client, no retries (a retry would hide a 429 or 5xx)."""
    import openai

    c = openai.OpenAI(base_url=server.url + "/v1", api_key=API_KEY, max_retries=0, timeout=300)
    yield c
    c.close()


@pytest.fixture
def make_server():
    """Starts a server with extra `--set` settings; each is stopped (exit 0) after the test."""
    started: list[PlexusServer] = []

    def make(settings: dict[str, str] | None = None, **kwargs) -> PlexusServer:
        s = PlexusServer(settings=settings, **kwargs).start()
        started.append(s)
        return s

    yield make
    for s in started:
        if s.proc.poll() is None:
            _stop_and_check(s)
