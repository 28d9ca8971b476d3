"""Pages: the dashboard and the result page of an account with 10,000 submissions against one with 10,
and the result page of a 100,000-generation history against a 1,000-generation one.

    .venv/bin/python -m bench.pages --database-url postgresql://postgres@127.0.0.1:5432/vilvik_bench_pages \\
        --redis-url redis://127.0.0.1:6379/10 [--rounds 60]

The service runs as deployed (gunicorn on PostgreSQL and Redis). The accounts are seeded in-process
with bulk inserts of the rows an import stores, then signed in through the login form; the pages are
requested in rounds that alternate the two accounts, so both see the same machine.
It empties the database and the Redis database it is given: give it ones of its own.
"""

from __future__ import annotations

import argparse
import math
import random
import re
import statistics
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import requests
from sqlalchemy import insert, select, text, update

from bench.report import command_line, summary, verdict, write_section
from bench.services import add_service_arguments, gunicorn, reset, service_env
from vilvik.charts import history_preview
from vilvik.extensions import db
from vilvik.ids import new_result_id, new_submission_id
from vilvik.models import Result, Submission, SubmissionVersion
from vilvik.services import accounts

PAGES_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/vilvik_bench_pages"
PAGES_REDIS_URL = "redis://127.0.0.1:6379/10"
PASSWORD = "password-123"
BATCH = 1_000
RATIO_LIMIT = 1.5

FITNESS_CODE = (
    "import numpy\n\n"
    "def fitness_func(ga_instance, solution, solution_idx):\n"
    "    \"\"\"Negated sphere: the optimum is 0 at the origin.\"\"\"\n"
    "    return -float(numpy.sum(solution ** 2))\n\n\n"
    "def on_generation(ga_instance):\n"
    "    if ga_instance.generations_completed % 50 == 0:\n"
    "        print(ga_instance.generations_completed, ga_instance.best_solution()[1])\n"
)


@dataclass(frozen=True)
class Account:
    email: str
    submissions: int


@dataclass
class Timings:
    """Seconds per request, by page name."""

    seconds: dict[str, list[float]] = field(default_factory=dict)

    def add(self, name: str, value: float) -> None:
        self.seconds.setdefault(name, []).append(value)

    def median(self, name: str) -> float:
        return statistics.median(self.seconds[name])


def ga_parameters(generations: int, population: int, genes: int) -> dict:
    return {"num_generations": generations, "sol_per_pop": population, "num_parents_mating": 4,
            "num_genes": genes, "gene_type": "float", "init_range_low": -2, "init_range_high": 2,
            "parent_selection_type": "sss", "crossover_type": "single_point", "mutation_type": "random",
            "mutation_num_genes": 1, "keep_parents": -1, "keep_elitism": 1, "random_seed": 7,
            "save_best_solutions": False, "save_solutions": False}


def fitness_history(rng: random.Random, generations: int) -> list[float]:
    """A best-fitness curve as PyGAD with elitism draws it: noisy, never worse, one value per generation."""
    best, history = -abs(rng.gauss(8, 2)), []
    for generation in range(generations + 1):
        candidate = -8 * math.exp(-generation / max(1.0, generations / 6)) * abs(rng.gauss(1, 0.3))
        best = max(best, candidate)
        history.append(round(best, 12))
    return history


def import_rows(rng: random.Random, user_id: int, name: str, created_at: datetime, generations: int,
                population: int = 30, genes: int = 6) -> tuple[dict, dict]:
    """A submission row and its result row, of the sizes a real import brings."""
    history = fitness_history(rng, generations)
    params = ga_parameters(generations, population, genes)
    submission = {
        "public_id": new_submission_id(), "user_id": user_id, "name": name,
        "description": f"Sphere in {genes} dimensions, pushed from a notebook", "source": "import",
        "status": "succeeded", "ga_parameters": params, "code": {"fitness_func": FITNESS_CODE},
        "origin": {"client": "sdk", "sdk_version": "0.5.7", "python_version": "3.11.7"},
        "version": 1, "created_at": created_at, "updated_at": created_at,
    }
    best_solution = [round(rng.gauss(0, 0.1), 12) for _ in range(genes)]
    result = {
        "public_id": new_result_id(), "kind": "imported", "name": name, "best_solution": best_solution,
        "best_solution_fitness": history[-1], "fitness_value": history[-1], "best_solutions_fitness": history,
        "history_generations": None, "history_preview": history_preview(history),
        "generations_completed": generations, "best_solution_generation": history.index(history[-1]),
        "best_solution_idx": 0, "gene_type_single": True,
        "population": [[round(rng.uniform(-2, 2), 12) for _ in range(genes)] for _ in range(population)],
        "last_generation_fitness": [round(-rng.uniform(0, 4), 12) for _ in range(population)],
        "stopped_reason": "completed", "created_at": created_at,
    }
    return submission, result


