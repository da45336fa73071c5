"""``python -m workers.web``: the desk on CLAIMTRACK_WEB_ADDRESS:PORT (what ``up`` starts)."""

from __future__ import annotations

import sys

from pipeline.settings import SettingsError, load_settings
from workers.web.server import serve


def main() -> int:
    try:
        serve(load_settings())
    except SettingsError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
