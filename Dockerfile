# One image for every claimtrack service (worker, watcher, flower); the command picks the part.
# Dependencies come from constraints.txt (every package pinned), so two builds install the
# same versions; refresh it with the command at its top when pyproject.toml changes.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY constraints.txt pyproject.toml README.md ./
COPY pipeline ./pipeline
COPY workers ./workers
COPY schemas ./schemas
COPY seeds ./seeds
RUN pip install --constraint constraints.txt . \
    && useradd --create-home --uid 1000 claimtrack \
    && mkdir -p /data /inbox \
    && chown claimtrack:claimtrack /data /inbox \
    && chmod 0700 /data
USER claimtrack
ENTRYPOINT ["claimtrack"]
CMD ["--help"]
