"""`clientportal serve`: the portals of a database on waitress, links on the real address or the
stored base URL, the e-mails delivered to the company's stored SMTP server."""

from __future__ import annotations

import re
import socket

import pytest

from smtp_sink import Inbox, SmtpServer

from .running import Visitor, run, start, wait_until


@pytest.mark.parametrize("threads", [[], ["--threads", "1"]])
def test_serve_serves_an_existing_database(demo_db: str, threads: list[str]) -> None:
    code, out, _ = run(demo_db, "link", "issue", "northwind", "--contact", "olivia")
    assert code == 0
    token_path = out.strip().split("/open/")[1]
    with start("--db", demo_db, "serve", "--port", "0", *threads) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            base = re.search(r"on (http://\S+)", line)
            assert base is not None, line
            _, page = Visitor().open(f"{base[1]}/open/{token_path}")
            assert "Northwind webshop" in page
        finally:
            process.terminate()
            _, err = process.communicate(timeout=20)
    assert "no SMTP server: e-mails wait in the outbox" in err


def test_serve_delivers_to_the_stored_smtp_server_and_builds_links_on_the_base_url(
    demo_db: str,
) -> None:
    with SmtpServer(Inbox()) as smtp:
        assert run(demo_db, "company", "set", "--smtp-host", "127.0.0.1", "--smtp-port",
                   str(smtp.port), "--smtp-tls", "none",
                   "--base-url", "https://portal.pixel.example")[0] == 0  # fmt: skip
        _, out, _ = run(demo_db, "approvals", "list", "lumen", "--status", "PENDING_INTERNAL")
        entry = next(
            r[0] for r in (line.split("\t") for line in out.splitlines()) if r[2] != "lisa"
        )
        assert run(demo_db, "approvals", "approve", entry, "--by", "lisa")[0] == 0
        with start("--db", demo_db, "serve", "--port", "0") as process:
            try:
                wait_until(lambda: len(smtp.inbox.received) == 5)
            finally:
                process.terminate()
                _, err = process.communicate(timeout=20)
    assert f"e-mails go to 127.0.0.1:{smtp.port} (no TLS)" in err
    assert "links are built on the base URL https://portal.pixel.example" in err
    # The demo's e-mails were written before the base URL was set; the new ones use it.
    texts = [m.get_body(("plain",)).get_content() for _, _, m in smtp.inbox.received]  # type: ignore[union-attr]
    assert sum("https://portal.pixel.example/open/" in text for text in texts) == 2


def test_a_taken_port_is_told_not_raised(empty_db: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = run(empty_db, "serve", "--port", str(port), key=True)
    assert code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err
    assert "--port 0 for a free one" in err
    assert "Traceback" not in err


def test_the_pool_holds_a_connection_for_each_serving_thread(demo_db: str) -> None:
    from clientportal.cli.context import Context
    from clientportal.cli.serving import default_threads, pool_size_for

    # SQLite answers in the process (fewer threads, steadier pages); PostgreSQL's waits overlap.
    assert default_threads(demo_db) == 2
    assert default_threads("postgresql+psycopg://portal@db.example/portal") == 4

    assert (pool_size_for(1), pool_size_for(4), pool_size_for(20)) == (5, 6, 22)
    context = Context(demo_db)
    context.pool_size = pool_size_for(20)  # what `serve --threads 20` sets
    try:
        assert context.store.engine.pool.size() == 22  # type: ignore[attr-defined]
    finally:
        context.store.engine.dispose()
