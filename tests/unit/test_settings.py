from pathlib import Path

from invoice_assets.settings import load_settings


def test_defaults_live_under_one_home(tmp_path):
    settings = load_settings({"INVOICES_HOME": str(tmp_path)})
    assert settings.inbox == str(tmp_path / "inbox")
    assert settings.database_url == f"sqlite:///{tmp_path / 'invoices.db'}"
    assert settings.mlflow_tracking_uri == f"sqlite:///{tmp_path / 'mlflow.db'}"
    assert settings.dagster_home == tmp_path / "dagster"
    assert not settings.inbox_is_s3


def test_variables_override_defaults(tmp_path):
    settings = load_settings(
        {
            "INVOICES_HOME": str(tmp_path),
            "INVOICES_INBOX": "s3://bucket/incoming",
            "INVOICES_DATABASE_URL": "mysql+pymysql://u@h/db",
            "DAGSTER_HOME": str(tmp_path / "elsewhere"),
        }
    )
    assert settings.inbox_is_s3
    assert settings.database_url == "mysql+pymysql://u@h/db"
    assert settings.dagster_home == Path(tmp_path / "elsewhere")


def test_home_defaults_to_the_working_directory(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert load_settings({}).home == tmp_path / ".invoices"


def test_a_separately_injected_database_password_goes_into_the_url():
    settings = load_settings(
        {
            "INVOICES_HOME": "/tmp/h",
            "INVOICES_DATABASE_URL": "mysql+pymysql://invoices@db.internal:3306/invoices",
            "INVOICES_DATABASE_PASSWORD": "p@ss/word",
        }
    )
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    assert (url.username, url.password, url.host, url.database) == (
        "invoices",
        "p@ss/word",
        "db.internal",
        "invoices",
    )


def test_a_url_with_its_own_password_keeps_it():
    settings = load_settings(
        {"INVOICES_DATABASE_URL": "mysql+pymysql://u:own@h/db", "INVOICES_DATABASE_PASSWORD": "other"}
    )
    assert settings.database_url == "mysql+pymysql://u:own@h/db"
