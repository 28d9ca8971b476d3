"""The PyGAD parameter rules, checked without Flask or a database."""

import pytest

from vilvik.engine.parameters import PARAMETERS, check_ga_parameters, custom_gene_type_problem, parse_custom_gene_type


def errors_for(**params):
    return check_ga_parameters({"num_generations": 10, **params})


def test_minimal_parameters_are_valid():
    assert check_ga_parameters({"num_generations": 1}) == {}


def test_num_generations_is_required():
    assert check_ga_parameters({"sol_per_pop": 10}) == {"num_generations": ["is required"]}


@pytest.mark.parametrize("value", [1.5, 10.0, True, "10", None, [10]])
def test_num_generations_must_be_an_integer(value):
    assert "must be an integer" in check_ga_parameters({"num_generations": value})["num_generations"][0]


@pytest.mark.parametrize("key", ["sol_per_pop", "num_genes", "num_parents_mating", "sample_size"])
@pytest.mark.parametrize("value", [0, -5])
def test_counts_are_positive(key, value):
    assert check_ga_parameters({"num_generations": 3, key: value})[key] == ["must be at least 1"]


def test_zero_generations_is_a_run_pygad_accepts():
    assert check_ga_parameters({"num_generations": 0}) == {}
    assert check_ga_parameters({"num_generations": -1}) == {"num_generations": ["must be at least 0"]}


def test_integers_too_large_for_a_double_are_not_numbers():
    assert "too large" in errors_for(init_range_low=-10**400)["init_range_low"][0]


def test_unknown_keys_are_rejected_by_name():
    errors = errors_for(num_generation=5, mutation_rate=0.1)
    assert errors == {"num_generation": ["is not a PyGAD parameter"], "mutation_rate": ["is not a PyGAD parameter"]}


@pytest.mark.parametrize("key, hint", [("fitness_func", "code.fitness_func"), ("on_generation", "code.on_generation"),
                                       ("initial_population", "result.population"), ("logger", "cannot be sent")])
def test_code_and_object_arguments_say_where_they_belong(key, hint):
    assert hint in errors_for(**{key: "x"})[key][0]


def test_num_parents_mating_cannot_exceed_population():
    assert errors_for(sol_per_pop=4, num_parents_mating=5) == {
        "num_parents_mating": ["must not exceed the population size (4)"]
    }


def test_population_rows_stand_in_for_a_missing_sol_per_pop():
    assert check_ga_parameters({"num_generations": 3, "num_parents_mating": 5}, population_rows=4) == {
        "num_parents_mating": ["must not exceed the population size (4)"]
    }


def test_keep_elitism_and_keep_parents_fit_the_population():
    errors = errors_for(sol_per_pop=4, num_parents_mating=2, keep_elitism=5, keep_parents=3)
    assert errors["keep_elitism"] == ["must not exceed the population size (4)"]
    assert errors["keep_parents"] == ["must not exceed num_parents_mating (2)"]


def test_keep_parents_minus_one_means_all():
    assert errors_for(keep_parents=-1) == {}
    assert errors_for(keep_parents=-2) == {"keep_parents": ["must be at least -1"]}


@pytest.mark.parametrize("key, good, bad", [
    ("parent_selection_type", "tournament", "roulette"),
    ("crossover_type", "two_points", "double_point"),
    ("mutation_type", "scramble", "gaussian"),
])
def test_operator_names_are_pygads(key, good, bad):
    assert errors_for(**{key: good}) == {}
    assert "must be one of" in errors_for(**{key: bad})[key][0]


def test_crossover_and_mutation_may_be_disabled():
    assert errors_for(crossover_type=None, mutation_type=None) == {}


@pytest.mark.parametrize("value", [float("inf"), float("nan"), "1", True])
def test_numbers_must_be_finite_numbers(value):
    assert "finite number" in errors_for(init_range_low=value)["init_range_low"][0]


def test_ranges_may_be_given_per_gene_and_in_any_order_as_pygad_allows():
    assert errors_for(init_range_low=3, init_range_high=-3) == {}
    assert errors_for(num_genes=2, init_range_low=[0, 1], init_range_high=[1, 2],
                      random_mutation_min_val=[-1, -2], random_mutation_max_val=[1, 2]) == {}
    assert errors_for(num_genes=3, init_range_low=[0, 1]) == {"init_range_low": ["has 2 values but num_genes is 3"]}
    assert "one per gene" in errors_for(init_range_low=[])["init_range_low"][0]


@pytest.mark.parametrize("value", [-0.1, 1.5])
def test_probabilities_lie_in_zero_one(value):
    assert errors_for(crossover_probability=value)["crossover_probability"]


def test_adaptive_mutation_needs_a_pair_of_its_active_control():
    assert "needs" in errors_for(mutation_type="adaptive")["mutation_type"][0]
    assert "must be a pair" in errors_for(mutation_type="adaptive", mutation_probability=0.1)[
        "mutation_probability"][0]
    assert errors_for(mutation_type="adaptive", num_genes=3, mutation_num_genes=[5, 1]) == {
        "mutation_num_genes": ["must not exceed num_genes (3)"]}


def test_categorical_genes_need_a_finite_space():
    assert errors_for(gene_categorical=True)["gene_categorical"]
    assert errors_for(gene_categorical=True, gene_space=[0, 1, 2]) == {}
    assert errors_for(gene_categorical=[False, True], num_genes=2, gene_space=[None, {"low": 0, "high": 3}])[
        "gene_categorical"] == ["gene 1 is categorical but its gene_space is not a finite set"]
    assert errors_for(gene_categorical=[False, True], num_genes=2,
                      gene_space=[None, {"low": 0, "high": 3, "step": 1}]) == {}


