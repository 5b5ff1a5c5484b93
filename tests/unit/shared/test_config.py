"""Production refuses the public defaults; development keeps working without setup."""
import pathlib

import pytest

from shared.config import (DEFAULT_ADMIN_PASSWORD, DEV_SECRET, ConfigError, check,
                           is_placeholder, load_settings)

ROOT = pathlib.Path(__file__).resolve().parents[3]
EXAMPLES = (ROOT / "deploy" / "env.example",
            ROOT / "deploy" / "k8s" / "overlays" / "production" / "secrets.env.example")
GOOD_SECRET = "q8R2xv0c3fJmZP4u9LkT1nW6yB5aHdGe7sQoVrXi"  # 40 random-looking bytes
GOOD_PASSWORD = "Tq7-plum-orchard-41"


def production(**env):
    return {"LINLI_ENV": "production", "LINLI_SECRET": GOOD_SECRET,
            "LINLI_ADMIN_PASSWORD": GOOD_PASSWORD, **env}


def refusal(environ) -> str:
    with pytest.raises(ConfigError) as caught:
        check(load_settings(environ))
    message = str(caught.value)
    assert message.count(". ") == 0 and message.endswith("."), "one sentence"
    return message


def example_values() -> set[str]:
    values = set()
    for path in EXAMPLES:
        for line in path.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                key, _, value = line.partition("=")
                if "SECRET" in key or "PASS" in key or "KEY" in key:
                    values.add(value.strip())
    return values


def test_production_starts_with_a_real_secret_and_admin_password():
    s = check(load_settings(production()))
    assert s.production and s.secret == GOOD_SECRET and s.admin_password == GOOD_PASSWORD


def test_production_refuses_to_create_the_admin_without_an_admin_password():
    environ = production()
    del environ["LINLI_ADMIN_PASSWORD"]
    s = check(load_settings(environ))  # services other than residents never hold it
    with pytest.raises(ConfigError, match="LINLI_ADMIN_PASSWORD must be set"):
        s.admin_password  # what residents reads at start to create the admin


def test_residents_refuses_to_start_in_production_without_an_admin_password(monkeypatch):
    """The residents store creates the admin at start from settings().admin_password."""
    from shared import config
    from services.residents import storage
    environ = production()
    del environ["LINLI_ADMIN_PASSWORD"]
    monkeypatch.delenv("LINLI_ADMIN_PASSWORD", raising=False)
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    config.settings.cache_clear()
    created = []
    monkeypatch.setattr(storage.ResidentsStore, "ensure_admin",
                        lambda self, phone, password: created.append(phone), raising=False)
    try:
        with pytest.raises(ConfigError, match="LINLI_ADMIN_PASSWORD"):
            storage.ResidentsStore.on_start(object.__new__(storage.ResidentsStore))
    finally:
        config.settings.cache_clear()
    assert created == []


def test_production_refuses_the_public_default_admin_password():
    assert "LINLI_ADMIN_PASSWORD" in refusal(production(LINLI_ADMIN_PASSWORD=DEFAULT_ADMIN_PASSWORD))


def test_production_refuses_without_a_secret():
    environ = production()
    del environ["LINLI_SECRET"]
    assert "LINLI_SECRET must be set" in refusal(environ)
    assert "LINLI_SECRET must be set" in refusal(production(LINLI_SECRET=""))


@pytest.mark.parametrize("secret", [DEV_SECRET, "change-me-to-64-random-characters",
                                    "CHANGE-ME-token-signing-key-64-random-characters",
                                    "please-CHANGE-ME-before-going-live-0123456789"])
def test_production_refuses_a_placeholder_secret(secret):
    assert "placeholder" in refusal(production(LINLI_SECRET=secret))


def test_production_refuses_a_secret_shorter_than_32_bytes():
    assert "31 bytes" in refusal(production(LINLI_SECRET="x7" * 15 + "q"))
    check(load_settings(production(LINLI_SECRET="k" * 32)))


def test_every_secret_in_the_deploy_examples_is_refused_as_secret_and_as_admin_password():
    values = example_values()
    assert len(values) >= 6
    for value in values:
        assert is_placeholder(value), value
        refusal(production(LINLI_SECRET=value))
        refusal(production(LINLI_ADMIN_PASSWORD=value))


def test_an_unknown_environment_name_is_refused_rather_than_treated_as_development():
    assert "LINLI_ENV" in refusal({"LINLI_ENV": "prod"})


def test_development_runs_without_any_setting():
    s = check(load_settings({}))
    assert not s.production and s.secret == DEV_SECRET
    assert s.admin_password == DEFAULT_ADMIN_PASSWORD


def test_production_refuses_placeholder_passwords_in_the_broker_and_database_addresses():
    assert "AMQP_URI" in refusal(production(
        AMQP_URI="amqp://linli-canteen:change-me-canteen@rabbitmq:5672/"))
    assert "MONGO_URI" in refusal(production(
        MONGO_URI="mongodb://linli:CHANGE-ME-mongo@mongo:27017/?replicaSet=rs0&authSource=admin"))
    check(load_settings(production(MONGO_URI="mongodb://linli:Zq81pd0@mongo:27017/?authSource=admin")))
