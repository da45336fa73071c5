from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.settings import SettingsError, load_settings


def test_defaults_live_in_the_data_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("CLAIMTRACK_DATABASE_URL", raising=False)
    monkeypatch.delenv("CLAIMTRACK_BROKER_URL", raising=False)
    settings = load_settings(data_dir=tmp_path)
    assert settings.ledger_url == f"sqlite:///{tmp_path.resolve() / 'ledger.db'}"
    assert settings.inbox == tmp_path / "inbox"
    assert settings.uses_embedded_broker
    assert settings.broker == f"redis+socket://{tmp_path.resolve() / 'redis.sock'}"


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMTRACK_BROKER_URL", "redis://127.0.0.1:6379/2")
    monkeypatch.setenv("CLAIMTRACK_SPACY_MODEL", "blank:en")
    settings = load_settings()
    assert (settings.broker, settings.uses_embedded_broker) == ("redis://127.0.0.1:6379/2", False)
    assert settings.spacy_model == "blank:en"


@pytest.mark.parametrize(
    "given, expected",
    [
        ("postgres://u:p@db/claims", "postgresql+psycopg://u:p@db/claims"),
        ("postgresql://u@db/claims", "postgresql+psycopg://u@db/claims"),
        ("postgresql+psycopg://u@db/claims", "postgresql+psycopg://u@db/claims"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_urls_are_normalised(given: str, expected: str) -> None:
    assert load_settings(database_url=given).ledger_url == expected


def test_unsupported_database_is_refused_clearly() -> None:
    with pytest.raises(SettingsError, match="must start with sqlite:// or postgresql"):
        load_settings(database_url="mysql://root@localhost/x")


def test_flower_off_loopback_needs_credentials() -> None:
    load_settings(flower_address="127.0.0.1").check_flower()
    with pytest.raises(SettingsError, match="without a password"):
        load_settings(flower_address="0.0.0.0").check_flower()
    load_settings(flower_address="0.0.0.0", flower_user="a", flower_password="b").check_flower()
    with pytest.raises(SettingsError, match="FLOWER_PASSWORD is not"):
        load_settings(flower_user="a")


def test_settings_survive_the_trip_to_a_child_process(tmp_path: Path) -> None:
    settings = load_settings(
        data_dir=tmp_path, flower_user="u", flower_password="p", settle_seconds=0.25
    )
    env = settings.as_environment()
    assert env["CLAIMTRACK_DATABASE_URL"] == settings.ledger_url
    again = load_settings(**{k.removeprefix("CLAIMTRACK_").lower(): v for k, v in env.items()})
    assert again.ledger_url == settings.ledger_url and again.settle_seconds == 0.25
    assert again.flower_password is not None and again.flower_password.get_secret_value() == "p"
