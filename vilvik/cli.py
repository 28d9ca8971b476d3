"""Command-line administration: users, keys, and running the whole service on one machine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade

from .jobs import run_worker
from .models import SCOPES, TIERS, utcnow
from .services import accounts
from .services.accounts import AccountError

users = AppGroup("users", help="Manage accounts.")
keys = AppGroup("keys", help="Manage API keys.")


def _fail(error: AccountError) -> None:
    raise click.ClickException(str(error))


@users.command("create")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--tier", type=click.Choice(TIERS), default="free", show_default=True)
def create_user(email: str, password: str, tier: str) -> None:
    """Create an account."""
    try:
        user = accounts.create_user(email, password, tier)
    except AccountError as error:
        _fail(error)
    click.echo(f"created {user.email} ({user.tier})")


@users.command("set-tier")
@click.argument("email")
@click.argument("tier", type=click.Choice(TIERS))
def set_tier(email: str, tier: str) -> None:
    """Move an account to another tier."""
    try:
        user = accounts.set_tier(email, tier)
    except AccountError as error:
        _fail(error)
    click.echo(f"{user.email} is now {user.tier}")


@keys.command("create")
@click.argument("email")
@click.option("--scope", "scopes", multiple=True, required=True, type=click.Choice(SCOPES),
              help="Repeat for several scopes.")
@click.option("--name", default="", help="A label shown in key lists.")
@click.option("--expires-in-days", type=click.IntRange(min=1), default=None)
def create_key(email: str, scopes: tuple[str, ...], name: str, expires_in_days: int | None) -> None:
    """Create an API key; its secret is printed once, alone on the last line."""
    user = accounts.find_user(email)
    if user is None:
        raise click.ClickException(f"no user {email}")
    expires_at = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    try:
        new = accounts.create_api_key(user, list(scopes), name=name, expires_at=expires_at)
    except AccountError as error:
        _fail(error)
    click.echo(f"key {new.key.prefix} for {user.email}, scopes: {' '.join(new.key.scopes)}")
    click.echo("the secret below is shown only now:")
    click.echo(new.secret)


@keys.command("revoke")
@click.argument("prefix")
@click.option("--email", default=None, help="Only this account's keys (when a prefix is shared).")
def revoke_key(prefix: str, email: str | None) -> None:
    """Revoke the key with this display prefix."""
    try:
        count = accounts.revoke_api_key(prefix, email=email)
    except AccountError as error:
        _fail(error)
    click.echo(f"revoked {count} key(s)")


def ensure_demo_account(app: Flask) -> None:
    """On a fresh install, an account and a key so the README's curl works at once."""
    email = app.config["DEMO_EMAIL"]
    if accounts.any_user_exists():
        return
    password = accounts.random_password()
    user = accounts.create_user(email, password, "free")
    new = accounts.create_api_key(user, list(SCOPES), name="demo")
    click.echo(f"Demo account: {email} / password {password}")
    click.echo(f"Demo API key (shown once): {new.secret}")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker_command(burst: bool) -> None:
    """Run an RQ worker on the configured Redis."""
    run_worker(current_app._get_current_object(), burst=burst)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--web-workers", default=2, show_default=True)
@with_appcontext
def serve(host: str, port: int, web_workers: int) -> None:
    """Upgrade the schema, then run the web (gunicorn) and a worker until interrupted."""
    app = current_app._get_current_object()
    upgrade(directory=app.extensions["migrate"].directory)
    ensure_demo_account(app)
    env = dict(os.environ, VILVIK_REDIS_URL=app.config["REDIS_URL"])
    children = [
        subprocess.Popen([sys.executable, "-m", "vilvik", "worker"], env=env),
        subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(web_workers), "--bind",
                          f"{host}:{port}", "vilvik:create_app()"], env=env),
    ]
    click.echo(f"Vilvik runs at http://{host}:{port}/ (Ctrl+C stops it)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            child.wait(timeout=30)


def init_app(app: Flask) -> None:
    for command in (users, keys, worker_command, serve):
        app.cli.add_command(command)
