"""Issue 21, item 10: the Python rule API has a reference generated from the code (docs/python-rules-api.md), and
a wrong guess at it (``annotation.points``, ``vertex["x"]``) says what was likely meant. Expectations are written by
hand from the classes' code and the issue's examples."""

from __future__ import annotations

import copy
import json
import logging
import pickle

import pytest
from cli_runner import run_cli
from conftest import ROOT
from hypothesis import example, given
from hypothesis import strategies as st

from kili_rules.authoring.api_reference import API_CLASSES, members, python_api_markdown, summary
from kili_rules.runtime.attribute_hints import attribute_hint
from kili_rules.runtime.interface import Job, ProjectInterface
from kili_rules.runtime.label_model import Annotation, JobResponse, Point
from kili_rules.runtime.label_view import LabelView
from kili_rules.runtime.model import Violation
from kili_rules.testing import evaluate, run_plugin

REFERENCE = ROOT / "docs" / "python-rules-api.md"
BOX = {
    "mid": "box-1",
    "type": "rectangle",
    "categories": [{"name": "CAR"}],
    "boundingPoly": [{"normalizedVertices": [{"x": 0.1, "y": 0.1}, {"x": 0.6, "y": 0.1}, {"x": 0.6, "y": 0.4}]}],
}
#: One object of each class of the reference.
SAMPLES = {
    LabelView: LabelView({"JOB_0": {"annotations": [BOX]}}),
    JobResponse: JobResponse({"annotations": [BOX]}, "JOB_0", None, None),
    Annotation: Annotation(BOX, "JOB_0", None, None),
    Point: Point(0.1, 0.2),
    ProjectInterface: ProjectInterface(),
    Job: Job("JOB_0"),
    Violation: Violation(),
}


def public(obj: object) -> set[str]:
    return {name for name in dir(obj) if not name.startswith("_")}


# -- the reference --------------------------------------------------------------------------------------------------


def test_the_python_api_reference_is_current():
    current = REFERENCE.read_text(encoding="utf-8")
    assert current == python_api_markdown(), "run: python -m kili_rules.authoring.docs --python-api > " + str(
        REFERENCE.relative_to(ROOT)
    )


@pytest.mark.parametrize("cls", [entry[0] for entry in API_CLASSES], ids=lambda c: c.__name__)
def test_every_public_name_is_in_the_reference_with_its_type_and_a_line_of_documentation(cls):
    listed = members(cls)
    assert {m.name for m in listed} == public(SAMPLES[cls])  # nothing missing, nothing extra
    assert len({m.name for m in listed}) == len(listed)
    undocumented = [m.name for m in listed if not m.doc.strip()]
    untyped = [m.name for m in listed if not m.type.strip()]
    assert (undocumented, untyped) == ([], []), "document it: a docstring, a #: comment above it, or Attributes:"
    assert summary(cls.__doc__)


def test_the_reference_shows_names_types_and_documentation_as_the_code_writes_them():
    page = python_api_markdown()
    expected = [  # copied by hand from label_view.py, label_model.py and interface.py
        "- `responses(job: str, *, frame: str | None = None) -> list[JobResponse]`: Every occurrence of `job`: "
        "top-level or nested, in every frame (or only in `frame`).",
        "- `vertices: list[Point]`: Every vertex of the shape, whatever its tool, flattened.",
        "- `raw: dict[str, Any]`: The object as the `jsonResponse` holds it (read-only: shared with every rule).",
        "- `x: float`: The horizontal coordinate: 0 (left) .. 1 (right) when normalized, the longitude in "
        "geospatial projects.",
        "- `label_id: str | None`: the label's id in Kili, when known",
        "- `LabelView.from_label(label: Any, *, jobs: Iterable[str] | None = None, interface: ProjectInterface | "
        "Mapping[str, Any] | None = None, resolution: Any = None) -> LabelView`: A view of a label as Kili passes "
        "it to a plugin or `kili.labels()` returns it (`jobs`, `interface`, `resolution`: the asset's, see above).",
        '- `ml_task: str`: `CLASSIFICATION`, `OBJECT_DETECTION`, `TRANSCRIPTION`... (`""` when not given).',
        "`Violation(values: Mapping[str, Any] = ..., mid: str | None = None, job: str | None = None, "
        "frame: str | None = None, message: str | None = None)`",
    ]
    lines = page.splitlines()
    assert [line for line in expected if line not in lines] == []
    assert [line.split("`")[1] for line in lines if line.startswith("## `")] == [
        "LabelView",
        "JobResponse",
        "Annotation",
        "Point",
        "ProjectInterface",
        "Job",
        "Violation",
    ]