def store(pairs: list[tuple[dict, dict]]) -> list[str]:
    """Bulk-insert submissions, their results and first versions; returns the results' public ids."""
    submission_ids = list(db.session.scalars(
        insert(Submission).returning(Submission.id, sort_by_parameter_order=True), [s for s, _ in pairs]))
    result_rows = [{**r, "submission_id": sid} for sid, (_, r) in zip(submission_ids, pairs)]
    result_ids = list(db.session.scalars(
        insert(Result).returning(Result.id, sort_by_parameter_order=True), result_rows))
    db.session.execute(update(Submission), [{"id": sid, "current_result_id": rid}
                                            for sid, rid in zip(submission_ids, result_ids)])
    db.session.execute(insert(SubmissionVersion), [
        {"submission_id": sid, "number": 1, "ga_parameters": s["ga_parameters"], "code": s["code"],
         "created_at": s["created_at"]} for sid, (s, _) in zip(submission_ids, pairs)])
    db.session.commit()
    return [r["public_id"] for _, r in pairs]


def seed(app, rng: random.Random, big: Account, small: Account) -> dict[str, str]:
    """Both accounts and their submissions; returns the paths the benchmark requests."""
    start = datetime.now(timezone.utc) - timedelta(days=60)
    with app.app_context():
        paths = {}
        for account in (big, small):
            user = accounts.create_user(account.email, PASSWORD, "premium")
            results: list[str] = []
            for first in range(0, account.submissions, BATCH):
                pairs = [import_rows(rng, user.id, f"sphere {index}", start + timedelta(minutes=5 * index),
                                     rng.randint(100, 300))
                         for index in range(first, min(account.submissions, first + BATCH))]
                results += store(pairs)
            label = "big" if account is big else "small"
            paths[f"{label} result"] = f"/app/result/{results[len(results) // 2]}/"
            if account is big:
                deep = db.session.scalar(
                    select(Submission.public_id).where(Submission.user_id == user.id)
                    .order_by(Submission.created_at.desc(), Submission.id.desc()).offset(len(results) // 2 - 1))
                paths["big deep dashboard"] = f"/app/?after={deep}"
                newest = start + timedelta(minutes=5 * account.submissions)
                long_runs = [import_rows(rng, user.id, f"long {generations}", newest + timedelta(minutes=index),
                                         generations)
                             for index, generations in enumerate((1_000, 100_000))]
                short_id, long_id = store(long_runs)
                paths["1,000-generation result"] = f"/app/result/{short_id}/"
                paths["100,000-generation result"] = f"/app/result/{long_id}/"
        return paths


def signed_in_session(url: str, email: str) -> requests.Session:
    """A browser-like session signed in through the login form, CSRF token included."""
    session = requests.Session()
    form = session.get(f"{url}/login", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    response = session.post(f"{url}/login", data={"email": email, "password": PASSWORD, "csrf_token": token},
                            allow_redirects=False, timeout=30)
    if response.status_code != 302:
        raise RuntimeError(f"signing in {email} failed: {response.status_code}")
    return session


def timed_get(session: requests.Session, url: str) -> tuple[float, str]:
    started = time.perf_counter()
    response = session.get(url, timeout=120)
    body = response.text
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"GET {url}: {response.status_code}")
    return elapsed, body


def chart_facts(page: str) -> tuple[int, int]:
    """Bytes of the page's fitness chart and the number of points on its line."""
    svg = re.search(r'<svg[^>]*class="chart".*?</svg>', page, re.S).group(0)
    points = sum(len(line.split()) for line in re.findall(r'<polyline points="([^"]+)"', svg))
    return len(svg.encode()), points


def measure(url: str, sessions: dict[str, requests.Session], paths: dict[str, str], rounds: int,
            warmup: int) -> tuple[Timings, dict[str, str]]:
    """Every page once per round, the order within each compared group reversed every other round."""
    requests_by_name = {
        "big dashboard": ("big", "/app/"), "small dashboard": ("small", "/app/"),
        "big deep dashboard": ("big", paths["big deep dashboard"]),
        "big result": ("big", paths["big result"]), "small result": ("small", paths["small result"]),
        "1,000-generation result": ("big", paths["1,000-generation result"]),
        "100,000-generation result": ("big", paths["100,000-generation result"]),
    }
    groups = [("big dashboard", "big deep dashboard", "small dashboard"), ("big result", "small result"),
              ("100,000-generation result", "1,000-generation result")]
    timings, bodies = Timings(), {}
    for round_number in range(warmup + rounds):
        for group in groups:
            for name in (group if round_number % 2 else group[::-1]):
                account, path = requests_by_name[name]
                elapsed, body = timed_get(sessions[account], url + path)
                bodies[name] = body
                if round_number >= warmup:
                    timings.add(name, elapsed)
    return timings, bodies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_service_arguments(parser)
    parser.set_defaults(database_url=PAGES_DATABASE_URL, redis_url=PAGES_REDIS_URL)
    parser.add_argument("--big", type=int, default=10_000, help="submissions of the big account")
    parser.add_argument("--small", type=int, default=10, help="submissions of the small account")
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--web-workers", type=int, default=2)
    options = parser.parse_args()

    big, small = Account("big@bench.example", options.big), Account("small@bench.example", options.small)
    app = reset(options.database_url, options.redis_url)
    started = time.perf_counter()
    paths = seed(app, random.Random(7), big, small)
    seeding = time.perf_counter() - started
    with app.app_context():
        db.session.execute(text("ANALYZE"))  # what autovacuum does soon after a deployment's inserts
        db.session.commit()
    with gunicorn("vilvik:create_app()", service_env(options.database_url, options.redis_url),
                  workers=options.web_workers) as url:
        sessions = {"big": signed_in_session(url, big.email), "small": signed_in_session(url, small.email)}
        deep_page = sessions["big"].get(url + paths["big deep dashboard"], timeout=60).text
        if 'rel="next"' not in deep_page or deep_page.count("data-submission=") == 0:
            raise RuntimeError("the deep dashboard page shows no rows or no next link")
        timings, bodies = measure(url, sessions, paths, options.rounds, options.warmup)

    def ratio(slow: str, fast: str) -> float:
        return timings.median(slow) / timings.median(fast)

    def rows(name: str) -> int:
        return bodies[name].count("data-submission=")

    long_bytes, long_points = chart_facts(bodies["100,000-generation result"])
    short_bytes, short_points = chart_facts(bodies["1,000-generation result"])
    lines = [
        f"- Accounts: {big.submissions:,} and {small.submissions:,} imported submissions (100 to 300 generations, "
        f"a population of 30 by 6 genes), bulk-inserted in {seeding:.1f} s; plus a 1,000- and a "
        f"100,000-generation result in the big account",
        f"- Service: gunicorn ({options.web_workers} workers) on PostgreSQL and Redis; signed in through the "
        f"login form; {options.rounds} rounds after {options.warmup} of warm-up, each requesting every page "
        f"once, the two accounts' order swapped every round",
        "",
        "| page | time per request |",
        "|---|---|",
        *(f"| {name} | {summary(values, 'ms', 1000, 1)} |" for name, values in timings.seconds.items()),
        "",
        f"- Rows shown: {rows('small dashboard')} on the {small.submissions}-submission account's dashboard, "
        f"{rows('big dashboard')} on each of the other's pages (the page size): most of what separates them is "
        f"drawing the extra rows",
        f"- Dashboard, first page, {big.submissions:,} vs {small.submissions:,} submissions: "
        f"{verdict(ratio('big dashboard', 'small dashboard'), RATIO_LIMIT)}",
        f"- Dashboard, page from the middle (by its cursor) vs the {small.submissions}-submission account's: "
        f"{verdict(ratio('big deep dashboard', 'small dashboard'), RATIO_LIMIT)}",
        f"- Dashboard, page from the middle vs the first page, both of the {big.submissions:,}-submission account "
        f"(as many rows each; no target): {ratio('big deep dashboard', 'big dashboard'):.2f}x",
        f"- Result page, {big.submissions:,} vs {small.submissions:,} submissions: "
        f"{verdict(ratio('big result', 'small result'), RATIO_LIMIT)}",
        f"- Result page, 100,000 vs 1,000 generations: {ratio('100,000-generation result', '1,000-generation result'):.2f}x "
        f"(no target: the history is read and downsampled on every view)",
        f"- Chart, 100,000 generations: {long_bytes:,} bytes of SVG, {long_points:,} points; "
        f"1,000 generations: {short_bytes:,} bytes, {short_points:,} points",
    ]
    write_section("pages", "Pages: dashboard and result page by account size and history length",
                  command_line(), lines)


if __name__ == "__main__":
    main()
