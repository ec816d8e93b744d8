"""The manager's sections of the ``check`` HTML report: project assertions, labelers, reviewers, trend.

Charts are inline SVG (:mod:`kili_rules.authoring.svg`). Each labeler's worst labels link to the asset in Kili when
the report knows the project (``--project``, or ``--project-id`` for label files); otherwise the asset id is shown.
"""

from __future__ import annotations

import math

from kili_rules.authoring.html_report import _e, asset_url
from kili_rules.authoring.insights import Insights
from kili_rules.authoring.people import worst_rows
from kili_rules.authoring.review_delta import KINDS
from kili_rules.authoring.svg import line_chart, stacked_bars

#: Labelers listed in the table (the rest are counted; the JSON report has them all).
MAX_LABELERS = 200
REVIEW_COLORS = ("#009e73", "#d55e00", "#999999")  # fixed, introduced, kept


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _worst_link(endpoint: str | None, asset_id: str | None) -> str:
    """A labeler's worst label: a link to its asset in Kili (class ``worst-label``), or the asset id."""
    url = asset_url(endpoint, asset_id)
    shown = _e(asset_id or "?")
    return f'<a class="worst-label" href="{_e(url)}" target="_blank" rel="noopener">{shown}</a>' if url else shown


def assertions_section(insights: Insights) -> str:
    """Each ``project:`` assertion: PASS / FAIL, the figure, the threshold."""
    found = insights.verdicts()
    if insights.project is None:
        return ""
    rows = "".join(
        f'<tr class="assertion" data-passed="{str(v.passed).lower()}"><td class="{"down" if v.passed else "up"}">'
        f"{'PASS' if v.passed else 'FAIL'}</td><td><code>{_e(v.name)}</code></td>"
        f'<td class="n">{"nothing to measure" if v.figure is None else f"{v.figure:g}"}</td>'
        f'<td class="n">{v.threshold:g}</td></tr>'
        for v in found
    )
    failed = sum(not v.passed for v in found)
    return (
        f'<h2 id="assertions-title">Project assertions ({failed} failed of {len(found)})</h2>'
        '<table id="assertions"><thead><tr><th>result</th><th>assertion</th><th class="n">figure</th>'
        f'<th class="n">threshold</th></tr></thead><tbody>{rows}</tbody></table>'
    )


def labelers_section(insights: Insights, endpoint: str | None, linked: bool) -> str:
    """One row per author, worst first: counts, rates, the rules where they are apart, their worst labels."""
    people = insights.people
    ranked = people.ranked()
    rows = []
    for labeler, marks in ranked[:MAX_LABELERS]:
        tally = labeler.tally
        marked = ", ".join(
            f'<span class="{"up" if side == "worse" else "down"}" data-rule="{_e(rule_id)}" data-side="{side}">'
            f"{_e(rule_id)} {_rate(tally.fail_rate(rule_id))} vs {_rate(people.project.fail_rate(rule_id))}</span>"
            for rule_id, side in marks.items()
        )
        worst = "<br>".join(
            f"{_worst_link(endpoint if linked else None, row['asset'])} score {row['score']:g}: "
            f"{_e(', '.join(row['failed']))}"
            for row in worst_rows(labeler)
        )
        rows.append(
            f'<tr class="labeler" data-author="{_e(labeler.name)}"><td>{_e(labeler.name)}</td>'
            f'<td class="n">{tally.labels:,}</td><td class="n">{_rate(tally.share_with_findings)}</td>'
            f'<td class="n">{tally.mean_score or 0:g}</td><td>{marked or "-"}</td><td class="msg">{worst}</td></tr>'
        )
    bars = stacked_bars(
        [
            (labeler.name, [("with findings", labeler.tally.with_findings),
                            ("clean", labeler.tally.labels - labeler.tally.with_findings)])
            for labeler, _ in ranked[:30]
        ],
        "labels per labeler",
        ("#c62828", "#9e9e9e"),
    )  # fmt: skip
    more = len(ranked) - MAX_LABELERS
    return (
        f"<h2>Labelers ({len(ranked):,})</h2>"
        f'<p class="meta">Worst first. A rule is marked when the labeler has at least {people.min_labels} labels where '
        "it applies and the 95% Wilson interval of their fail rate excludes the project's rate "
        '(<span class="up">worse</span> / <span class="down">better</span>).</p>'
        f"<figure>{bars}</figure>"
        '<table id="labelers"><thead><tr><th>labeler</th><th class="n">labels</th><th class="n">with findings</th>'
        '<th class="n">mean score</th><th>rules apart from the project (theirs vs project)</th><th>worst labels</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        + (f'<p class="meta">and {more:,} more (see --format json)</p>' if more > 0 else "")
    )


