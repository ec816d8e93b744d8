"""geometry: the shape of each annotation: size, aspect, position, vertices, validity, pose points, area of interest.

Checks every annotation of an object job (rectangle, polygon, semantic mask, polyline, vector, marker, pose),
wherever the job occurs, optionally only those of some categories. Sizes are fractions of the image (Kili's
normalized coordinates: `min_width: 0.01` is 1 % of the image's width, `min_area: 0.0001` is 0.01 % of its area),
or pixels with `units: pixels`: each asset's own resolution (`resolution: {width, height}` of the asset in Kili; the
plugin reads it with the asset, `check` and `eval` take it from the export or the `kili.assets()` dump, a YAML test
case may give `resolution:`), or the rule's fixed `resolution` when it has one, which then applies to every asset.
An asset whose resolution is unknown (a PDF, which has one per page; a dump without it) or unusable (not two
positive numbers) makes a rule in pixels end in `error` (fail closed: `units: pixels needs the asset's resolution,
which Kili did not give for this asset`), never a guess. The aspect ratio is width / height, in pixels with `units:
pixels` or a fixed `resolution`, else in normalized units.
Areas exist for rectangles, polygons and semantic masks (holes subtracted); a marker or a line has none, so the
area bounds skip them, while width, height, position and vertices apply to every shape. A rectangle is its box
(Kili exports hold rectangles with 2 vertices: `valid` reports them, the sizes read their box).

`valid: true` wants a polygon or mask ring with 3 distinct vertices or more, a non-zero area and no edges that
cross or touch (a "bowtie", a spike); a rectangle with 4 vertices; a line with 2 distinct points. `inside_image`
wants every vertex (pose points included) within the image, give or take `tolerance`. In geospatial projects
coordinates are longitude / latitude: use `inside` (the area of interest, `[[lon, lat], ...]`) rather than the
image bounds, and sizes in degrees. For a pose, `required_points` lists the point codes that must be placed (the
interface's mandatory points); a pose job is one whose tools include `pose` (Kili writes them as `OBJECT_DETECTION`
jobs with `tools: [pose]`) or a `POSE_ESTIMATION` job, and lint warns about `required_points` on any other.

Options:

Each annotation that breaks a bound is one finding, pinned on it (its `mid`), giving every bound it breaks. In a
video an object wrong on several frames is one finding, on the first of them, its `{frames}` listing them all.
The rule is not applicable when no annotation of the job (and categories) is in the label.

Placeholders: `{reason}` (what is wrong, with the measures, e.g. `OBJECT_A rectangle tiny: area 0.0001 below
min_area 0.001`), `{category}`, `{area}`, `{width}`, `{height}` (in the rule's units), `{vertices}`, `{frames}`.

Example:

```yaml
rule:
  id: box-size
  type: geometry
  job: JOB_0
  category: [OBJECT_A, OBJECT_B]
  min_area: 0.001
  max_aspect_ratio: 10
  inside_image: true
fails:
  - JOB_0:
      annotations:
        - mid: tiny
          type: rectangle
          categories: [{name: OBJECT_A}]
          boundingPoly:
            - normalizedVertices: [{x: 0.1, y: 0.1}, {x: 0.11, y: 0.1}, {x: 0.11, y: 0.11}, {x: 0.1, y: 0.11}]
        - mid: ok
          type: rectangle
          categories: [{name: OBJECT_A}]
          boundingPoly: [{normalizedVertices: [{x: 0.1, y: 0.1}, {x: 0.3, y: 0.1}, {x: 0.3, y: 0.3}, {x: 0.1, y: 0.3}]}]
        - mid: out
          type: rectangle
          categories: [{name: OBJECT_B}]
          boundingPoly: [{normalizedVertices: [{x: 0.9, y: 0.1}, {x: 1.2, y: 0.1}, {x: 1.2, y: 0.3}, {x: 0.9, y: 0.3}]}]
pinned:
  - [tiny, out]
passes:
  - JOB_0:
      annotations:
        - mid: ok
          type: rectangle
          categories: [{name: OBJECT_A}]
          boundingPoly: [{normalizedVertices: [{x: 0.1, y: 0.1}, {x: 0.3, y: 0.1}, {x: 0.3, y: 0.3}, {x: 0.1, y: 0.3}]}]
not_applicable:
  - {}
```

Example (valid polygons: a bowtie crosses itself, a two-point polygon is degenerate):

```yaml
rule: {id: valid-polygons, type: geometry, job: POLY, valid: true, min_vertices: 3, max_vertices: 100}
fails:
  - POLY:
      annotations:
        - mid: bowtie
          type: polygon
          boundingPoly: [{normalizedVertices: [{x: 0, y: 0}, {x: 1, y: 1}, {x: 1, y: 0}, {x: 0, y: 1}]}]
        - mid: flat
          type: polygon
          boundingPoly: [{normalizedVertices: [{x: 0, y: 0}, {x: 1, y: 1}]}]
pinned:
  - [bowtie, flat]
passes:
  - POLY:
      annotations:
        - mid: triangle
          type: polygon
          boundingPoly: [{normalizedVertices: [{x: 0, y: 0}, {x: 1, y: 0}, {x: 0, y: 1}]}]
```

Example (pixels, on a 1920 × 1080 video: boxes at least 20 px wide; one finding per object, on its first frame):

```yaml
rule:
  id: wide-enough
  type: geometry
  job: CARS
  units: pixels
  resolution: {width: 1920, height: 1080}
  min_width: 20
fails:  # a rectangle with 2 vertices, as some Kili exports have, is read as its box: 9.6 px wide
  - "0": {CARS: {annotations: [{mid: car, type: rectangle, boundingPoly: [{normalizedVertices: &thin [
      {x: 0.5, y: 0.5}, {x: 0.505, y: 0.6}]}]}]}}
    "1": {CARS: {annotations: [{mid: car, type: rectangle, boundingPoly: [{normalizedVertices: *thin}]}]}}
pinned:
  - [car]
passes:
  - "0": {CARS: {annotations: [{mid: car, type: rectangle, boundingPoly: [{normalizedVertices: [
      {x: 0.5, y: 0.5}, {x: 0.52, y: 0.6}]}]}]}}
```

Example (pixels from each asset's own resolution: a box 0.02 × 0.03 of the image is 38.4 × 32.4 px on a 1920 × 1080
asset, 1244 px², but 12.8 × 14.4 px on a 640 × 480 one, 184 px²; without a usable resolution the rule is an error):

```yaml
rule: {id: big-enough, type: geometry, job: JOB_0, units: pixels, min_width: 20, min_area: 400}
passes:
  - json_response: &box {JOB_0: {annotations: [{mid: b, type: rectangle, boundingPoly: [{normalizedVertices: [
      {x: 0.1, y: 0.1}, {x: 0.12, y: 0.1}, {x: 0.12, y: 0.13}, {x: 0.1, y: 0.13}]}]}]}}
    resolution: {width: 1920, height: 1080}
fails:
  - {json_response: *box, resolution: {width: 640, height: 480}}
errors:
  - *box  # no resolution given
  - {json_response: *box, resolution: {width: 0, height: 480}}
```

Example (geospatial: every point inside the area of interest, in longitude / latitude):

```yaml
rule:
  id: in-aoi
  type: geometry
  job: POINTS
  inside: [[4.3, 52.2], [4.5, 52.2], [4.5, 52.3], [4.3, 52.3]]
fails:
  - POINTS: {annotations: [{mid: far, type: marker, point: {x: 5.1, y: 52.25}}]}
passes:
  - POINTS: {annotations: [{mid: near, type: marker, point: {x: 4.41, y: 52.24}}]}
```

Example (a pose must place its nose and both eyes, inside the image):

```yaml
rule: {id: pose-points, type: geometry, job: POSE, required_points: [NOSE, LEFT_EYE, RIGHT_EYE], inside_image: true}
fails:
  - POSE:
      annotations:
        - mid: p1
          type: pose
          points:
            - {code: NOSE, point: {x: 0.5, y: 0.5}}
            - {code: LEFT_EYE, point: {x: 0.45, y: 0.4}}
pinned:
  - [p1]
passes:
  - POSE:
      annotations:
        - mid: p1
          type: pose
          points:
            - {code: NOSE, point: {x: 0.5, y: 0.5}}
            - {code: LEFT_EYE, point: {x: 0.45, y: 0.4}}
            - {code: RIGHT_EYE, point: {x: 0.55, y: 0.4}}
```
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from kili_rules.rule_types._findings import (
    AREA_TOOLS,
    SHAPE_JOB,
    SHAPE_TASKS,
    Grouped,
    as_names,
    of_categories,
    path,
    region,
)
from kili_rules.runtime import geometry as geo
from kili_rules.runtime import polygons
from kili_rules.runtime.contract import InterfaceView, OptionProblem, RuleType, option
from kili_rules.runtime.label_model import Annotation
from kili_rules.runtime.label_view import LabelView
from kili_rules.runtime.message import Measure
from kili_rules.runtime.model import NOT_APPLICABLE, CannotCheck, Violation


@dataclass(frozen=True)
class Resolution:
    """The image's size in pixels."""

    width: int = option(doc="the image's width in pixels", ge=1)
    height: int = option(doc="the image's height in pixels", ge=1)


