"""Reports people open: ``check --format html`` and ``diff --format html`` as one self-contained HTML file.

No CDN, no script, no external font or image: inline CSS and an inline SVG score histogram, so the file can be
mailed, attached to a ticket or opened offline. Every value from labels or rule files is escaped
(:func:`html.escape`); links to assets are built from the endpoint and ids (URL-quoted), never from label text.

An asset links to Kili's labeling view of that asset, ``<server>/label/projects/label/<asset id>`` (the form Kili's
own "copy link" gives); the project links to ``<server>/label/projects/<project id>/``, the URL the ``kili`` SDK
builds (``kili.entrypoints.queries.project.helpers.get_project_url``).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from kili_rules.authoring.label_files import LabelRecord
from kili_rules.runtime.model import Report

#: Failing labels listed in a report (the rest are counted).
MAX_ROWS = 500
GRAPHQL_SUFFIX = "/api/label/v2/graphql"


def server_url(endpoint: str | None) -> str | None:
    """The server's base URL from its GraphQL endpoint (``https://cloud.kili-technology.com``)."""
    if not endpoint:
        return None
    return endpoint[: -len(GRAPHQL_SUFFIX)] if endpoint.endswith(GRAPHQL_SUFFIX) else endpoint.rstrip("/")


def asset_url(endpoint: str | None, asset_id: str | None) -> str | None:
    """The link to an asset in Kili's labeling view, or None without an endpoint or an asset id: the form of the
    links public datasets give to their Kili assets (``https://cloud.kili-technology.com/label/projects/label/
    <asset id>``)."""
    base = server_url(endpoint)
    if base is None or not asset_id:
        return None
    return f"{base}/label/projects/label/{quote(asset_id, safe='')}"


def project_url(endpoint: str | None, project_id: str | None) -> str | None:
    """The link to a project, as the kili SDK builds it."""
    base = server_url(endpoint)
    if base is None or not project_id:
        return None
    return f"{base}/label/projects/{quote(project_id, safe='')}/"


@dataclass
class FailingLabels:
    """The first ``limit`` labels with a failed rule (asset, label, score, failed rules, first messages), and how
    many there were in all: memory stays bounded whatever the number of labels."""

    limit: int = MAX_ROWS
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0

    def add(self, record: LabelRecord, report: Report) -> None:
        """``on_report`` of the audit."""
        failed = report.failed_rule_ids
        if not failed:
            return
        self.total += 1
        if len(self.rows) < self.limit:
            label = record.label if isinstance(record.label, Mapping) else {}
            self.rows.append(
                {
                    "asset": record.asset_id,
                    "label": label.get("id"),
                    "source": record.source,
                    "score": report.score,
                    "failed": list(failed),
                    "messages": [f.issue_text for f in report.findings[:3]],
                }
            )


# ---------------------------------------------------------------- building blocks

STYLE = """
:root { color-scheme: light; --fail: #c62828; --pass: #2e7d32; --muted: #666; --line: #ddd; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #222;
       background: #fafafa; }
main { max-width: 1180px; margin: 0 auto; padding: 20px 28px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.meta { color: var(--muted); margin: 0 0 16px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 12px 0; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px 16px; min-width: 150px; }
.card b { display: block; font-size: 22px; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f0f0f0; position: sticky; top: 0; font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.bar { background: #eee; height: 10px; width: 120px; border-radius: 3px; overflow: hidden; display: inline-block; }
.bar span { display: block; height: 100%; background: var(--fail); }
.sev-error { color: var(--fail); font-weight: 600; } .sev-warning { color: #b26a00; } .sev-info { color: #1565c0; }
.up { color: var(--fail); font-weight: 600; } .down { color: var(--pass); font-weight: 600; }
.msg { color: #444; font-size: 13px; } code { font-size: 13px; }
.hists { display: flex; gap: 24px; flex-wrap: wrap; }
figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
figcaption { font-weight: 600; margin: 0 0 4px 4px; }
a { color: #0b57d0; }
"""

