"""A small server-rendered SVG chart: documents per domain per week, as stacked bars.

Plain strings, every text escaped; no script. The SVG carries a <title> and <desc>, and the page
shows the same counts as a table for readers who cannot see the chart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

# Colours distinguishable by most colour-blind readers (Okabe-Ito), one per series in order.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 36, 8, 12, 40


@dataclass(frozen=True, slots=True)
class WeeklyCounts:
    weeks: list[date]  # the Monday of each week, oldest first
    series: dict[str, list[int]]  # series name -> count per week


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly_counts(dates_by_series: dict[str, Iterable[str]], *, last_week: date, weeks: int) -> WeeklyCounts:
    """Counts per ISO week (Monday first) for the `weeks` weeks ending with the week of `last_week`."""
    end = week_start(last_week)
    mondays = [end - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    series = {}
    for name, dates in dates_by_series.items():
        counted = Counter(week_start(date.fromisoformat(day)) for day in dates)
        series[name] = [counted.get(monday, 0) for monday in mondays]
    return WeeklyCounts(mondays, series)


def stacked_bars(counts: WeeklyCounts, labels: dict[str, str], *, title: str, description: str,
                 chart_id: str = "chart") -> str:
    """The chart as an inline <svg> element."""
    names = list(counts.series)
    totals = [sum(counts.series[name][i] for name in names) for i in range(len(counts.weeks))]
    top = max([*totals, 1])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(counts.weeks), 1)
    bar = slot * 0.7
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT + 18 * len(names)}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" class="chart">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="#555"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end" font-size="11" fill="#333">{top}</text>',
        f'<text x="{LEFT - 6}" y="{TOP + plot_h}" text-anchor="end" font-size="11" fill="#333">0</text>',
    ]
    for i, monday in enumerate(counts.weeks):
        x = LEFT + i * slot + (slot - bar) / 2
        y = TOP + plot_h
        for n, name in enumerate(names):
            value = counts.series[name][i]
            if not value:
                continue
            h = plot_h * value / top
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                         f'fill="{PALETTE[n % len(PALETTE)]}"><title>{escape(labels.get(name, name))}, '
                         f'{monday.isoformat()}: {value}</title></rect>')
        if i % 2 == 0 or len(counts.weeks) <= 8:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{TOP + plot_h + 14}" text-anchor="middle" font-size="10" '
                         f'fill="#333">{monday.strftime("%m-%d")}</text>')
    for n, name in enumerate(names):
        lx = LEFT
        ly = HEIGHT - BOTTOM + 34 + 18 * n
        parts.append(f'<rect x="{lx:.1f}" y="{ly - 10}" width="12" height="12" fill="{PALETTE[n % len(PALETTE)]}"/>')
        parts.append(f'<text x="{lx + 16:.1f}" y="{ly}" font-size="12" fill="#1a1a1a">'
                     f'{escape(labels.get(name, name))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def table_rows(counts: WeeklyCounts, names: Sequence[str]) -> list[tuple[str, list[int]]]:
    """The chart's numbers as rows (week, count per series), for its accessible table."""
    return [(monday.isoformat(), [counts.series[name][i] for name in names]) for i, monday in enumerate(counts.weeks)]
