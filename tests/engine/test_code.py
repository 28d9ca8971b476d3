"""Static checks of user code: parsed, never executed."""

import pytest

from vilvik.engine.code import check_source, entry_name, gene_constraint_length


def test_a_fitness_function_passes():
    assert check_source("fitness_func", "def fitness_func(ga, sol, idx):\n    return 1\n", "fitness_func") is None


def test_syntax_errors_name_the_line():
    problem = check_source("fitness_func", "import numpy\n\ndef f(ga, s, i)\n    return 1\n", "f")
    assert problem.startswith("line 3")


def test_the_entry_must_be_defined_at_top_level():
    source = "def outer():\n    def fitness_func(ga, s, i):\n        return 1\n"
    assert check_source("fitness_func", source, "fitness_func") == (
        "must define a top-level function named 'fitness_func' (or name its function in fitness_func_entry)")


def test_an_entry_name_picks_another_function():
    source = "def helper(x):\n    return x\n\ndef sphere(ga, sol, idx):\n    return helper(1)\n"
    assert check_source("fitness_func", source, "sphere") is None
    assert entry_name({"fitness_func": source, "fitness_func_entry": "sphere"}, "fitness_func") == "sphere"
    assert entry_name({"fitness_func": source}, "fitness_func") == "fitness_func"


@pytest.mark.parametrize("role, source, ok", [
    ("on_generation", "def on_generation(ga):\n    pass\n", True),
    ("on_generation", "def on_generation(ga, extra):\n    pass\n", False),
    ("on_stop", "def on_stop(ga, fitness):\n    pass\n", True),
    ("on_stop", "def on_stop(*args):\n    pass\n", True),
    ("fitness_func", "def fitness_func(ga, sol):\n    return 0\n", False),
    ("fitness_func", "def fitness_func(ga, sol, idx, scale=2):\n    return 0\n", True),
    ("fitness_func", "fitness_func = lambda ga, sol, idx: 0\n", True),
    ("fitness_func", "fitness_func = 3\n", False),
    ("fitness_func", "async def fitness_func(ga, sol, idx):\n    return 0\n", False),
])
def test_entry_points_accept_pygads_arguments(role, source, ok):
    assert (check_source(role, source, role) is None) is ok


def test_gene_constraint_is_a_list_of_two_argument_callables():
    source = "gene_constraint = [lambda sol, values: values[values > 0], None]\n"
    assert check_source("gene_constraint", source, "gene_constraint") is None
    assert gene_constraint_length({"gene_constraint": source}) == 2
    assert "list named" in check_source("gene_constraint", "def gene_constraint():\n    pass\n", "gene_constraint")
    one_argument = "gene_constraint = [lambda sol: sol[0] > 0, None]\n"
    assert "must accept 2 arguments" in check_source("gene_constraint", one_argument, "gene_constraint")


def test_code_is_never_executed(tmp_path):
    marker = tmp_path / "ran"
    source = f"open({str(marker)!r}, 'w').write('x')\ndef fitness_func(ga, s, i):\n    return 0\n"
    assert check_source("fitness_func", source, "fitness_func") is None
    assert not marker.exists()