def test_the_command_line_prints_the_reference():
    done = run_cli("rules", "--python-api")
    assert (done.returncode, done.stdout, done.stderr) == (0, python_api_markdown(), "")


def test_the_readme_links_the_reference_from_its_python_rules_section():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Python rules", 1)[1].split("\n### ", 1)[0]
    assert "(docs/python-rules-api.md)" in section


# -- what a miss says -------------------------------------------------------------------------------------------------


def hint(obj: object, name: str) -> str | None:
    """The hint the engine adds to the error of reading ``name`` on ``obj``."""
    with pytest.raises(AttributeError) as error:
        getattr(obj, name)
    return attribute_hint(error.value)


def test_the_issues_two_examples():
    box = LabelView({"JOB_0": {"annotations": [BOX]}}).annotations("JOB_0")[0]
    assert hint(box, "points") == "did you mean 'vertices', 'pose_points' or 'point'?"
    vertex = box.vertices[0]
    with pytest.raises(TypeError) as subscript:
        vertex["x"]
    assert str(subscript.value) == "'Point' object is not subscriptable: use point.x, not point['x']"


@pytest.mark.parametrize(
    ("obj", "name", "expected"),
    [  # Kili's camelCase keys, the raw keys that an attribute reads, usual guesses
        (SAMPLES[Annotation], "beginOffset", "did you mean 'begin_offset', 'end_offset' or 'offsets'?"),
        (SAMPLES[Annotation], "isKeyFrame", "did you mean 'is_key_frame'?"),
        (SAMPLES[Annotation], "type", "did you mean 'tool'?"),
        (SAMPLES[Annotation], "startEntities", "did you mean 'start_mids'?"),
        (SAMPLES[Annotation], "text", "did you mean 'content'?"),
        (SAMPLES[JobResponse], "content", "did you mean 'text'?"),
        (SAMPLES[LabelView], "annotation", "did you mean 'annotations'?"),
        (SAMPLES[LabelView], "labelId", "did you mean 'label_id' or 'label_type'?"),
        (SAMPLES[ProjectInterface], "job_names", "did you mean 'job_name' or 'jobs'?"),
        (SAMPLES[Violation], "values_", "did you mean 'values'?"),
    ],
)
def test_a_miss_suggests_the_attribute_that_holds_it(obj, name, expected):
    assert hint(obj, name) == expected


def test_with_nothing_close_it_lists_every_public_name():
    names = ", ".join(sorted(m.name for m in members(Annotation)))
    assert hint(SAMPLES[Annotation], "zzz") == f"its attributes are: {names}"
    assert hint(SAMPLES[Point], "z") == "its attributes are: x, y"


def test_no_hint_where_python_did_not_say_what_was_missed_on_which_runtime_object():
    assert hint(SAMPLES[Annotation], "__array__") is None  # a protocol probe
    assert hint({"mid": "m"}, "mid") is None  # not an object of the runtime
    assert attribute_hint(AttributeError("a rule's own error")) is None
    assert attribute_hint(ValueError("points")) is None

    class Broken(Annotation):
        __slots__ = ()

        @property
        def area(self) -> float:
            return self.raw.nope  # type: ignore[attr-defined]

    # the error inside a property is about the dict it read, not hidden behind a suggestion
    assert hint(Broken(BOX, "JOB_0", None, None), "area") is None


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("y", "use point.y, not point['y']"),
        (0, "use point.x, not point[0]"),
        (1, "use point.y, not point[1]"),
        ("lat", "its coordinates are point.x and point.y"),
    ],
)
def test_subscripting_a_point_names_its_attributes(key, expected):
    with pytest.raises(TypeError) as error:
        Point(0.5, 0.25)[key]
    assert str(error.value) == f"'Point' object is not subscriptable: {expected}"


def test_a_point_stays_a_plain_value_not_an_iterable():
    point = Point(0.5, 0.25)
    with pytest.raises(TypeError, match="not iterable"):
        _x, _y = point
    with pytest.raises(TypeError):
        0.5 in point  # noqa: B015
    assert (copy.deepcopy(point), pickle.loads(pickle.dumps(point))) == (point, point)
    assert (point.x, point.y, hash(point) == hash(Point(0.5, 0.25))) == (0.5, 0.25, True)


def _misspelled(name: str, edit: str, position: int, char: str) -> str:
    """``name`` with one edit (Levenshtein distance 1) at ``position``."""
    at = position % (len(name) + (edit == "insert"))
    if edit == "insert":
        return name[:at] + char + name[at:]
    if edit == "delete":
        return name[:at] + name[at + 1 :]
    return name[:at] + char + name[at + 1 :]


