"""The import baseline: only the unavoidable work, on the same stack (gunicorn, Flask,
Flask-SQLAlchemy, psycopg, PostgreSQL): parse the JSON body and insert it as one row.
``/api/v1/imports/`` parses with the standard library; ``/large`` with the fastest parser there
is (orjson), which also serializes the row.

    gunicorn 'bench.baseline_app:create_app()'   (VILVIK_DATABASE_URL names the database)
"""

from __future__ import annotations

import json
import os

import orjson
from datetime import datetime, timezone

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import JSON
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from vilvik.config import database_uri


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class BaselineImport(db.Model):
    __tablename__ = "baseline_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=lambda: datetime.now(timezone.utc))


def create_app(database_url: str | None = None) -> Flask:
    app = Flask(__name__)
    url = database_url or os.environ["VILVIK_DATABASE_URL"]
    app.config["SQLALCHEMY_DATABASE_URI"] = database_uri(url, "/nonexistent")
    # No check of pooled connections at all: the least a request can cost.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"json_serializer": lambda value: orjson.dumps(value).decode()}
    db.init_app(app)

    def store(body: dict):
        row = BaselineImport(body=body)
        db.session.add(row)
        db.session.commit()
        return jsonify({"id": row.id}), 201

    @app.post("/api/v1/imports/")
    def create():
        return store(json.loads(request.get_data()))

    @app.post("/large")
    def create_large():
        return store(orjson.loads(request.get_data()))

    @app.get("/api/v1/health")
    def health():
        return jsonify({"status": "ok"})

    return app


def reset_table(database_url: str) -> None:
    app = create_app(database_url)
    with app.app_context():
        db.drop_all()
        db.create_all()
