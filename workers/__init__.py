"""The IO edge: the Celery app and its tasks, the folder watcher, the embedded broker and
the command line. The domain logic lives in ``pipeline``."""
