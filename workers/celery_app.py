"""The one Celery app and all of its configuration.

Run a worker with ``claimtrack worker`` or ``celery -A workers.celery_app worker``. The
broker URL comes from the settings (``CLAIMTRACK_BROKER_URL``, else the embedded Redis on
a unix socket in the data directory) when the configuration is first read, not at import.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery

from pipeline.settings import load_settings

QUEUE = "claimtrack"

# Why each value: see README, "Delivery guarantees".
CONFIG: dict[str, Any] = {
    # JSON only: a message can never carry code to run (no pickle anywhere).
    "task_serializer": "json",
    "result_serializer": "json",
    "accept_content": ["json"],
    "event_serializer": "json",
    # At-least-once: the message is acknowledged after the task ran, and put back if the
    # worker process dies mid-task. Tasks are idempotent, so a redelivery is harmless.
    "task_acks_late": True,
    "task_reject_on_worker_lost": True,
    # Each worker process holds up to four messages, so the next one is at hand when a
    # task ends (with one, the process waited on the broker between tasks: a quarter of
    # its time). A worker that dies leaves its held messages to reconcile, like its one
    # running task.
    "worker_prefetch_multiplier": 4,
    # The ledger holds every result; Celery keeps none.
    "task_ignore_result": True,
    "task_store_errors_even_if_ignored": False,
    # Task events are what Flower shows, and they cost a worker about a sixth of its time:
    # they are sent while someone watches. Flower turns them on in every worker it sees
    # (and again every 5 s), and `claimtrack up` starts its worker with them on when it
    # starts Flower. No "sent" events: a task shows from the moment a worker receives it
    # (Flower's broker page counts the queued ones).
    "worker_send_task_events": False,
    "task_send_sent_event": False,
    "task_track_started": True,
    "task_default_queue": QUEUE,
    "broker_connection_retry_on_startup": True,
    "broker_connection_max_retries": None,
    # A task not acknowledged within an hour is handed to another worker. No task runs
    # that long (the time limits end it within minutes); it bounds how late a lost task is
    # redelivered.
    "broker_transport_options": {"visibility_timeout": 3600},
    "worker_hijack_root_logger": False,
    "worker_max_memory_per_child": 800_000,  # KiB: a child above 800 MB is replaced
    "enable_utc": True,
    "timezone": "UTC",
}


def _from_settings() -> dict[str, Any]:
    """Evaluated when Celery first reads its configuration, not at import: the broker, and
    each task's time limits (at the soft one the task fails its document; at the hard one
    the worker kills the process, and the document is marked failed all the same)."""
    settings = load_settings()
    return {
        "broker_url": settings.broker,
        "task_soft_time_limit": settings.task_soft_seconds,
        "task_time_limit": settings.task_hard_seconds,
    }


def node_name() -> str:
    """A worker's node name, unique on its host (two workers on one host must not share
    one: Flower and remote control tell workers apart by it)."""
    return f"claimtrack-{os.getpid()}@%h"


app = Celery("claimtrack", include=["workers.tasks"])
app.add_defaults(_from_settings)
app.conf.update(CONFIG)


def use_broker(url: str) -> None:
    """Point this process's app at ``url`` (after its configuration was read) and drop
    pooled connections to the previous broker, so the next message goes to the new one."""
    app.conf.broker_url = url
    app._after_fork()  # Celery's own reset of its connection and producer pools


class BrokerUnreachable(RuntimeError):
    """The broker does not answer; the message says where it was looked for."""


def check_broker(url: str, *, timeout: float = 3.0) -> None:
    """Raise ``BrokerUnreachable`` unless the broker at ``url`` answers within ``timeout``
    (one try: a command must not hang retrying a broker that is not there)."""
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=timeout) as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=timeout)
    except Exception as exc:
        raise BrokerUnreachable(str(exc).strip().rstrip(".")) from exc


def workers_answering(*, destination: list[str] | None = None, timeout: float = 1.0) -> int:
    """How many workers (all, or those named) answer a ping within ``timeout`` seconds."""
    return len(app.control.ping(destination=destination, timeout=timeout) or [])