HISTOGRAM_BINS = (*((f"{low}-{low + 9}", low, low + 9.999) for low in range(0, 100, 10)), ("100", 100, 100))


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def histogram_counts(scores: Mapping[float, int]) -> list[tuple[str, int]]:
    """Scores counted in 10-point bins, 100 on its own."""
    return [(name, sum(c for s, c in scores.items() if low <= s <= high)) for name, low, high in HISTOGRAM_BINS]


def histogram_svg(scores: Mapping[float, int], title: str, color: str = "#1565c0") -> str:
    """An inline SVG bar chart of the score distribution."""
    bins = histogram_counts(scores)
    width, height, left, bottom, top = 520, 220, 44, 36, 16
    plot_w, plot_h = width - left - 8, height - bottom - top
    most = max([c for _, c in bins] + [1])
    step = plot_w / len(bins)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{_e(title)}" class="histogram" viewBox="0 0 {width} {height}">',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 8}" y2="{top + plot_h}" stroke="#999"/>',
        f'<text x="{left - 6}" y="{top + 4}" font-size="11" text-anchor="end" fill="#666">{most:,}</text>',
        f'<text x="{left - 6}" y="{top + plot_h}" font-size="11" text-anchor="end" fill="#666">0</text>',
    ]
    for index, (name, count) in enumerate(bins):
        bar_h = plot_h * count / most
        x = left + index * step + 3
        y = top + plot_h - bar_h
        parts.append(
            f'<rect class="bin" data-bin="{_e(name)}" data-count="{count}" x="{x:.1f}" y="{y:.1f}" '
            f'width="{step - 6:.1f}" height="{bar_h:.1f}" fill="{color}"><title>{_e(name)}: {count:,}</title></rect>'
        )
        if count:
            parts.append(
                f'<text x="{x + (step - 6) / 2:.1f}" y="{y - 3:.1f}" font-size="11" text-anchor="middle" '
                f'fill="#333">{count:,}</text>'
            )
        parts.append(
            f'<text x="{x + (step - 6) / 2:.1f}" y="{top + plot_h + 14}" font-size="10" text-anchor="middle" '
            f'fill="#555">{_e(name)}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" font-size="11" text-anchor="middle" fill="#666">'
        "score</text></svg>"
    )
    return "".join(parts)


def _link(endpoint: str | None, asset_id: str | None, text: str | None = None) -> str:
    url = asset_url(endpoint, asset_id)
    shown = _e(text or asset_id or "?")
    return f'<a class="asset" href="{_e(url)}" target="_blank" rel="noopener">{shown}</a>' if url else shown


def _cards(items: Iterable[tuple[str, Any]]) -> str:
    return (
        '<div class="cards">' + "".join(f'<div class="card"><b>{_e(v)}</b>{_e(k)}</div>' for k, v in items) + "</div>"
    )


def _origin(files: list[str], project: str | None, endpoint: str | None) -> str:
    if project:
        url = project_url(endpoint, project)
        name = f'<a href="{_e(url)}">{_e(project)}</a>' if url else _e(project)
        return f"Kili project {name}"
    return "files " + ", ".join(f"<code>{_e(f)}</code>" for f in files) if files else "labels"


# ---------------------------------------------------------------- check


