"""The manager's sections of the ``check`` HTML report (assertions, labelers, reviewers, trend), on the planted
project of tests/test_insights.py: read back as HTML, and rendered in headless Chromium (DOM read back, screenshot
kept in the test's tmp dir), as tests/test_html_report.py does."""

from __future__ import annotations

import re
import subprocess

import pytest
import test_insights
from cli_runner import run_cli
from test_html_report import CHROMIUM, Tags
from test_insights import BAD

planted = test_insights.planted  # the session's planted project: 2,000 assets, one bad labeler, improving
ASSERTIONS = "project:\n  min_mean_score: 99\n  max_fail_ratio: {b-max: 0.5}\n"


def report(planted, tmp_path, *extra):
    rules, export = planted
    with_project = tmp_path / "rules.yaml"
    with_project.write_text(rules.read_text() + ASSERTIONS)
    out = tmp_path / "check.html"
    done = run_cli("check", with_project, export, "--review", "--format", "html", "--out", out, *extra)
    assert done.returncode == 1, done.stderr  # error findings, and min_mean_score fails
    return out


def labelers_table(text: str) -> str:
    return text.split('<table id="labelers">', 1)[1].split("</table>", 1)[0]


def test_the_sections_are_there_self_contained_and_linked_only_with_a_project_id(planted, tmp_path):
    unlinked = report(planted, tmp_path).read_text()
    page = Tags(unlinked)
    assert not page.find("script") and not page.find("link") and not page.find("img")
    assert not re.search(r"\b(src|href)=\"(?!https?://)[a-z]+:", unlinked)
    assert [(a["class"], a["data-passed"]) for a in page.find("tr", **{"class": "assertion"})] == [
        ("assertion", "true"),  # max_fail_ratio b-max: about 5 % <= 50 %
        ("assertion", "false"),  # min_mean_score: about 94 < 99
    ]
    authors = [row["data-author"] for row in page.find("tr", **{"class": "labeler"})]
    assert authors[0] == BAD and len(authors) == 5  # four labelers and the reviewer (the latest label of 400 assets)
    assert 'class="worst-label"' not in labelers_table(unlinked) and "asset-" in labelers_table(unlinked)
    linked = report(planted, tmp_path, "--project-id", "ckproject").read_text()
    hrefs = re.findall(r'href="([^"]+)"', labelers_table(linked))
    assert hrefs and all(h.startswith("https://cloud.kili-technology.com/label/projects/label/asset-") for h in hrefs)
    assert (
        len(page.find("svg", **{"class": "line-chart"})) == 2 and len(page.find("svg", **{"class": "bar-chart"})) == 2
    )


@pytest.mark.heavy(3.0)
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium): no browser test")
def test_the_manager_report_renders_in_chromium(planted, tmp_path):
    page = report(planted, tmp_path, "--project-id", "ckproject")
    browser = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
               "--disable-extensions", "--window-size=1366,3200"]  # fmt: skip
    png = tmp_path / "manager.png"
    shot = subprocess.Popen([*browser, f"--user-data-dir={tmp_path}/shot", f"--screenshot={png}", page.as_uri()],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    dom = subprocess.run([*browser, f"--user-data-dir={tmp_path}/dom", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert shot.wait(timeout=60) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 50_000
    print(f"screenshot: {png}")
    rendered = Tags(dom.stdout)
    marks = [(s["data-rule"], s["data-side"]) for s in rendered.find("span") if s.get("data-side") == "worse"]
    assert marks == [("one-object-a", "worse")]  # the bad labeler's only, on the rule they fail
    points = [p for p in rendered.find("circle", **{"class": "point"}) if p["data-series"] == "one-object-a"]
    weeks = [float(p["data-value"]) for p in points if p["data-x"] in ("2026-W02", "2026-W05")]
    assert weeks[0] > 2 * weeks[1]  # the planted improvement
    parts = ("fixed", "introduced", "kept")
    bars = {b["data-part"]: float(b["data-value"]) for b in rendered.find("rect", **{"class": "bar"})
            if b.get("data-part") in parts}  # fmt: skip
    assert bars["introduced"] == 0 and bars["fixed"] > 0  # the planted reviewer removes extra boxes only
    reviewed = [r for r in rendered.find("tr", **{"class": "reviewer"})]
    assert [r["data-reviewer"] for r in reviewed] == ["reviewer@acme.test"]
