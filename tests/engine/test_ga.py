"""Building and running a GA from JSON (trusted test code runs here; user code only in the sandbox)."""

import numpy
import pytest

from vilvik.engine.continuation import merge_history, shape_changes, starting_population
from vilvik.engine.ga import UserCodeError, ga_arguments, gene_type, load_user_code, run_ga, user_traceback

SPHERE = {"fitness_func": "def f(ga, sol, idx):\n    return -float(numpy.sum(sol ** 2))\n", "fitness_func_entry": "f"}
PARAMS = {"num_generations": 20, "sol_per_pop": 10, "num_genes": 3, "num_parents_mating": 4, "random_seed": 3,
          "mutation_num_genes": 1}


def job(**changes):
    return {"ga_parameters": {**PARAMS, **changes.pop("params", {})}, "code": changes.pop("code", SPHERE),
            "num_generations": 20, "initial_population": None, "progress_interval": 0, **changes}


@pytest.mark.parametrize("name, expected", [("float", float), ("int", int), ("numpy.float32", numpy.float32),
                                            ("np.int16", numpy.int16), (["float", 3], [float, 3]),
                                            (["int", ["float", 2]], [int, [float, 2]])])
def test_gene_types_map_to_pygads(name, expected):
    assert gene_type(name) == expected


def test_user_code_finds_numpy_np_and_math_already_imported():
    code = {"fitness_func": "def fitness_func(ga, s, i):\n    return float(np.sum(s)) + math.pi + numpy.e\n"}
    assert load_user_code(code)["fitness_func"](None, numpy.ones(2), 0) == pytest.approx(2 + numpy.pi + numpy.e)


def test_a_continued_run_takes_its_shape_from_the_population():
    arguments = ga_arguments({**PARAMS, "parallel_processing": 4}, load_user_code(SPHERE), num_generations=5,
                             initial_population=[[0.0] * 3] * 10)
    assert "sol_per_pop" not in arguments and "num_genes" not in arguments
    assert "parallel_processing" not in arguments and arguments["num_generations"] == 5


def test_a_run_reports_progress_and_returns_the_import_shape():
    reports = []
    result = run_ga(job(), reports.append)
    assert result["generations_completed"] == 20
    assert len(result["best_solutions_fitness"]) == 21
    assert numpy.asarray(result["population"]).shape == (10, 3)
    assert result["best_solution_fitness"] == max(result["last_generation_fitness"])
    assert result["stopped_reason"] == "completed"
    assert reports[-1]["generation"] == 20 and len(reports[-1]["best_solutions_fitness"]) == 21


def test_a_seeded_run_is_deterministic():
    assert run_ga(job(), lambda report: None) == run_ga(job(), lambda report: None)


def test_on_generation_can_stop_the_run():
    code = {**SPHERE, "on_generation": "def on_generation(ga):\n    return 'stop' if ga.generations_completed >= 5 else None\n"}
    result = run_ga(job(code=code), lambda report: None)
    assert result["generations_completed"] == 5 and result["stopped_reason"] == "on_generation returned 'stop'"


def test_stop_criteria_end_the_run():
    result = run_ga(job(params={"stop_criteria": "saturate_2"}), lambda report: None)
    assert result["generations_completed"] < 20 and result["stopped_reason"] == "stop_criteria reached"


def test_errors_in_user_code_keep_only_the_users_frames():
    code = {"fitness_func": "def helper(x):\n    return 1 / 0\n\ndef fitness_func(ga, s, i):\n    return helper(s)\n"}
    with pytest.raises(UserCodeError) as caught:
        run_ga(job(code=code), lambda report: None)
    trace = caught.value.user_traceback
    assert 'File "<fitness_func>", line 2, in helper' in trace and "ZeroDivisionError" in trace
    assert "pygad" not in trace and "vilvik" not in trace


def test_code_that_fails_while_loading_says_so():
    with pytest.raises(UserCodeError, match="fitness_func failed while loading: NameError"):
        load_user_code({"fitness_func": "undefined_name\ndef fitness_func(ga, s, i):\n    return 0\n"})


def test_user_traceback_of_an_error_outside_user_code_is_just_the_error():
    try:
        raise ValueError("bad")
    except ValueError as error:
        assert user_traceback(error) == "ValueError: bad\n"


def test_histories_merge_without_repeating_the_re_evaluated_start():
    assert merge_history([1, 2, 3], [3, 4, 5]) == [1, 2, 3, 4, 5]


def test_a_small_population_is_filled_within_the_initial_range():
    start = starting_population([[0.5, 0.5]], None, {"sol_per_pop": 4, "init_range_low": -1, "init_range_high": 1},
                                2, seed=1)
    rows = numpy.asarray(start.rows)
    assert rows.shape == (4, 2) and rows[0].tolist() == [0.5, 0.5]
    assert (rows >= -1).all() and (rows <= 1).all() and "drew 3 new individuals" in start.note


def test_a_large_population_keeps_its_fittest():
    start = starting_population([[1.0], [2.0], [3.0]], [0.1, 0.9, 0.5], {"sol_per_pop": 2}, 1, seed=None)
    assert start.rows == [[2.0], [3.0]] and "fittest" in start.note


def test_no_population_means_a_fresh_start():
    assert starting_population(None, None, {"sol_per_pop": 4}, 2, seed=None) is None


def test_shape_parameters_cannot_change():
    assert shape_changes({"num_genes": 5}, {"num_genes": 6}) == ["num_genes"]
    assert shape_changes({"gene_type": "float"}, {"gene_type": "int"}) == ["gene_type"]
    assert shape_changes({}, {"gene_type": "float"}) == []
    assert shape_changes({"num_genes": 5}, {"num_genes": 5, "mutation_num_genes": 2}) == []