@dataclass(frozen=True)
class GeometryParams:
    """The options of a ``geometry`` rule."""

    job: str = option(doc="the object job whose annotations are checked", job=True)
    category: str | list[str] | None = option(
        None, doc="check only annotations of this category (or of any of these)", category=True, default_text="all"
    )
    min_area: float | None = option(None, doc="a smaller area is a finding (a fraction of the image, or px²)", ge=0)
    max_area: float | None = option(None, doc="a larger area is a finding (a fraction of the image, or px²)", ge=0)
    min_width: float | None = option(None, doc="a narrower bounding box is a finding", ge=0)
    max_width: float | None = option(None, doc="a wider bounding box is a finding", ge=0)
    min_height: float | None = option(None, doc="a lower bounding box is a finding", ge=0)
    max_height: float | None = option(None, doc="a higher bounding box is a finding", ge=0)
    min_aspect_ratio: float | None = option(None, doc="width / height below this is a finding", ge=0)
    max_aspect_ratio: float | None = option(None, doc="width / height above this is a finding", ge=0)
    inside_image: bool = option(False, doc="every vertex must lie in the image (0..1 normalized coordinates)")
    tolerance: float = option(
        0.0, doc="how far outside the image (a fraction of it) `inside_image` still accepts", ge=0, le=1
    )
    min_vertices: int | None = option(None, doc="fewer distinct vertices is a finding", ge=1)
    max_vertices: int | None = option(None, doc="more distinct vertices is a finding", ge=1)
    valid: bool = option(
        False,
        doc="polygons need 3 distinct vertices, a non-zero area and no crossing edges; rectangles 4 vertices; "
        "lines 2 points",
    )
    units: Literal["fraction", "pixels"] = option(
        "fraction",
        doc="`fraction` (of the image: normalized coordinates) or `pixels` (each asset's resolution, or `resolution`)",
    )
    resolution: Resolution | None = option(
        None,
        doc="a fixed size in pixels for every asset, for `units: pixels` and pixel aspect ratios",
        default_text="the asset's",
    )
    inside: list[list[float]] | None = option(
        None, doc="the area of interest, a polygon `[[x, y], ...]` (geospatial: `[[lon, lat], ...]`) to stay in"
    )
    required_points: list[str] | None = option(None, doc="pose: the codes of the points that must be placed")


