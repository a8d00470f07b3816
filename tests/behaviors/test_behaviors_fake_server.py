"""The fake OpenAI server itself: it must not be the bottleneck of the judge benchmark."""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor

from fake_openai import FakeOpenAI


def test_burst_of_connections_is_accepted_at_once():
    # socketserver's default listen backlog (5) dropped the handshakes of a client opening
    # 32 connections at once; the kernel retries a dropped SYN after 1 s.
    with FakeOpenAI() as server:
        address = server.server.server_address

        def connect_seconds(_: int) -> float:
            start = time.monotonic()
            with socket.create_connection(address, timeout=10):
                return time.monotonic() - start

        with ThreadPoolExecutor(64) as pool:
            waits = list(pool.map(connect_seconds, range(64)))
    assert max(waits) < 0.9
