"""Inline SVG charts for the HTML reports: lines over periods and horizontal stacked bars. No script, nothing
fetched; every text escaped. Each drawn element carries ``class`` and ``data-*`` attributes (series, value), so a
test reads the figures back from the rendered DOM."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

#: Colours of successive series (colour-blind-safe, Okabe-Ito).
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#f0e442")


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def line_chart(
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    title: str,
    *,
    y_max: float = 1.0,
    percent: bool = True,
    width: int = 640,
    height: int = 240,
) -> str:
    """Lines of ``series`` (name, one value or None per x label) over ``x_labels``; None leaves a gap. The y axis
    runs from 0 to ``y_max`` (values shown as percentages with ``percent``). A legend names each line."""
    left, right, top, bottom = 48, 150, 14, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(x_labels) - 1, 1)

    def x(index: int) -> float:
        return left + (index * step if len(x_labels) > 1 else plot_w / 2)

    def y(value: float) -> float:
        return top + plot_h - plot_h * min(max(value / y_max, 0.0), 1.0) if y_max else top + plot_h

    def shown(value: float) -> str:
        return f"{value:.0%}" if percent else f"{value:g}"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{_e(title)}" class="line-chart">',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#999"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#999"/>',
    ]
    for fraction in (0, 0.5, 1):
        parts.append(
            f'<text x="{left - 6}" y="{y(y_max * fraction) + 4:.1f}" font-size="11" text-anchor="end" fill="#666">'
            f"{_e(shown(y_max * fraction))}</text>"
        )
    every = max(1, len(x_labels) // 8)  # at most ~8 x labels, so they never overlap
    for index, name in enumerate(x_labels):
        if index % every == 0 or index == len(x_labels) - 1:
            parts.append(
                f'<text x="{x(index):.1f}" y="{top + plot_h + 16}" font-size="10" text-anchor="middle" '
                f'fill="#555">{_e(name)}</text>'
            )
    for number, (name, values) in enumerate(series):
        color = PALETTE[number % len(PALETTE)]
        segments: list[list[str]] = [[]]
        dots = []
        for index, value in enumerate(values):
            if value is None:
                segments.append([])
                continue
            segments[-1].append(f"{x(index):.1f},{y(value):.1f}")
            dots.append(
                f'<circle class="point" data-series="{_e(name)}" data-x="{_e(x_labels[index])}" '
                f'data-value="{value:.4f}" cx="{x(index):.1f}" cy="{y(value):.1f}" r="3" fill="{color}">'
                f"<title>{_e(name)} {_e(x_labels[index])}: {_e(shown(value))}</title></circle>"
            )
        for points in segments:
            if len(points) > 1:
                parts.append(
                    f'<polyline class="series" data-series="{_e(name)}" fill="none" stroke="{color}" '
                    f'stroke-width="2" points="{" ".join(points)}"/>'
                )
        parts.extend(dots)
        legend_y = top + 6 + 16 * number
        parts.append(
            f'<rect x="{left + plot_w + 12}" y="{legend_y - 8}" width="10" height="10" fill="{color}"/>'
            f'<text x="{left + plot_w + 26}" y="{legend_y + 1}" font-size="11" fill="#333">{_e(name[:18])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def stacked_bars(
    rows: Sequence[tuple[str, Sequence[tuple[str, float]]]],
    title: str,
    colors: Sequence[str] = PALETTE,
    *,
    width: int = 640,
) -> str:
    """One horizontal bar per row (name, [(part, value)...]), its parts stacked in ``colors``, scaled to the
    largest row; a legend names the parts of the first row."""
    left, right, bar_h, gap, top = 200, 60, 16, 6, 24
    height = top + len(rows) * (bar_h + gap) + 8
    most = max([sum(v for _, v in parts) for _, parts in rows] + [1e-9])
    plot_w = width - left - right
    parts_svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{_e(title)}" class="bar-chart">'
    ]
    if rows:
        x = left
        for number, (part, _) in enumerate(rows[0][1]):
            color = colors[number % len(colors)]
            parts_svg.append(
                f'<rect x="{x}" y="4" width="10" height="10" fill="{color}"/>'
                f'<text x="{x + 14}" y="13" font-size="11" fill="#333">{_e(part)}</text>'
            )
            x += 20 + 7 * len(part)
    for index, (name, values) in enumerate(rows):
        y = top + index * (bar_h + gap)
        parts_svg.append(
            f'<text x="{left - 6}" y="{y + bar_h - 4}" font-size="11" text-anchor="end" fill="#333">'
            f"{_e(name[:32])}</text>"
        )
        x = float(left)
        for number, (part, value) in enumerate(values):
            w = plot_w * value / most
            parts_svg.append(
                f'<rect class="bar" data-row="{_e(name)}" data-part="{_e(part)}" data-value="{value:g}" '
                f'x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colors[number % len(colors)]}">'
                f"<title>{_e(name)}: {_e(part)} {value:g}</title></rect>"
            )
            x += w
        total = sum(v for _, v in values)
        parts_svg.append(f'<text x="{x + 4:.1f}" y="{y + bar_h - 4}" font-size="11" fill="#555">{total:g}</text>')
    parts_svg.append("</svg>")
    return "".join(parts_svg)


__all__ = ["PALETTE", "line_chart", "stacked_bars"]
