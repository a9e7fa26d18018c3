"""The platform database as a Dagster resource."""

from __future__ import annotations

from dagster import ConfigurableResource
from pydantic import Field, PrivateAttr
from sqlalchemy import Engine

from invoice_assets.store.engine import create_platform_engine


class DatabaseResource(ConfigurableResource):
    """The SQL database holding manifests, OCR text, fields, labels, predictions and drift reports."""

    url: str = Field(description="SQLAlchemy URL, e.g. sqlite:///path.db or mysql+pymysql://user@host/db")

    _engine: Engine | None = PrivateAttr(default=None)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = create_platform_engine(self.url)
        return self._engine