def test_keep_parents_may_be_null_and_k_tournament_matters_only_for_tournaments():
    assert errors_for(keep_parents=None, K_tournament=0) == {}
    assert errors_for(parent_selection_type="tournament", K_tournament=0) == {
        "K_tournament": ["must be at least 1 for tournament selection"]}


def test_adaptive_mutation_takes_pairs_and_only_adaptive_does():
    assert errors_for(mutation_type="adaptive", mutation_probability=[0.3, 0.1]) == {}
    assert errors_for(mutation_type="random", mutation_probability=[0.3, 0.1]) == {
        "mutation_probability": ["takes a pair only with mutation_type 'adaptive'"]
    }
    assert "pair of two values" in errors_for(mutation_type="adaptive", mutation_probability=[0.3])[
        "mutation_probability"][0]


def test_mutation_percent_genes_accepts_default_and_percentages():
    assert errors_for(mutation_percent_genes="default") == {}
    assert errors_for(mutation_percent_genes=25) == {}
    assert errors_for(mutation_percent_genes=0)["mutation_percent_genes"]
    assert errors_for(mutation_percent_genes=101)["mutation_percent_genes"]


def test_mutation_num_genes_fits_num_genes():
    assert errors_for(num_genes=3, mutation_num_genes=4) == {"mutation_num_genes": ["must not exceed num_genes (3)"]}


@pytest.mark.parametrize("gene_type", ["int", "float", "numpy.float32", "np.int16", "numpy.uint8", "object"])
def test_gene_type_names(gene_type):
    assert errors_for(gene_type=gene_type) == {}


def test_unknown_gene_type_is_rejected():
    assert errors_for(gene_type="double")["gene_type"]


@pytest.mark.parametrize("text, parsed", [
    ("[float, 3]", ["float", 3]),
    ("[int, float]", ["int", "float"]),
    ("[numpy.float32, [float, 2]]", ["numpy.float32", ["float", 2]]),
])
def test_custom_gene_type_is_parsed_not_evaluated(text, parsed):
    assert parse_custom_gene_type(text) == parsed


@pytest.mark.parametrize("text", ["__import__('os').system('id')", "[float, 'x']", "lambda: 1", "[str, 2]",
                                  "1" + "+1" * 4990, "a" + "[0]" * 3300, "-" * 9990 + "1", "[" * 5000 + "]" * 5000])
def test_custom_gene_type_refuses_anything_but_types(text):
    assert custom_gene_type_problem(text, None) is not None


def test_custom_gene_type_per_gene_list_matches_num_genes():
    assert errors_for(gene_type="custom", custom_gene_type="[int, float]", num_genes=3) == {
        "custom_gene_type": ["lists 2 gene types but num_genes is 3"]
    }
    assert errors_for(gene_type="custom") == {"custom_gene_type": ["is required when gene_type is 'custom'"]}
    assert errors_for(gene_type="float", custom_gene_type="[int]")["custom_gene_type"]


@pytest.mark.parametrize("space", [
    [0, 1],
    {"low": -1, "high": 1},
    {"low": 0, "high": 10, "step": 0.5},
    [[0, 1, 2], {"low": 0, "high": 1}, None],
    [[0, 1, None], None, {"low": 1, "high": -1, "step": -0.25}],
])
def test_gene_space_forms(space):
    assert errors_for(gene_space=space, num_genes=3) == {}


@pytest.mark.parametrize("space, message", [
    ({"low": 1, "high": 1, "step": 0.5}, "holds no value"),
    ({"low": 0, "high": 1, "step": -0.5}, "holds no value"),
    ({"low": 0, "high": 1, "step": 0}, "step must be a non-zero number"),
    ({"min": 0, "max": 1}, "'low', 'high'"),
    ([[0, 1], "abc", None], "gene 1"),
    ([[0, 1], None], "gives 2 gene spaces but num_genes is 3"),
    ([], "must be null"),
])
def test_gene_space_problems_are_named(space, message):
    assert message in errors_for(gene_space=space, num_genes=3)["gene_space"][0]


@pytest.mark.parametrize("criteria", ["reach_0.01", "saturate_7", ["reach_-5", "saturate_3"], "reach_10_20",
                                      "time_30", "evaluations_1000", "saturate_10.0"])
def test_stop_criteria_forms(criteria):
    assert errors_for(stop_criteria=criteria) == {}


@pytest.mark.parametrize("criteria", ["reached_1", "saturate_1.5", "saturate_0", "saturate_1_2", "reach_x",
                                      "reach_inf", ["saturate_3", 4], "time_-1"])
def test_bad_stop_criteria(criteria):
    assert errors_for(stop_criteria=criteria)["stop_criteria"]


def test_random_seed_range():
    assert errors_for(random_seed=0) == {}
    assert errors_for(random_seed=-1)["random_seed"]
    assert errors_for(random_seed=2**32)["random_seed"]


def test_nsga3_needs_divisions():
    assert errors_for(parent_selection_type="nsga3") == {"nsga3_num_divisions": ["is required for NSGA-III selection"]}


def test_every_parameter_of_pygad_is_known():
    """The table follows PyGAD's own constructor: a new PyGAD argument must be decided on."""
    import inspect

    import pygad

    arguments = set(inspect.signature(pygad.GA.__init__).parameters) - {"self"}
    code_or_objects = {"fitness_func", "on_start", "on_fitness", "on_parents", "on_crossover", "on_mutation",
                       "on_generation", "on_stop", "gene_constraint", "initial_population", "logger"}
    assert arguments - code_or_objects == set(PARAMETERS) - {"custom_gene_type"}
