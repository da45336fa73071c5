"""The review desk in the browser: the JSON API, the review pages, and the server."""

from workers.web.app import create_app

__all__ = ["create_app"]
