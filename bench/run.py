"""Benchmark of the matter pages on a large database (`make bench`).

Builds a fresh SQLite database (in a temporary directory, or ``--db``), migrates it, seeds
20,000 matters and 200,000 supports with ``flask seed``'s bulk generator, then measures in
process, with the Flask test client, the server time and the SQL statements of:

- the matter list, first page (``/matters``);
- a filtered list page (community + state + category);
- a matter's detail page, for the public and for a logged-in resident;
- the support toggle (``POST /matters/<id>/support`` as htmx does it, by a verified resident,
  alternating support and withdrawal).

Server time is measured around the WSGI application call, response body included; SQL
statements are counted with a ``before_cursor_execute`` listener. Each case is warmed up first,
then run ``--runs`` times. The results go to ``bench/results.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_QUERIES = 10
TARGET_MEDIAN_MS = 15.0


@dataclass
class Case:
    name: str
    method: str
    url: str
    note: str = ""


@dataclass
class Result:
    case: Case
    times_ms: list[float]
    queries: list[int]
    sql_ms: list[float]
    cpu_ms: list[float]
    statuses: set[int]
    slowest: tuple[float, str] = (0.0, "")  # the slowest statement seen: ms, SQL

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.times_ms, n=20, method="inclusive")[-1]

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_ms)

    @property
    def sql_median(self) -> float:
        return statistics.median(self.sql_ms)

    @property
    def query_text(self) -> str:
        low, high = min(self.queries), max(self.queries)
        return str(low) if low == high else f"{low}–{high}"

    @property
    def page(self) -> bool:
        return self.case.method == "GET"

    def verdict(self) -> str:
        misses = []
        if self.page and max(self.queries) > TARGET_QUERIES:
            misses.append(f"{max(self.queries)} queries > {TARGET_QUERIES}")
        if self.median >= TARGET_MEDIAN_MS:
            misses.append(f"median {self.median:.1f} ms ≥ {TARGET_MEDIAN_MS:.0f} ms")
        return "met" if not misses else "missed: " + ", ".join(misses)


class ServerTimer:
    """WSGI middleware: the time the application takes for a request, body included."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.last_ms = 0.0
        self.last_cpu_ms = 0.0

    def __call__(self, environ, start_response):
        started, cpu_started = time.perf_counter(), time.process_time()
        iterable = self.wsgi_app(environ, start_response)
        try:
            body = list(iterable)
        finally:
            if hasattr(iterable, "close"):
                iterable.close()
        self.last_ms = (time.perf_counter() - started) * 1000
        self.last_cpu_ms = (time.process_time() - cpu_started) * 1000
        return body


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _load_average() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _git_revision() -> str:
    try:

        def git(*args: str) -> str:
            return subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
            ).stdout.strip()

        revision = git("rev-parse", "--short", "HEAD")
        return revision + (" with uncommitted changes" if git("status", "--porcelain") else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matters", type=int, default=20_000)
    parser.add_argument("--supports", type=int, default=200_000)
    parser.add_argument("--comments", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--db", type=Path, help="SQLite file to use (default: a temporary one)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.md")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="consult-bench-"))
    # The instance folder (secret key, uploads) lives in the temporary directory too; the
    # variable must be set before consult is imported.
    os.environ["CONSULT_INSTANCE"] = str(workdir)
    db_path = args.db or workdir / "bench.db"
    if db_path.exists():
        db_path.unlink()

    from flask_migrate import upgrade
    from sqlalchemy import event, func, select

    from consult import create_app
    from consult.accounts.models import User
    from consult.demo import seed_bulk
    from consult.extensions import db
    from consult.matters.lifecycle import State
    from consult.matters.models import Matter, Support

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
            "SECRET_KEY": "bench",
            # Measured without CSRF tokens and rate limits: the toggle is posted 60 times a
            # minute by one account, which the real limit (rightly) refuses.
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SESSION_COOKIE_SECURE": False,
            "UPLOAD_FOLDER": str(workdir / "uploads"),
        }
    )
    timer = ServerTimer(app.wsgi_app)
    app.wsgi_app = timer

    print(f"database: {db_path}")
    with app.app_context():
        upgrade()
        report = seed_bulk(matters=args.matters, supports=args.supports, comments=args.comments)
        print(
            f"seeded {report.matters} matters, {report.supports} supports, {report.comments} "
            f"comments, {report.users} users in {report.seconds:.1f} s"
        )
        # A filtered page that has results: the busiest (community, category) among accepted.
        community_id, category, filtered_total = db.session.execute(
            select(Matter.community_id, Matter.category, func.count())
            .where(Matter.state == State.ACCEPTED.value)
            .group_by(Matter.community_id, Matter.category)
            .order_by(func.count().desc())
            .limit(1)
        ).one()
        # The detail of a popular open matter (comments too), and a verified neighbour who
        # does not support it yet, to toggle.
        popular = db.session.scalars(
            select(Matter)
            .where(Matter.state == State.ACCEPTED.value, Matter.comment_count > 0)
            .order_by(Matter.support_count.desc())
            .limit(50)
        ).all()
        for matter in popular:
            supporters = select(Support.user_id).where(Support.matter_id == matter.id)
            resident = db.session.scalars(
                select(User)
                .where(
                    User.community_id == matter.community_id,
                    User.verified_at.is_not(None),
                    User.id != matter.author_id,
                    User.id.not_in(supporters),
                )
                .limit(1)
            ).first()
            if resident is not None:
                break
        else:
            raise SystemExit("no popular matter has a verified neighbour left to support it")
        session_id = resident.get_id()
        matter_id, matter_supports, matter_comments = (
            matter.id,
            matter.support_count,
            matter.comment_count,
        )
        total = db.session.scalar(select(func.count()).select_from(Matter))
        support_total = db.session.scalar(select(func.count()).select_from(Support))
        db.session.remove()

    sql = {"n": 0, "ms": 0.0, "slowest": (0.0, "")}
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, _cursor, _statement, _parameters, _context, _many):
        sql["n"] += 1
        conn.info["bench_started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, _cursor, statement, _parameters, _context, _many):
        ms = (time.perf_counter() - conn.info.pop("bench_started")) * 1000
        sql["ms"] += ms
        if ms > sql["slowest"][0]:
            sql["slowest"] = (ms, " ".join(statement.split()))

    public = app.test_client()
    member = app.test_client()
    with member.session_transaction() as sess:
        sess["_user_id"] = session_id
        sess["_fresh"] = True
        sess["_seen"] = int(time.time())

    filtered_url = f"/matters?community={community_id}&state=accepted&category={category}"
    cases = [
        (Case("Matter list, first page", "GET", "/matters", f"{total:,} matters"), public),
        (
            Case("Matter list, filtered", "GET", filtered_url, f"{filtered_total} results"),
            public,
        ),
        (
            Case(
                "Matter detail (public)",
                "GET",
                f"/matters/{matter_id}",
                f"supports: {matter_supports}, comments: {matter_comments}",
            ),
            public,
        ),
        (
            Case(
                "Matter detail (logged-in resident)",
                "GET",
                f"/matters/{matter_id}",
                "with the resident's support box",
            ),
            member,
        ),
        (
            Case(
                "Support toggle (htmx)",
                "POST",
                f"/matters/{matter_id}/support",
                "support and withdraw alternately",
            ),
            member,
        ),
    ]

    toggle = {"next": "support"}

    def call(case: Case, client):
        if case.method == "GET":
            return client.get(case.url)
        action = toggle["next"]
        toggle["next"] = "withdraw" if action == "support" else "support"
        return client.post(case.url, data={"action": action}, headers={"HX-Request": "true"})

    results: list[Result] = []
    for case, client in cases:
        warmup = args.warmup + (args.warmup % 2)  # even: the toggle ends where it started
        for _ in range(warmup):
            call(case, client)
        times, queries, sql_ms, cpu_ms, statuses = [], [], [], [], set()
        sql["slowest"] = (0.0, "")
        for _ in range(args.runs):
            sql["n"], sql["ms"] = 0, 0.0
            response = call(case, client)
            times.append(timer.last_ms)
            queries.append(sql["n"])
            sql_ms.append(sql["ms"])
            cpu_ms.append(timer.last_cpu_ms)
            statuses.add(response.status_code)
        result = Result(case, times, queries, sql_ms, cpu_ms, statuses, sql["slowest"])
        results.append(result)
        print(
            f"{case.name:36} median {result.median:6.1f} ms  p95 {result.p95:6.1f} ms  "
            f"CPU {result.cpu_median:6.1f} ms  "
            f"SQL {result.sql_median:6.1f} ms in {result.query_text:>5} statements  "
            f"status {sorted(statuses)}  {result.verdict()}"
        )

    args.out.write_text(
        render(
            results,
            args=args,
            total=total,
            support_total=support_total,
            seed_seconds=report.seconds,
        )
    )
    print(f"wrote {args.out}")
    if args.db is None:
        shutil.rmtree(workdir, ignore_errors=True)
    broken = [r for r in results if r.statuses - {200}]
    return 1 if broken else 0


def render(
    results: list[Result], *, args, total: int, support_total: int, seed_seconds: float
) -> str:
    from sqlalchemy import __version__ as sqlalchemy_version

    lines = [
        "# Benchmark: matter pages",
        "",
        f"Generated by `make bench` (`bench/run.py`) on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"commit `{_git_revision()}`.",
        "",
        f"- Data: {total:,} matters and {support_total:,} supports ({args.comments:,} comments), "
        f"seeded with `flask seed`'s bulk generator in {seed_seconds:.1f} s.",
        f"- Machine: {_cpu_model()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}; "
        f"load average when done: {_load_average()}.",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"SQLAlchemy {sqlalchemy_version}.",
        f"- Method: in process with the Flask test client; {args.warmup} warm-up requests, then "
        f"{args.runs} measured ones per row. Server time is measured around the WSGI application "
        "call (routing, queries, template rendering, response body): wall-clock time (the target) "
        "and the process's CPU time, which other work on a shared machine inflates less. SQL "
        "statements are counted, and timed, with `before_cursor_execute`/`after_cursor_execute` "
        "listeners. CSRF and rate limits are off for the run.",
        f"- Targets: list and detail pages issue at most {TARGET_QUERIES} SQL statements, and "
        f"every row has a median under {TARGET_MEDIAN_MS:.0f} ms.",
        "",
        "| Request | Median ms | p95 ms | CPU median ms | SQL statements | SQL median ms | Notes "
        "| Target |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        url = r.case.url.replace("|", "\\|")
        lines.append(
            f"| {r.case.name} `{r.case.method} {url}` | {r.median:.1f} | {r.p95:.1f} | "
            f"{r.cpu_median:.1f} | {r.query_text} | {r.sql_median:.1f} | {r.case.note} | "
            f"{r.verdict()} |"
        )
    missed = [r for r in results if r.verdict() != "met"]
    lines.append("")
    if missed:
        lines.append(
            "**Targets missed** for: "
            + "; ".join(f"{r.case.name} ({r.verdict().removeprefix('missed: ')})" for r in missed)
            + ". Where the time goes, per missed row (time in SQL against the rest: Python, "
            "templates, the response), and its slowest SQL statement:"
        )
        lines.append("")
        for r in missed:
            ms, statement = r.slowest
            if len(statement) > 400:
                statement = statement[:400] + " …"
            lines.append(
                f"- {r.case.name}: {r.sql_median:.1f} ms of {r.median:.1f} ms in SQL; slowest "
                f"statement {ms:.1f} ms: `{statement}`"
            )
        lines.append("")
        lines.append(
            "The machine is shared with other work: a load average well above 0 inflates the "
            "wall-clock times (compare the CPU column); re-run `make bench` on a quiet machine "
            "before drawing conclusions."
        )
    else:
        lines.append("All targets met.")
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
