"""Project-level assertions: the ``project:`` section of a rule file, checked by ``kili-rules check`` over all the
labels it reads (for CI and nightly runs: ``check`` exits 1 when one fails).

```yaml
project:
  max_fail_ratio: {iban-fr: 0.05}        # a rule fails on at most 5 % of the labels where it applies
  min_mean_score: 90                     # the mean score of the labels checked
  min_labels_per_category: {JOB_0.IBAN: 50}   # at least 50 labels hold an IBAN in JOB_0
  max_category_share: 0.6                # no category is in more than 60 % of the labels that answer its job
                                         # (or per job: {CLASSIFICATION_JOB: 0.6})
```

Fail ratio as in :mod:`kili_rules.authoring.tallies` (an error counts as a fail). A label *holds* a category when
the job names it anywhere in the label (a classification's choice or an object's category: any frame, any
nesting). A category's *share* is
the labels holding it over the labels where its job names any category; a multi-choice job's shares may add up to
more than 1. An assertion with nothing to measure (a rule that never applied, no label) fails: a gate that cannot
be checked does not pass.

Lint (at ``load`` and ``kili-rules lint``, at file:line:col): every rule id must be a rule of the file, and with an
``interface:``, every job and category must be in it (with "did you mean").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from kili_rules.authoring.label_files import LabelRecord
from kili_rules.authoring.tallies import Tally
from kili_rules.authoring.yaml_source import SourceMap
from kili_rules.errors import Problem, did_you_mean
from kili_rules.runtime.interface import ProjectInterface
from kili_rules.runtime.label_view import LabelView

Ratio = Annotated[float, Field(ge=0, le=1)]


class ProjectAssertions(BaseModel):
    """Thresholds on the whole set of labels ``check`` reads; each passes or fails with its figure."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    max_fail_ratio: dict[str, Ratio] = Field(
        {}, description="Rule id -> the highest share (0..1) of the labels where it applies that it may fail on."
    )
    min_mean_score: float | None = Field(
        None, ge=0, le=100, description="The lowest mean score (0..100) of the labels checked."
    )
    min_labels_per_category: dict[str, Annotated[int, Field(ge=0)]] = Field(
        {}, description="JOB.CATEGORY -> the fewest labels that must hold that category."
    )
    max_category_share: Ratio | dict[str, Ratio] | None = Field(
        None,
        description="The highest share (0..1) of the labels answering a job that one category may be in: one number "
        "for every job, or job -> share.",
    )


def project_problems(
    project: ProjectAssertions | None,
    rule_ids: list[str],
    interface: Mapping[str, Any] | None,
    source: SourceMap,
) -> list[Problem]:
    """What is wrong in the ``project:`` section: unknown rule ids, jobs and categories (with did you mean)."""
    if project is None:
        return []
    problems = []
    for rule_id in project.max_fail_ratio:
        if rule_id not in rule_ids:
            hint = did_you_mean(rule_id, rule_ids)
            message = f"unknown rule id {rule_id!r} in project.max_fail_ratio;{hint} rules: {', '.join(rule_ids)}"
            problems.append(source.problem(("project", "max_fail_ratio", rule_id), message, key=True))
    jobs = ProjectInterface(interface) if interface is not None else None
    for name in project.min_labels_per_category:
        at = ("project", "min_labels_per_category", name)
        job, dot, category = name.partition(".")
        if not dot or not job or not category:
            problems.append(source.problem(at, f"{name!r}: write JOB.CATEGORY (e.g. JOB_0.OBJECT_A)", key=True))
        elif jobs is not None:
            problems += _name_problems(jobs, job, category, at, source)
    if isinstance(project.max_category_share, dict) and jobs is not None:
        for job in project.max_category_share:
            problems += _name_problems(jobs, job, None, ("project", "max_category_share", job), source)
    return problems