@given(
    cls=st.sampled_from([LabelView, JobResponse, Annotation, ProjectInterface, Job]),  # Point's: see below
    data=st.data(),
    edit=st.sampled_from(["insert", "delete", "substitute"]),
    position=st.integers(min_value=0, max_value=40),
    char=st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789"),
)
@example(cls=Annotation, data=None, edit="substitute", position=1, char="u").via("mid -> mud")
def test_one_edit_away_from_a_real_name_suggests_it(cls, data, edit, position, char):
    obj = SAMPLES[cls]
    names = sorted(public(obj))
    real = data.draw(st.sampled_from(names)) if data is not None else "mid"
    wrong = _misspelled(real, edit, position, char)
    if wrong in names or not wrong or wrong.startswith("__"):
        return  # not a miss (another real name), or not a name
    found = hint(obj, wrong)
    assert found is not None and found.startswith("did you mean "), (real, wrong, found)
    assert repr(real) in found, (real, wrong, found)


@pytest.mark.parametrize(
    ("wrong", "expected"),
    [
        ("X", "did you mean 'x'?"),
        ("yy", "did you mean 'y'?"),
        ("w", "its attributes are: x, y"),  # a letter for a letter: as near to x as to y, both are listed
    ],
)
def test_one_edit_away_from_a_points_coordinate(wrong, expected):
    assert hint(Point(0.5, 0.25), wrong) == expected


# -- offline, the rule's file and line lead the hint --------------------------------------------------------------


RULES = """\
from kili_rules import rule


@rule(id="box-points", message="a box has too few points")
def box_points(label):
    for box in label.annotations("JOB_0"):
        if len(box.points) < 4:
            return False
    return True


@rule(id="left-half", message="a vertex is in the right half")
def left_half(label):
    return all(vertex["x"] < 0.5 for box in label.annotations("JOB_0") for vertex in box.vertices)
"""
POINTS = (
    "guess_rules.py:7: AttributeError: 'Annotation' object has no attribute 'points'; "
    "did you mean 'vertices', 'pose_points' or 'point'?"
)
SUBSCRIPT = "guess_rules.py:14: TypeError: 'Point' object is not subscriptable: use point.x, not point['x']"
#: The issue labelers read: the error alone, as before (the hint is for the rule's author).
POINTS_ISSUE = "could not check this label: AttributeError: 'Annotation' object has no attribute 'points'"


@pytest.fixture
def guessing_project(tmp_path):
    rules = tmp_path / "rules"
    (rules / "tests").mkdir(parents=True)
    (rules / "guess.yaml").write_text("name: guess\npython: [guess_rules.py]\nrules: []\n", encoding="utf-8")
    (rules / "guess_rules.py").write_text(RULES, encoding="utf-8")
    response = json.dumps({"JOB_0": {"annotations": [BOX]}})  # JSON is YAML
    case = f"cases:\n  - name: one box\n    json_response: {response}\n    expect:\n      pass: [box-points]\n"
    (rules / "tests" / "guess.yaml").write_text(case, encoding="utf-8")
    (tmp_path / "label.json").write_text(json.dumps({"JOB_0": {"annotations": [BOX]}}), encoding="utf-8")
    return tmp_path


def test_eval_shows_the_hint_at_the_rules_line(guessing_project):
    done = run_cli("eval", "rules/guess.yaml", "label.json", cwd=guessing_project)
    assert f"box-points: {POINTS}" in done.stdout.splitlines()[1]
    assert f"left-half: {SUBSCRIPT}" in done.stdout
    assert "Traceback" not in done.stderr


def test_test_shows_the_hint_at_the_rules_line(guessing_project):
    done = run_cli("test", cwd=guessing_project)
    assert done.returncode == 1
    assert f"rule 'box-points' was expected to pass, but it raised: {POINTS}" in done.stdout
    assert f"rule 'box-points' raised: {POINTS}" in done.stdout


def test_the_engine_adds_the_hint_to_the_error_not_to_the_issue(guessing_project):
    report = evaluate(guessing_project / "rules" / "guess.yaml", {"JOB_0": {"annotations": [BOX]}})
    points = report.outcome("box-points")
    assert (points.status, points.error) == ("error", POINTS)
    assert [f.message for f in points.findings] == [POINTS_ISSUE]


def test_the_plugins_log_has_the_hint(guessing_project, caplog):
    logger = logging.getLogger("kili_rules.tests.python_api")
    with caplog.at_level(logging.INFO, logger=logger.name):
        kili = run_plugin(
            guessing_project / "rules" / "guess.yaml",
            {"jsonResponse": {"JOB_0": {"annotations": [BOX]}}},
            logger=logger,
        )
    assert POINTS in caplog.text
    assert "[guess/box-points] " + POINTS_ISSUE in kili.open_issues
