"""`clientportal link`: issue, list (a header, the expiry, the status), revoke, regenerate; hints
that name commands."""

from __future__ import annotations

from .running import rows, run, script


def test_link_issue_list_revoke_regenerate(demo_db: str) -> None:
    code, out, err = run(
        demo_db, "link", "issue", "lumen", "--contact", "ruud", "--expires-in", "7"
    )
    assert code == 0
    assert out.startswith("http://127.0.0.1:8000/open/")
    assert "no base URL is stored" in err  # the address is a guess: how to store the real one
    assert "`clientportal company set --base-url URL`" in err
    link_id = err.strip().rsplit(" ", 1)[1]

    code, out, _ = run(demo_db, "link", "list", "lumen")
    assert code == 0
    assert out.splitlines()[0].split() == [
        "ID", "CONTACT", "STATUS", "CREATED", "EXPIRES", "LAST", "USED",
    ]  # fmt: skip
    listed = {r[0]: r for r in rows(out)}
    assert listed[link_id][1:3] == ["ruud", "ACTIVE"]
    assert listed[link_id][4].endswith(" UTC")  # expires in a week
    assert listed[link_id][4] > listed[link_id][3]
    assert listed[link_id][5] == "never"

    code, out, err = run(demo_db, "link", "regenerate", link_id)
    assert code == 0
    new_id = err.strip().rsplit(" ", 1)[1]
    assert new_id != link_id

    code, out, _ = run(demo_db, "link", "revoke", new_id)
    assert (code, out.strip()) == (0, f"revoked {new_id}")
    listed = {r[0]: r for r in rows(run(demo_db, "link", "list", "lumen")[1])}
    assert listed[link_id][2] == "REVOKED"
    assert listed[new_id][2] == "REVOKED"


def test_links_use_the_stored_base_url(demo_db: str) -> None:
    assert run(demo_db, "company", "set", "--base-url", "https://portal.pixel.example/")[0] == 0
    code, out, err = run(demo_db, "link", "issue", "lumen", "--contact", "ruud")
    assert code == 0
    assert out.startswith("https://portal.pixel.example/open/")
    assert "no base URL" not in err
    code, out, _ = run(demo_db, "--base-url", "http://127.0.0.1:9000", "link", "issue", "lumen")
    assert out.startswith("http://127.0.0.1:9000/open/")  # for this run only


def test_mistakes_name_the_command_that_helps(demo_db: str) -> None:
    code, _, err = run(demo_db, "link", "revoke", "no-such-link")
    assert code == 1
    assert "there is no link 'no-such-link': see `clientportal link list PORTAL`" in err
    code, _, err = run(demo_db, "link", "regenerate", "no-such-link")
    assert code == 1
    assert "`clientportal link list PORTAL`" in err
    code, _, err = run(demo_db, "link", "list", "nope")
    assert code == 1
    assert "there is no portal 'nope': see `clientportal portal list`" in err
    code, _, err = run(demo_db, "link", "issue", "lumen", "--contact", "olivia")
    assert code == 1
    assert "contact 'olivia' is not on portal 'lumen' (its contacts: ruud, sanne)" in err
    assert "`clientportal portal update lumen --contact olivia`" in " ".join(err.split())
    for bad in (["--expires-in", "0"], ["--expires-in", "soon"]):
        code, _, err = run(demo_db, "link", "issue", "lumen", *bad)
        assert code == 2
        assert "--expires-in" in err
    assert "()" not in err


def test_a_portal_without_links_says_how_to_issue_one(empty_db: str) -> None:
    code, _, _ = run(empty_db, "db", "upgrade")
    import datetime as dt

    from clientportal.demo import demo_dataset
    from clientportal.sql import SqlDataSource, SqlStore, create_engine, load_dataset

    engine = create_engine(f"sqlite:///{empty_db}")
    load_dataset(engine, demo_dataset(today=dt.date(2026, 3, 2), entries=0))
    assert SqlStore(engine).list_portals() == []
    assert SqlDataSource(engine).client("lumen") is not None
    code, _, err = run(empty_db, "portal", "create", "--id", "p", "--client", "lumen",
                       "--name", "Lumen", key=True)  # fmt: skip
    assert code == 0, err
    code, out, _ = run(empty_db, "link", "list", "p", key=True)
    assert (code, out.strip()) == (
        0,
        "portal 'p' has no links yet: issue one with `clientportal link issue p --contact CONTACT`",
    )


def test_link_list_as_the_real_command(demo_db: str) -> None:
    listed = script("--db", demo_db, "link", "list", "northwind")
    assert listed.returncode == 0, listed.stderr
    header, *lines = listed.stdout.splitlines()
    assert header.startswith("ID ")
    assert "CONTACT  STATUS  CREATED" in header
    assert [line.split()[1:3] for line in lines] == [["olivia", "ACTIVE"]]
    missing = script("--db", demo_db, "link", "list", "nope")
    assert missing.returncode == 1
    assert missing.stderr == "Error: there is no portal 'nope': see `clientportal portal list`\n"