_BOUNDS = (
    ("min_area", "max_area"),
    ("min_width", "max_width"),
    ("min_height", "max_height"),
    ("min_aspect_ratio", "max_aspect_ratio"),
    ("min_vertices", "max_vertices"),
)
_CHECKS = (
    *(bound for pair in _BOUNDS for bound in pair),
    "inside_image",
    "valid",
    "inside",
    "required_points",
)


def _number(value: float) -> str:
    return f"{value:.4g}"


def _checked(params: GeometryParams) -> list[str]:
    return [name for name in _CHECKS if getattr(params, name) not in (None, False)]


def validate(params: GeometryParams) -> list[OptionProblem]:
    """Load-time checks: something to check, bounds in order, fractions at most 1, a usable area of interest."""
    problems = []
    if not _checked(params):
        problems.append(OptionProblem("job", f"a geometry rule needs at least one of {', '.join(_CHECKS)}"))
    for low, high in _BOUNDS:
        low_value, high_value = getattr(params, low), getattr(params, high)
        if low_value is not None and high_value is not None and low_value > high_value:
            problems.append(
                OptionProblem(low, f"`{low}` ({low_value}) is above `{high}` ({high_value}): the rule can never pass")
            )
    if params.units == "fraction":
        for name in ("min_area", "max_area", "min_width", "max_width", "min_height", "max_height"):
            value = getattr(params, name)
            if value is not None and value > 1:
                problems.append(
                    OptionProblem(
                        name, f"`{name}` is {value}, above 1: a fraction of the image; for pixels set `units: pixels`"
                    )
                )
    if params.inside is not None:
        if any(len(point) != 2 for point in params.inside):
            problems.append(OptionProblem("inside", "each point of the area of interest is a pair `[x, y]`"))
        else:
            problem = polygons.ring_problem([(float(x), float(y)) for x, y in params.inside])
            if problem is not None:
                problems.append(OptionProblem("inside", f"the area of interest is not a valid polygon: {problem}"))
    if params.tolerance and not params.inside_image:
        problems.append(OptionProblem("tolerance", "`tolerance` applies to `inside_image: true` only", "warning"))
    return problems