def _name_problems(
    jobs: ProjectInterface, job: str, category: str | None, at: tuple[str, ...], source: SourceMap
) -> list[Problem]:
    names = list(jobs)
    if job not in names:
        message = f"unknown job {job!r} in the interface;{did_you_mean(job, names)} jobs: {', '.join(names)}"
        return [source.problem(at, message, key=True)]
    categories = jobs.categories(job)
    if category is not None and category not in categories:
        hint = did_you_mean(category, categories, dict(categories))
        message = f"unknown category {category!r} of {job};{hint} categories: {', '.join(categories)}"
        return [source.problem(at, message, key=True)]
    return []


@dataclass
class CategoryCounts:
    """Per job, the labels where it names a category, and per JOB.CATEGORY the labels holding it."""

    jobs: list[str] | None
    answered: Counter[str] = field(default_factory=Counter)
    holding: Counter[str] = field(default_factory=Counter)

    def add(self, record: LabelRecord) -> None:
        """Count the categories of one label (``jobs``: those jobs only; None: every job of the label)."""
        view = LabelView.from_label(record.label)
        for job in self.jobs if self.jobs is not None else view.jobs:
            categories = view.categories(job).union(*view.object_categories(job))
            if categories:
                self.answered[job] += 1
                for category in categories:
                    self.holding[f"{job}.{category}"] += 1


@dataclass(frozen=True)
class Verdict:
    """One assertion checked: what, the figure measured, the threshold, and whether it passed."""

    name: str
    figure: float | None
    threshold: float
    passed: bool

    def as_json(self) -> dict[str, Any]:
        """As plain data."""
        return {"assertion": self.name, "figure": self.figure, "threshold": self.threshold, "passed": self.passed}


def needs_categories(project: ProjectAssertions | None) -> list[str] | bool | None:
    """The jobs whose categories must be counted (None: every job), or False when no assertion needs them."""
    if project is None or (not project.min_labels_per_category and project.max_category_share is None):
        return False
    if project.max_category_share is not None and not isinstance(project.max_category_share, dict):
        return None
    jobs = {name.partition(".")[0] for name in project.min_labels_per_category}
    jobs.update(project.max_category_share or {})
    return sorted(jobs)


def verdicts(project: ProjectAssertions, tally: Tally, categories: CategoryCounts | None) -> list[Verdict]:
    """Every assertion of ``project`` against the project's tally and category counts."""
    found = []
    for rule_id, limit in project.max_fail_ratio.items():
        rate = tally.fail_rate(rule_id)
        figure = None if rate is None else round(rate, 4)
        found.append(Verdict(f"max_fail_ratio {rule_id}", figure, limit, rate is not None and rate <= limit))
    if project.min_mean_score is not None:
        mean = tally.mean_score
        found.append(
            Verdict("min_mean_score", mean, project.min_mean_score, mean is not None and mean >= project.min_mean_score)
        )
    counts = categories or CategoryCounts([])
    for name, least in project.min_labels_per_category.items():
        held = counts.holding[name]
        found.append(Verdict(f"min_labels_per_category {name}", held, least, held >= least))
    share = project.max_category_share
    if share is not None:
        limits = share if isinstance(share, dict) else {job: share for job in sorted(counts.answered)}
        if not limits:
            found.append(Verdict("max_category_share", None, float(share), False))  # type: ignore[arg-type]
        for job, limit in limits.items():
            answered = counts.answered[job]
            held = [(n, c) for n, c in counts.holding.items() if n.partition(".")[0] == job]
            name, most = max(held, key=lambda item: (item[1], item[0]), default=(job, 0))
            figure = round(most / answered, 4) if answered else None
            found.append(Verdict(f"max_category_share {name}", figure, limit, figure is not None and figure <= limit))
    return found


def verdicts_text(found: list[Verdict]) -> str:
    """One line per assertion: PASS / FAIL, figure, threshold."""
    lines = ["project assertions:"]
    for verdict in found:
        figure = "nothing to measure" if verdict.figure is None else f"{verdict.figure:g}"
        lines.append(
            f"  {'PASS' if verdict.passed else 'FAIL'}  {verdict.name}: {figure} (threshold {verdict.threshold:g})"
        )
    return "\n".join(lines)


__all__ = [
    "CategoryCounts",
    "ProjectAssertions",
    "Verdict",
    "needs_categories",
    "project_problems",
    "verdicts",
    "verdicts_text",
]