def audit_html(
    summary: Any,
    failing: FailingLabels | None,
    *,
    endpoint: str | None = None,
    project: str | None = None,
    insights: Any = None,
    project_id: str | None = None,
) -> str:
    """The ``check`` report: cards, project assertions, per-rule table, score histogram, labelers, reviewers,
    trend (with ``insights``), failing labels with links to Kili. A labeler's worst labels link to Kili when the
    report knows the project (``project``, or ``project_id`` for label files)."""
    stats = summary.score_stats()
    labels = summary.labels
    rows = []
    for tally in summary.rules.values():
        applicable = tally.statuses["fail"] + tally.statuses["pass"] + tally.statuses["error"]
        rate = tally.statuses["fail"] / applicable if applicable else 0.0
        counts = "".join(
            f'<td class="n">{tally.statuses[s]:,}</td>' for s in ("fail", "pass", "not_applicable", "error")
        )
        rows.append(
            f'<tr class="rule" data-rule="{_e(tally.rule_id)}"><td><code>{_e(tally.rule_id)}</code></td>'
            f'<td class="sev-{_e(tally.severity)}">{_e(tally.severity)}</td>{counts}'
            f'<td class="n">{tally.findings:,}</td>'
            f'<td><span class="bar" title="{rate:.0%} of applicable labels fail"><span style="width:{rate * 100:.0f}%">'
            f"</span></span> {rate:.0%}</td></tr>"
        )
    body = [
        f"<h1>Label audit: rule set <code>{_e(summary.rule_set)}</code></h1>",
        f'<p class="meta">{labels:,} labels from {_origin(summary.files, project, endpoint)}, event '
        f"{_e(summary.event)}, {len(summary.rules)} rules, {summary.seconds:.1f} s</p>",
        _cards(
            [
                ("labels", f"{labels:,}"),
                ("mean score", "-" if stats["mean"] is None else f"{stats['mean']:g}"),
                ("median score", "-" if stats["median"] is None else f"{stats['median']:g}"),
                ("labels with errors", f"{summary.labels_with_findings['error']:,}"),
                ("labels with warnings", f"{summary.labels_with_findings['warning']:,}"),
            ]
        ),
        "<h2>Rules</h2>",
        '<table id="rules"><thead><tr><th>rule</th><th>severity</th><th class="n">fail</th><th class="n">pass</th>'
        '<th class="n">n/a</th><th class="n">error</th><th class="n">findings</th><th>fail rate</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>",
        "<h2>Score distribution</h2>",
        f'<div class="hists"><figure>{histogram_svg(summary.scores, "score distribution")}</figure></div>',
    ]
    if insights is not None:
        from kili_rules.authoring.html_manager import manager_sections

        sections = manager_sections(insights, endpoint, linked=bool(project or project_id))
        if insights.project is not None:  # the gate first, after the cards
            body.insert(3, sections.pop(0))
        body.extend(sections)
    if failing is not None:
        body.append(f"<h2>Failing labels ({failing.total:,})</h2>")
        if failing.rows:
            items = []
            for row in failing.rows:
                messages = "<br>".join(_e(m) for m in row["messages"])
                items.append(
                    f'<tr class="failing"><td>{_link(endpoint, row["asset"])}</td>'
                    f"<td><code>{_e(row['label'])}</code></td>"
                    f'<td class="n">{row["score"]:g}</td><td>{_e(", ".join(row["failed"]))}</td>'
                    f'<td class="msg">{messages}</td></tr>'
                )
            body.append(
                '<table id="failing"><thead><tr><th>asset</th><th>label</th><th class="n">score</th>'
                f"<th>failed rules</th><th>first findings</th></tr></thead><tbody>{''.join(items)}</tbody></table>"
            )
            if failing.total > len(failing.rows):
                body.append(f'<p class="meta">and {failing.total - len(failing.rows):,} more (not listed)</p>')
        else:
            body.append('<p class="meta">none</p>')
    return _page(f"kili-rules check: {summary.rule_set}", "\n".join(body))


# ---------------------------------------------------------------- diff


