"""Sandbox fixtures: small limits so that attacks end quickly."""

import pytest

from vilvik.runner.policy import MIB, Limits, Policy
from vilvik.runner.sandbox import run_job

SPHERE = "def fitness_func(ga, sol, idx):\n    return -float(numpy.sum(sol ** 2))\n"
PARAMS = {"num_generations": 10, "sol_per_pop": 8, "num_genes": 3, "num_parents_mating": 4, "random_seed": 1,
          "mutation_num_genes": 1}
TIGHT = Limits(wall_seconds=6, cpu_seconds=6, memory_bytes=768 * MIB, output_bytes=16 * 1024, file_bytes=1 * MIB,
               scratch_bytes=4 * MIB, scratch_files=100, result_bytes=4 * MIB)


def sandbox_job(fitness: str = SPHERE, **params) -> dict:
    return {"ga_parameters": {**PARAMS, **params}, "code": {"fitness_func": fitness},
            "num_generations": params.get("num_generations", PARAMS["num_generations"]),
            "initial_population": None}


@pytest.fixture(scope="session")
def available_layers() -> list[str]:
    """The layers this machine gives a job (a trivial job tells)."""
    outcome = run_job(sandbox_job(), Policy(limits=TIGHT))
    assert outcome.status == "succeeded", outcome.output
    return outcome.layers


@pytest.fixture()
def tight_policy() -> Policy:
    return Policy(limits=TIGHT)
