"""SVG charts: bounded in size whatever the history's length, shape (extremes) kept."""

import math
import re

from vilvik.charts import downsample, fitness_chart, generation_positions, history_preview, nice_ticks, sparkline


def polyline_points(svg: str) -> list[list[tuple[float, float]]]:
    lines = re.findall(r'<polyline points="([^"]+)"', svg)
    return [[tuple(map(float, pair.split(","))) for pair in line.split()] for line in lines]


def test_downsampling_keeps_first_last_and_extremes():
    values = [math.sin(i / 500) for i in range(100_000)]
    values[31_337] = 50.0
    values[77_777] = -50.0
    kept = downsample(range(len(values)), values, 200)
    assert len(kept) <= 202
    assert kept[0] == (0, values[0]) and kept[-1] == (99_999, values[-1])
    assert (31_337, 50.0) in kept and (77_777, -50.0) in kept


def test_short_series_are_untouched():
    assert downsample([0, 1, 2], [3.0, 1.0, 2.0], 10) == [(0, 3.0), (1, 1.0), (2, 2.0)]


def test_a_full_history_is_one_value_per_generation():
    assert generation_positions(101, 100) == ([float(i) for i in range(101)], False)


def test_a_short_history_is_sampled_over_the_run():
    positions, sampled = generation_positions(5, 100)
    assert sampled and positions == [0.0, 25.0, 50.0, 75.0, 100.0]


def test_the_spec_example_chart_is_drawn_sampled_with_markers():
    svg = fitness_chart([-4.2, -2.1, -0.8, -0.3, -0.001], 100)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'stroke-dasharray="5 4"' in svg and svg.count("<circle") == 5
    assert "Generation" in svg and "Fitness" in svg and "sampled" in svg


def test_a_100000_generation_chart_is_bounded_and_keeps_its_extremes():
    history = [-(1 / (1 + g)) for g in range(100_001)]
    history[50_000] = 3.0  # one spike must survive downsampling
    svg = fitness_chart(history, 100_000)
    (points,) = polyline_points(svg)
    assert len(points) <= 2 * 632 + 2
    assert len(svg) < 60_000
    top = min(y for _, y in points)  # the highest value has the smallest y
    assert any(abs(x - (72 + 632 * 0.5)) < 1 and y == top for x, y in points)


def test_a_100000_generation_chart_keeps_first_last_and_global_extremes():
    history = [math.sin(g / 900) + g / 200_000 for g in range(100_001)]
    history[23_456] = -5.0  # the global minimum
    history[71_234] = 4.0  # the global maximum
    svg = fitness_chart(history, 100_000)
    (points,) = polyline_points(svg)
    assert len(points) <= 2 * 632 + 2 and len(svg) < 60_000
    lowest = max(points, key=lambda point: point[1])  # the lowest value has the largest y
    highest = min(points, key=lambda point: point[1])
    assert abs(lowest[0] - (72 + 632 * 0.23456)) < 0.1
    assert abs(highest[0] - (72 + 632 * 0.71234)) < 0.1

    def y_of(value: float) -> float:
        return lowest[1] + (highest[1] - lowest[1]) * (value + 5.0) / 9.0

    assert points[0][0] == 72 and abs(points[0][1] - y_of(history[0])) < 0.11
    assert points[-1][0] == 72 + 632 and abs(points[-1][1] - y_of(history[-1])) < 0.11


def test_a_repeated_last_value_stays_at_the_last_generation():
    positions, sampled = generation_positions(102, 100)
    assert not sampled and positions[-3:] == [99.0, 100.0, 100.0]


def test_multi_objective_histories_draw_one_line_per_objective():
    svg = fitness_chart([[1, 2], [2, 3], [3, 5]], 2)
    assert len(polyline_points(svg)) == 2 and "objective 2" in svg


def test_a_continued_run_marks_its_boundary():
    assert "chart-boundary" in fitness_chart(list(range(11)), 10, boundary=5)


def test_a_flat_history_still_has_a_scale():
    assert polyline_points(fitness_chart([1.0, 1.0, 1.0], 2))


def test_ticks_are_round_numbers():
    assert nice_ticks(0, 100, 5) == [0, 20, 40, 60, 80, 100]
    assert nice_ticks(-0.63, 0.03, 4) == [-0.6, -0.4, -0.2, 0.0]


def test_previews_and_sparklines_are_small():
    preview = history_preview(list(range(10_000)))
    assert len(preview) <= 50 and preview[0] == 0 and preview[-1] == 9_999
    assert sparkline(preview).count("<polyline") == 1
    assert sparkline([1.0]) == ""


def test_extreme_values_still_draw():
    for history in ([-1e308, 0.0, 1e308], [5e-324, 0.0], [1.7976931348623157e308] * 3):
        assert polyline_points(fitness_chart(history, len(history) - 1))
        assert sparkline(history).count("<polyline") == 1


def test_explicit_positions_place_a_continued_sampled_history():
    svg = fitness_chart([1, 2, 3, 4, 5, 6], 12, positions=[0, 5, 10, 11, 12, 12])
    assert len(polyline_points(svg)[0]) == 6