def diff_html(diff: Any, *, endpoint: str | None = None, project: str | None = None) -> str:
    """The ``diff`` report: per rule the labels that newly fail / pass, histograms before and after, the assets
    that would be sent back, with links to Kili."""
    rows = []
    for change in diff.rules.values():
        rows.append(
            f'<tr class="rule" data-rule="{_e(change.rule_id)}"><td><code>{_e(change.rule_id)}</code></td>'
            f'<td>{_e(change.state)}</td><td class="n up">{len(change.newly_fail):,}</td>'
            f'<td class="n down">{len(change.newly_pass):,}</td><td class="n">{change.fail_before:,}</td>'
            f'<td class="n">{change.fail_after:,}</td></tr>'
        )
    before, after = diff.score_stats("before"), diff.score_stats("after")

    def mean(stats: Mapping[str, Any]) -> str:
        return "-" if stats["mean"] is None else f"{stats['mean']:g}"

    body = [
        f"<h1>Rule-set change: <code>{_e(diff.old_name)}</code> → <code>{_e(diff.new_name)}</code></h1>",
        f'<p class="meta">{diff.labels:,} labels from {_origin(diff.files, project, endpoint)}, event '
        f"{_e(diff.event)}</p>",
        _cards(
            [
                ("labels", f"{diff.labels:,}"),
                ("labels whose outcome changes", f"{len(diff.changed_labels):,}"),
                ("mean score before → after", f"{mean(before)} → {mean(after)}"),
                ("assets newly sent back", f"{sum(1 for s in diff.sent_back if not s['before']):,}"),
            ]
        ),
        "<h2>Rules</h2>",
        '<table id="rules"><thead><tr><th>rule</th><th>change</th><th class="n">newly fail</th>'
        '<th class="n">newly pass</th><th class="n">failing before</th><th class="n">failing after</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>",
        "<h2>Score distribution</h2>",
        '<div class="hists">'
        f"<figure><figcaption>before ({_e(diff.old_name)})</figcaption>"
        f"{histogram_svg(diff.scores_before, 'scores before', '#9e9e9e')}</figure>"
        f"<figure><figcaption>after ({_e(diff.new_name)})</figcaption>"
        f"{histogram_svg(diff.scores_after, 'scores after')}</figure></div>",
    ]
    changed = []
    for rule_id, label in diff.changes():
        changed.append(
            f'<tr class="change"><td><code>{_e(rule_id)}</code></td>'
            f'<td class="{"up" if label["now"] == "fail" else "down"}">newly {_e(label["now"])}</td>'
            f"<td>{_link(endpoint, label['asset'])}</td><td><code>{_e(label['label'])}</code></td>"
            f'<td class="msg">{_e(label.get("message"))}</td></tr>'
        )
    body.append(f"<h2>Labels whose outcome changes ({len(changed):,})</h2>")
    body.append(
        '<table id="changes"><thead><tr><th>rule</th><th>now</th><th>asset</th><th>label</th><th>finding</th>'
        f"</tr></thead><tbody>{''.join(changed[:MAX_ROWS])}</tbody></table>"
        if changed
        else '<p class="meta">none</p>'
    )
    if len(changed) > MAX_ROWS:
        body.append(f'<p class="meta">and {len(changed) - MAX_ROWS:,} more (see --format json)</p>')
    sent = [
        f'<tr class="sent-back"><td>{_link(endpoint, s["asset"])}</td><td><code>{_e(s["label"])}</code></td>'
        f"<td>{'already before' if s['before'] else '<b>new</b>'}</td><td>{_e(', '.join(s['rules']))}</td></tr>"
        for s in diff.sent_back[:MAX_ROWS]
    ]
    body.append(f"<h2>Assets that would be sent back ({len(diff.sent_back):,})</h2>")
    body.append(
        '<table id="sent-back"><thead><tr><th>asset</th><th>label</th><th>before</th><th>rules</th></tr></thead>'
        f"<tbody>{''.join(sent)}</tbody></table>"
        if sent
        else '<p class="meta">none</p>'
    )
    return _page(f"kili-rules diff: {diff.old_name} → {diff.new_name}", "\n".join(body))


__all__ = ["FailingLabels", "asset_url", "audit_html", "diff_html", "histogram_svg", "project_url", "server_url"]
