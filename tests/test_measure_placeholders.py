"""The measures of geometry and overlap messages are numbers: a format spec applies to them (``{area:.4f}``), no
spec renders them as before (``{area}``: 4 significant digits; ``{iou}``: 3), and a spec that cannot apply to a
placeholder's value is an error located in the rule file."""

from __future__ import annotations

import pytest

from kili_rules.authoring.loader import load_rule_set
from kili_rules.errors import RuleFileError
from kili_rules.plugins.registry import default_registry
from kili_rules.runtime.engine import Engine
from kili_rules.runtime.label_view import LabelView
from kili_rules.runtime.message import Measure, render

RULE_TYPES = default_registry().rule_types


def _box(mid, x0, y0, x1, y1):
    vertices = [{"x": x0, "y": y0}, {"x": x1, "y": y0}, {"x": x1, "y": y1}, {"x": x0, "y": y1}]
    return {"mid": mid, "type": "rectangle", "categories": [{"name": "CAR"}],
            "boundingPoly": [{"normalizedVertices": vertices}]}  # fmt: skip


def _messages(annotations, rule_type, message, **params):
    rule = {"id": "r", "type": rule_type, "message": message, "events": ["submit"], "params": params}
    report = Engine({"rules": [rule]}, RULE_TYPES).evaluate(LabelView({"J": {"annotations": annotations}}))
    return [f.message for f in report.findings]


def test_geometry_specs_apply_to_area_width_and_height():
    box = _box("b", 0.1, 0.1, 0.3, 0.5)  # 0.2 wide, 0.4 high: area 0.08
    message = "{area:.4f} | {area} | {width:.1f} | {height:.0%} | {vertices:03d}"
    assert _messages([box], "geometry", message, job="J", max_area=0.05) == ["0.0800 | 0.08 | 0.2 | 40% | 004"]


def test_geometry_pixel_measures_take_a_spec_too():
    box = _box("b", 0.1, 0.1, 0.3, 0.5)  # 40 by 40 px of a 200 by 100 image: 1600 px²
    found = _messages([box], "geometry", "{area:,.1f} px², {width:.0f} wide ({width})", job="J", units="pixels",
                      resolution={"width": 200, "height": 100}, max_area=1000)  # fmt: skip
    assert found == ["1,600.0 px², 40 wide (40)"]


def test_overlap_iou_takes_a_spec_and_renders_as_before_without():
    left, right = _box("a", 0.0, 0.0, 0.3, 1.0), _box("b", 0.1, 0.0, 0.4, 1.0)  # IoU 0.2 / 0.4 = 0.5
    found = _messages([left, right], "overlap", "{iou:.2f} | {iou} | {count:d} | {other}", job="J", max_iou=0.4)
    assert found == ["0.50 | 0.5 | 1 | a"]


def test_a_measure_is_a_number_that_renders_as_its_text():
    area = Measure(1234.5678, "1235")
    assert area == 1234.5678 and area > 1000
    assert render("{a} {a:.2f} {a:.3e}", {"a": area}) == "1235 1234.57 1.235e+03"
    assert f"{area}" == "1235" and str(area) == "1235"


@pytest.mark.parametrize(
    ("rule", "placeholder", "column", "what"),
    [
        ("{id: a, type: geometry, job: J, max_area: 1, message: 'x {category:.2f}'}", "{category:.2f}", 59, "a text"),
        ("{id: a, type: geometry, job: J, max_area: 1, message: 'x {area:d}'}", "{area:d}", 59, "a number"),
        ("{id: a, type: overlap, job: J, max_iou: 0.5, message: 'x {others:.1%}'}", "{others:.1%}", 59, "a text"),
        ("{id: a, type: overlap, job: J, max_iou: 0.5, message: '{count:.2s}'}", "{count:.2s}", 59, "a whole number"),
    ],
)
def test_a_spec_that_cannot_apply_is_a_located_load_error(rule, placeholder, column, what, write_rules):
    path = write_rules(f"rules:\n  - {rule}\n")
    with pytest.raises(RuleFileError) as raised:
        load_rule_set(path)
    (line,) = str(raised.value).splitlines()
    assert line.startswith(f"{path}:2:{column}: error: {placeholder} in the message of rule 'a'"), line
    assert line.endswith(f"the spec cannot apply to {placeholder.split(':')[0]}}}, {what} [a]"), line


@pytest.mark.parametrize(
    "rule",
    [
        "{id: a, type: geometry, job: J, max_vertices: 9, message: '{vertices:d} {area:.2f} {category:>5}'}",
        "{id: a, type: overlap, job: J, max_iou: 0.5, message: '{iou:.1%} {count:>3} {other:>5}'}",
    ],
)
def test_specs_that_fit_load(rule, write_rules):
    assert load_rule_set(write_rules(f"rules:\n  - {rule}\n"))  # no RuleFileError
