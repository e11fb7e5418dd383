"""A real `kg serve` (uvicorn) on a free port of 127.0.0.1, in a thread of the test process."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(home: Path, timeout: float = 30.0, max_rows: int = 10_000) -> Iterator[str]:
    """The base URL of a server over the store in ``home``; stopped on exit."""
    import uvicorn

    from kg.app import BudgetKG
    from kg.server import Settings, create_app

    port = free_port()
    config = uvicorn.Config(create_app(BudgetKG(home), Settings(timeout=timeout, max_rows=max_rows)),
                            host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("kg serve did not start")
        time.sleep(0.05)
    assert httpx.get(base + "/sparql", timeout=120).status_code == 200
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(10)
