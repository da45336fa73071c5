# One image for every claimtrack service (worker, watcher, flower); the command picks the part.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY pipeline ./pipeline
COPY workers ./workers
COPY schemas ./schemas
COPY seeds ./seeds
RUN pip install . && useradd --create-home --uid 1000 claimtrack
USER claimtrack
ENTRYPOINT ["claimtrack"]
CMD ["--help"]