def reviewers_section(insights: Insights) -> str:
    """Per rule and per reviewer: findings fixed, introduced, kept by the review."""
    review = insights.review
    if review is None:
        return ""
    rule_rows = "".join(
        f'<tr class="review-rule" data-rule="{_e(rule_id)}"><td><code>{_e(rule_id)}</code></td>'
        + "".join(f'<td class="n" data-kind="{k}">{counts[k]:,}</td>' for k in KINDS)
        + "</tr>"
        for rule_id, counts in review.rules.items()
    )
    ranked = review.ranked()
    reviewer_rows = "".join(
        f'<tr class="reviewer" data-reviewer="{_e(name)}"><td>{_e(name)}</td><td class="n">{totals["reviews"]:,}</td>'
        + "".join(f'<td class="n" data-kind="{k}">{totals[k]:,}</td>' for k in KINDS)
        + "</tr>"
        for name, totals in ranked[:MAX_LABELERS]
    )
    bars = stacked_bars(
        [(name, [(k, totals[k]) for k in KINDS]) for name, totals in ranked[:30]],
        "findings per reviewer",
        REVIEW_COLORS,
    )
    head = "".join(f'<th class="n">{k}</th>' for k in KINDS)
    return (
        f"<h2>Reviewers ({review.pairs:,} reviews compared, {review.unpaired:,} unpaired)</h2>"
        '<p class="meta">Each REVIEW label against the labeler\'s DEFAULT label it reviews; a finding is its rule id, '
        "annotation mid and message: on the labeler's label only, <b>fixed</b>; on the reviewer's only, "
        "<b>introduced</b>; on both, <b>kept</b>.</p>"
        f"<figure>{bars}</figure>"
        f'<table id="review-rules"><thead><tr><th>rule</th>{head}</tr></thead><tbody>{rule_rows}</tbody></table>'
        f'<h3>Per reviewer</h3><table id="reviewers"><thead><tr><th>reviewer</th><th class="n">reviews</th>{head}'
        f"</tr></thead><tbody>{reviewer_rows}</tbody></table>"
    )


def trend_section(insights: Insights) -> str:
    """Fail rate per rule and mean score per period: two line charts and a table."""
    trend = insights.trend
    ordered = trend.ordered()
    names = [name for name, _ in ordered]
    series = [(r, trend.series(r)) for r in trend.rule_ids]
    highest = max([v for _, values in series for v in values if v is not None] + [0.0])
    y_max = max(math.ceil(highest * 20 - 1e-9) / 20, 0.05)  # the highest rate, up to the next 5 %
    rates = line_chart(names, series, "fail rate per rule", y_max=y_max, width=540)
    scores = line_chart(
        names, [("mean score", [t.mean_score for _, t in ordered])], "mean score", y_max=100, percent=False, width=540
    )
    head = "".join(f'<th class="n"><code>{_e(r)}</code></th>' for r in trend.rule_ids)
    rows = "".join(
        f'<tr class="period" data-period="{_e(name)}"><td>{_e(name)}</td><td class="n">{tally.labels:,}</td>'
        f'<td class="n">{tally.mean_score or 0:g}</td>'
        + "".join(f'<td class="n">{_rate(tally.fail_rate(r))}</td>' for r in trend.rule_ids)
        + "</tr>"
        for name, tally in ordered
    )
    return (
        f"<h2>Trend per {_e(trend.period)} of createdAt</h2>"
        f'<div class="hists"><figure><figcaption>fail rate per rule</figcaption>{rates}</figure>'
        f"<figure><figcaption>mean score</figcaption>{scores}</figure></div>"
        f'<table id="trend"><thead><tr><th>{_e(trend.period)}</th><th class="n">labels</th><th class="n">mean score'
        f"</th>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )


def manager_sections(insights: Insights, endpoint: str | None, linked: bool) -> list[str]:
    """The sections, in reading order: assertions, labelers, reviewers, trend."""
    found = [
        assertions_section(insights),
        labelers_section(insights, endpoint, linked),
        reviewers_section(insights),
        trend_section(insights),
    ]
    return [section for section in found if section]


__all__ = ["manager_sections"]
