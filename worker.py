"""Process entry of an RQ worker: ``python worker.py`` (same settings as the web: VILVIK_*)."""

from vilvik import create_app
from vilvik.jobs import run_worker

if __name__ == "__main__":
    run_worker(create_app())
