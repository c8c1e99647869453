"""The peer's configuration and database: what `indico setup wizard` would ask for, written
here (its own PostgreSQL database with JIT off, its own Redis database, no outgoing mail),
`indico db prepare`, and the filler run once while our data stays the same."""

import json
import secrets
import subprocess

import psycopg

from ..common import log, with_db
from ..database import admin_connection
from .install import HERE, venv_bin

# Warnings and errors to a file, as ours logs at WARNING in the benchmark; no e-mail handler.
LOGGING = """version: 1
root: {level: WARNING, handlers: [file]}
handlers:
  file: {class: logging.FileHandler, filename: indico.log, formatter: simple}
formatters:
  simple: {format: '%(asctime)s %(levelname)s %(name)s %(message)s'}
"""


def write_config(peer_dir, *, database_url, redis_url, port):
    """indico.conf for a server on 127.0.0.1:`port` behind an HTTPS proxy, as ours is
    measured (the requests carry X-Forwarded-Proto: https, which gunicorn trusts from
    127.0.0.1; the peer answers only requests for its BASE_URL), and the folders it names.
    Returns the environment that points at it."""
    for folder in ("cache", "tmp", "log", "archive"):
        (peer_dir / folder).mkdir(parents=True, exist_ok=True)
    (peer_dir / "logging.yaml").write_text(LOGGING)
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url.replace("postgres://", "postgresql://", 1),
        "SECRET_KEY": secrets.token_hex(32),
        "BASE_URL": f"https://127.0.0.1:{port}",
        "CELERY_BROKER": redis_url,
        "REDIS_CACHE_URL": redis_url,
        "DEFAULT_TIMEZONE": "Europe/London",
        "DEFAULT_LOCALE": "en_GB",
        "ENABLE_ROOMBOOKING": False,
        "CACHE_DIR": str(peer_dir / "cache"),
        "TEMP_DIR": str(peer_dir / "tmp"),
        "LOG_DIR": str(peer_dir / "log"),
        "STORAGE_BACKENDS": {"default": f"fs:{peer_dir / 'archive'}"},
        "ATTACHMENT_STORAGE": "default",
        "LOGGING_CONFIG_FILE": str(peer_dir / "logging.yaml"),
        # No outgoing mail: messages stay in memory, sent in the request, never queued.
        "EMAIL_BACKEND": "indico.vendor.django_mail.backends.locmem.EmailBackend",
        "SMTP_USE_CELERY": False,
        "NO_REPLY_EMAIL": "noreply@example.org",
        "SUPPORT_EMAIL": "support@example.org",
        "PUBLIC_SUPPORT_EMAIL": "support@example.org",
        "SYSTEM_NOTICES_URL": None,
        "DISABLE_CELERY_CHECK": True,
        "SIGNUP_CAPTCHA": False,
    }
    conf = peer_dir / "indico.conf"
    conf.write_text("".join(f"{key} = {value!r}\n" for key, value in settings.items()))
    return {"INDICO_CONFIG": str(conf)}


def database_exists(url, name):
    with admin_connection(url) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return found is not None


def create_database(url, name):
    """The peer's database, afresh, with the extensions Indico needs and JIT off: with JIT
    on (PostgreSQL 15), the peer's category calendar spent 4.5 s compiling each request and
    never answered under load."""
    with admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    set_jit_off(url, name)
    with psycopg.connect(with_db(url, name), autocommit=True) as conn:
        for extension in ("unaccent", "pg_trgm"):
            conn.execute(f"CREATE EXTENSION IF NOT EXISTS {extension}")


def set_jit_off(url, name):
    with admin_connection(url) as conn:
        conn.execute(f'ALTER DATABASE "{name}" SET jit = off')


def peer_run(peer_dir, env, argv, **kwargs):
    """A command of the peer's venv, with its configuration."""
    return subprocess.run(  # noqa: S603  # nosec B603  # argv built here
        argv, env=env, cwd=peer_dir, check=True, **kwargs
    )


def prepare_and_fill(args, peer_dir, env, data_path, fingerprint):
    """The peer's database made and filled from our data (data_path), unless the one there
    was filled from the same data; returns what the filler wrote: the ids of the peer's
    categories and events for ours, and the person to sign in as."""
    name = args.peer_database
    filled_path = peer_dir / f"filled-{name}.json"  # one for each of the peer's databases
    if not args.refill and filled_path.exists() and database_exists(args.database_url, name):
        filled = json.loads(filled_path.read_text())
        if filled.get("fingerprint") == fingerprint:
            log(f"the peer's database {name} was filled from the same data: kept")
            set_jit_off(args.database_url, name)
            return filled
    log(f"making the peer's database {name} (jit = off) and preparing it")
    filled_path.unlink(missing_ok=True)
    create_database(args.database_url, name)
    bin_ = venv_bin(peer_dir)
    peer_run(peer_dir, env, [str(bin_ / "indico"), "db", "prepare"], stdout=subprocess.DEVNULL)
    log("filling it through the peer's own API (filler.py)")
    peer_run(
        peer_dir,
        env,
        [str(bin_ / "python"), str(HERE / "filler.py"), str(data_path), str(filled_path)],
    )
    filled = json.loads(filled_path.read_text())
    filled["fingerprint"] = fingerprint
    filled_path.write_text(json.dumps(filled))
    return filled
