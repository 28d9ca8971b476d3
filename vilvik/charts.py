"""Server-rendered SVG charts of fitness histories (pure: numbers in, SVG text out)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any

HISTORY_PREVIEW_POINTS = 48
PALETTE = ("#1f6feb", "#d9480f", "#2b8a3e", "#862e9c", "#c2255c", "#0b7285")


def objective_series(history: Sequence[Any]) -> list[list[float]]:
    """One list per objective: a single-objective history is one series."""
    if not history:
        return [[]]
    if isinstance(history[0], list):
        return [[float(item[k]) for item in history] for k in range(len(history[0]))]
    return [list(map(float, history))]


def downsample(xs: Sequence[float], ys: Sequence[float], max_points: int) -> list[tuple[float, float]]:
    """At most about ``max_points`` points keeping the curve's shape: each bucket keeps its
    lowest and highest point (in order), and the first and last points always stay.

    A bucket's extremes are found with ``min``/``max``/``index`` on a slice, which run in C:
    a 100,000-generation history is downsampled on every view of its result page.
    """
    count = min(len(xs), len(ys))
    if count <= max_points:
        return list(zip(xs, ys))
    ys = ys if isinstance(ys, list) else list(ys)
    buckets = max(1, max_points // 2)
    size = count / buckets
    kept = [0]
    for bucket in range(buckets):
        start, stop = int(bucket * size), int((bucket + 1) * size)
        if start >= stop:
            continue
        chunk = ys[start:stop]
        low = start + chunk.index(min(chunk))
        high = start + chunk.index(max(chunk))
        for index in sorted({low, high}):
            if index != kept[-1]:
                kept.append(index)
    if kept[-1] != count - 1:
        kept.append(count - 1)
    return [(xs[index], ys[index]) for index in kept]


def history_preview(history: Sequence[Any], points: int = HISTORY_PREVIEW_POINTS) -> list[float]:
    """A short version of the (first objective's) history, for lists and sparklines."""
    series = objective_series(history)[0]
    return [y for _, y in downsample(range(len(series)), series, points)]


def history_is_sampled(count: int, generations_completed: int) -> bool:
    """Whether a history of ``count`` values holds fewer than one value per generation.

    A full history has one value per generation plus the initial population (PyGAD 3.3.1 may
    repeat the last one).
    """
    return count not in (generations_completed + 1, generations_completed + 2) and count > 1


def generation_positions(count: int, generations_completed: int) -> tuple[list[float], bool]:
    """x positions of ``count`` history values, and whether the history is sampled.

    A full history's values sit at their generations (a repeated last value at the last one);
    a sampled one is spread evenly over the run.
    """
    if not history_is_sampled(count, generations_completed):
        full = min(count, generations_completed + 1)
        return list(map(float, range(full))) + [float(generations_completed)] * (count - full), False
    step = generations_completed / (count - 1)
    return [index * step for index in range(count)], True


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (just the ends, for spans no double can step)."""
    if high <= low:
        return [low]
    raw = (high / 2 - low / 2) / max(1, count) * 2
    if not math.isfinite(raw) or raw < 1e-300:
        return [low, high]
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(multiple * magnitude for multiple in (1, 2, 2.5, 5, 10) if multiple * magnitude >= raw)
    digits = max(0, -math.floor(math.log10(step)) + 2)
    return [round(k * step, digits) + 0.0
            for k in range(math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9) + 1)]


def _format(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1e5 or abs(value) < 1e-3:
        return f"{value:.2e}"
    return f"{value:.4g}"


def _span(values: Sequence[float]) -> tuple[float, float]:
    """The value range with a margin, kept within what a double holds."""
    low, high = min(values), max(values)
    if low == high:
        pad = abs(low) * 0.1 or 1.0
    else:
        pad = (high / 2 - low / 2) * 0.1
    biggest = 1.7976931348623157e308
    return max(-biggest, low - pad), min(biggest, high + pad)


def _fraction(value: float, low: float, high: float) -> float:
    """Where ``value`` lies between ``low`` and ``high``, without overflowing on huge spans."""
    span = high / 2 - low / 2
    return (value / 2 - low / 2) / span if span > 0 else 0.5


def fitness_chart(history: Sequence[Any], generations_completed: int, *, boundary: int | None = None,
                  positions: Sequence[float] | None = None, width: int = 720, height: int = 320) -> str:
    """A fitness-per-generation line chart with axes, ticks and labels, of bounded size.

    ``positions`` gives each value's generation when it is not implied (a continued sampled run).
    """
    series = objective_series(history)
    count = len(series[0])
    if positions is not None and len(positions) == count:
        xs, sampled = [float(x) for x in positions], True
    else:
        xs, sampled = generation_positions(count, generations_completed)
    left, right, top, bottom = 72, 16, 16, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    extremes = [extreme(values) for values in series if values for extreme in (min, max)] or [0.0]
    y_low, y_high = _span(extremes)
    x_high = max(1.0, float(generations_completed), xs[-1] if xs else 0.0)

    def px(x: float) -> float:
        return left + plot_w * x / x_high

    def py(y: float) -> float:
        return top + plot_h * (1 - _fraction(y, y_low, y_high))

    title = "Best fitness per generation"
    description = (f"{count} values over {generations_completed} generations"
                   + (", sampled" if sampled else "") + (f"; continued after generation {boundary}" if boundary else ""))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="chart-title chart-desc">',
        f'<title id="chart-title">{escape(title)}</title><desc id="chart-desc">{escape(description)}</desc>',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" class="chart-plot"/>',
    ]
    for tick in nice_ticks(y_low, y_high):
        y = py(tick)
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" class="chart-grid"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="chart-tick">{_format(tick)}</text>')
    for tick in nice_ticks(0, x_high, 6):
        x = px(tick)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top + plot_h}" y2="{top + plot_h + 5}" class="chart-axis"/>')
        parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 18}" text-anchor="middle" class="chart-tick">'
                     f'{_format(tick)}</text>')
    parts.append(f'<text x="{left + plot_w / 2}" y="{height - 8}" text-anchor="middle" class="chart-label">'
                 f'Generation</text>')
    parts.append(f'<text x="14" y="{top + plot_h / 2}" text-anchor="middle" class="chart-label" '
                 f'transform="rotate(-90 14 {top + plot_h / 2})">Fitness</text>')
    if boundary is not None:
        x = px(boundary)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + plot_h}" class="chart-boundary"/>')
        parts.append(f'<text x="{x + 4:.1f}" y="{top + 14}" class="chart-tick">continued</text>')
    for index, values in enumerate(series):
        color = PALETTE[index % len(PALETTE)]
        points = downsample(xs, values, plot_w * 2)
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in points)
        dash = ' stroke-dasharray="5 4"' if sampled else ""
        parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"{dash} '
                     f'class="chart-line" data-points="{len(points)}"/>')
        if sampled and len(points) <= 200:
            parts.extend(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{color}"/>' for x, y in points)
    if len(series) > 1:
        for index in range(len(series)):
            y = top + 14 + 16 * index
            parts.append(f'<text x="{left + plot_w - 8}" y="{y}" text-anchor="end" class="chart-tick" '
                         f'fill="{PALETTE[index % len(PALETTE)]}">objective {index + 1}</text>')
    parts.append("</svg>")
    return "".join(parts)


def sparkline(values: Sequence[float], width: int = 120, height: int = 28) -> str:
    """A tiny line of a history preview, without axes."""
    if len(values) < 2:
        return ""
    low, high = _span(values)
    step = width / (len(values) - 1)
    span = high / 2 - low / 2  # _fraction inlined: a dashboard page draws a sparkline per row
    if span > 0:
        ys = [height - (value / 2 - low / 2) / span * height for value in values]
    else:  # a span too small to halve: a level line in the middle
        ys = [height / 2] * len(values)
    path = " ".join(f"{index * step:.1f},{y:.1f}" for index, y in enumerate(ys))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="sparkline" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" aria-hidden="true">'
            f'<polyline points="{path}" fill="none" stroke="currentColor" stroke-width="1.5"/></svg>')