#: Why a rule in pixels cannot check an asset whose resolution Kili did not give.
NO_RESOLUTION = "units: pixels needs the asset's resolution, which Kili did not give for this asset"


def _pixel_size(params: GeometryParams, label: LabelView) -> tuple[float, float] | None:
    """The image's width and height in pixels the rule measures with: its fixed ``resolution``, else (``units:
    pixels``) the asset's; None for a rule in fractions without one. CannotCheck when pixels have neither."""
    if params.resolution is not None:
        return float(params.resolution.width), float(params.resolution.height)
    if params.units != "pixels":
        return None
    if label.resolution is not None:
        return label.resolution.width, label.resolution.height
    if label.resolution_problem is not None:
        raise CannotCheck(f"units: pixels needs the asset's resolution, and {label.resolution_problem}")
    raise CannotCheck(NO_RESOLUTION)


def _vertex_count(annotation: Annotation, rings: list[list[geo.Coord]], line: list[geo.Coord]) -> int:
    if rings:
        return sum(len(set(geo.cleaned(ring))) for ring in rings)
    return len(set(line))


def _validity(annotation: Annotation, line: list[geo.Coord]) -> str | None:
    rings = annotation.ring_coords
    tool = annotation.tool
    if tool == "rectangle" and rings:
        counts = [len(set(geo.cleaned(ring))) for ring in rings]
        if any(count != 4 for count in counts):
            return f"a rectangle with {counts[0]} vertices (4 expected)"
        return None
    for ring in rings:
        problem = polygons.ring_problem(ring)
        if problem is not None:
            return problem
    if not rings and tool in AREA_TOOLS:
        return "no vertices"
    if tool in ("polyline", "vector") and len(set(line)) < 2:
        return f"a line with {len(set(line))} distinct points (2 expected)"
    if tool == "marker" and not line:
        return "a marker without a point"
    return None


def _problems(
    params: GeometryParams, annotation: Annotation, values: dict[str, Any], pixels: tuple[float, float] | None
) -> list[str]:
    """What is wrong with one annotation, in words; fills ``values`` with its measures (``pixels``: the image's
    size in pixels, see :func:`_pixel_size`)."""
    problems: list[str] = []
    rings = region(annotation)
    line = path(annotation)
    box = annotation.bbox
    scale_x, scale_y = pixels if params.units == "pixels" and pixels is not None else (1.0, 1.0)
    unit = " px" if params.units == "pixels" else ""
    measures: dict[str, float | None] = {"area": None, "width": None, "height": None, "aspect_ratio": None}
    if rings and annotation.tool in AREA_TOOLS | {None}:
        measures["area"] = geo.area(rings) * scale_x * scale_y
    if box is not None:
        width, height = (box[2] - box[0]) * scale_x, (box[3] - box[1]) * scale_y
        measures["width"], measures["height"] = width, height
        if pixels is not None:
            pixel_width, pixel_height = (box[2] - box[0]) * pixels[0], (box[3] - box[1]) * pixels[1]
        else:
            pixel_width, pixel_height = box[2] - box[0], box[3] - box[1]
        if pixel_height > 0:
            measures["aspect_ratio"] = pixel_width / pixel_height
        elif pixel_width > 0:
            measures["aspect_ratio"] = float("inf")
    vertices = _vertex_count(annotation, rings, line)
    values.update(
        {
            key: Measure(value, _number(value)) if value is not None else ""
            for key, value in measures.items()
            if key != "aspect_ratio"
        }
    )
    values["vertices"] = vertices
    for low, high in _BOUNDS:
        name = low.removeprefix("min_")
        measure: float | None = float(vertices) if name == "vertices" else measures[name]
        if measure is None:
            continue
        suffix = "" if name in ("aspect_ratio", "vertices") else unit + ("²" if name == "area" and unit else "")
        label = name.replace("_", " ")
        low_value, high_value = getattr(params, low), getattr(params, high)
        if low_value is not None and measure < low_value:
            problems.append(f"{label} {_number(measure)}{suffix} below {low} {_number(low_value)}")
        if high_value is not None and measure > high_value:
            problems.append(f"{label} {_number(measure)}{suffix} above {high} {_number(high_value)}")
    if params.inside_image and box is not None:
        low_edge, high_edge = -params.tolerance, 1 + params.tolerance
        if box[0] < low_edge or box[1] < low_edge or box[2] > high_edge or box[3] > high_edge:
            problems.append(
                f"outside the image (x {_number(box[0])}..{_number(box[2])}, y {_number(box[1])}..{_number(box[3])})"
            )
    if params.valid:
        problem = _validity(annotation, line)
        if problem is not None:
            problems.append(f"invalid: {problem}")
    if params.inside is not None:
        area_of_interest = [[(float(x), float(y)) for x, y in params.inside]]
        if polygons.oriented(rings):
            within = polygons.contains(area_of_interest, rings)
        else:  # a point, a line, or a degenerate polygon (which `valid` reports): its vertices
            points = line + [p for ring in rings for p in ring]
            within = not points or all(polygons.path_inside([p], False, area_of_interest) for p in points)
            within = within and (len(line) < 2 or polygons.path_inside(line, False, area_of_interest))
        if not within:
            problems.append("outside the area of interest")
    if params.required_points is not None and annotation.tool == "pose":
        placed = annotation.pose_points
        missing = [code for code in params.required_points if code not in placed]
        if missing:
            problems.append(f"pose points missing: {', '.join(missing)}")
    return problems


def check(params: GeometryParams, label: LabelView) -> list[Violation] | object:
    """Measure each annotation of the job (and categories) and compare with the bounds: one finding per
    annotation that breaks any, pinned on it (grouped along a video). In pixels without a resolution: CannotCheck."""
    wanted = as_names(params.category)
    annotations = [a for r in label.responses(params.job) for a in r.annotations if of_categories(a, wanted)]
    if not annotations:
        return NOT_APPLICABLE
    pixels = _pixel_size(params, label)
    found = Grouped(params.job)
    for annotation in annotations:
        values: dict[str, Any] = {}
        problems = _problems(params, annotation, values, pixels)
        if not problems:
            continue
        category = next((c for c in annotation.categories if not wanted or c in wanted), "")
        shown = label.interface.category_shown(category, params.job) if category else ""
        what = f"{shown} {annotation.tool or 'annotation'}".strip()
        values["category"] = category
        values["reason"] = f"{what} {annotation.mid or '(no mid)'}: {'; '.join(problems)}"
        found.add(annotation.mid, annotation.frame, "geometry", values, unique=id(annotation))
    return found.violations()


def lint(params: GeometryParams, interface: InterfaceView) -> list[OptionProblem]:
    """Against the interface: an object job, known categories, and checks that its tools can fail."""
    job, problems = interface.check_job(
        "job",
        params.job,
        SHAPE_TASKS,
        SHAPE_JOB,
        {
            "CLASSIFICATION": "a classification has no shape; to check its choices use a `categories` rule",
            "TRANSCRIPTION": "a transcription has no shape; use a `text` rule",
            "NAMED_ENTITIES_RECOGNITION": "entities have no shape; use `count` or a Python rule",
        },
    )
    if job is None:
        return problems
    for index, category in enumerate(as_names(params.category)):
        path_ = "category" if isinstance(params.category, str) else f"category.{index}"
        problems += interface.check_category(job, path_, category)
    tools = set(job.tools)
    if tools and not tools & AREA_TOOLS and (params.min_area is not None or params.max_area is not None):
        problems.append(
            OptionProblem(
                "min_area" if params.min_area is not None else "max_area",
                f"{job.describe}: its shapes have no area, so the area bounds never apply",
                "warning",
            )
        )
    # a pose job is decided by its tool (Kili and the SDK's recipes write OBJECT_DETECTION with `tools: [pose]`)
    if params.required_points is not None and "pose" not in tools and job.ml_task != "POSE_ESTIMATION":
        problems.append(
            OptionProblem("required_points", f"{job.describe}: `required_points` applies to pose jobs", "warning")
        )
    return problems


RULE_TYPE = RuleType(
    name="geometry",
    params=GeometryParams,
    check=check,
    placeholders=("reason", "category", "area", "width", "height", "vertices", "frames"),
    default_message="{reason}",
    validate=validate,
    lint=lint,
    reads_shapes=True,
    placeholder_types={"reason": str, "category": str, "area": float, "width": float, "height": float, "vertices": int},
)
