"""The HTML reports of ``check`` and ``diff``: self-contained, escaped, linked to Kili; rendered in a real headless
Chromium (Debian's ``chromium``), whose DOM is read back and whose screenshots land in the test's tmp dir."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
import test_live_commands
from conftest import RULES
from test_live_commands import LABELS, NEW, OLD, PROJECT, a_count, responses, run

from kili_rules.authoring.html_report import asset_url, project_url, server_url

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
kili = test_live_commands.kili  # the stand-in with a project of LABELS box labels


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text, of an HTML document."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def test_links_follow_the_endpoint():
    endpoint = "https://kili.acme.local/api/label/v2/graphql"
    assert server_url(endpoint) == "https://kili.acme.local"
    assert asset_url(endpoint, "ck a/1") == "https://kili.acme.local/label/projects/label/ck%20a%2F1"
    assert project_url(endpoint, "p1") == "https://kili.acme.local/label/projects/p1/"
    assert asset_url(None, "a") is None and asset_url(endpoint, None) is None


def check_report(tmp_path, capsys, *extra, rules=RULES / "image.yaml"):
    out = tmp_path / "check.html"
    code, printed, _ = run(capsys, "check", str(rules), *extra, "--format", "html", "--out", str(out))
    assert code == 1 and printed == f"wrote {out}: {LABELS} labels, 1 rules\n"
    return out


def test_the_check_report_is_self_contained_escaped_and_linked(kili, tmp_path, capsys):
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "name: image\nrules:\n  - {id: one-object-a, type: count, job: JOB_0, category: OBJECT_A, max: 1,\n"
        "     message: '<script>alert(\"{count}\")</script> & co'}\n"
    )
    text = check_report(tmp_path, capsys, "--project", PROJECT, rules=rules).read_text()
    page = Tags(text)
    assert not page.find("script") and not page.find("link") and not page.find("img") and not page.find("iframe")
    assert "<script>alert" not in text and "&lt;script&gt;" in text
    assert not re.search(r"\b(src|href)=\"(?!https?://127\.0\.0\.1)[a-z]+:", text)  # no CDN, no external resource
    failing = sorted(i for i, r in enumerate(responses(kili).values()) if a_count(r) > 1)
    links = [a["href"] for a in page.find("a", **{"class": "asset"})]
    assert links == [f"{kili.base_url}/label/projects/label/asset-{i}" for i in failing]
    assert len(page.find("rect", **{"class": "bin"})) == 11
    assert page.find("a", href=f"{kili.base_url}/label/projects/{PROJECT}/")


@pytest.mark.heavy(4.3)
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium): no browser test")
def test_the_reports_render_in_chromium(kili, tmp_path, capsys):
    check = check_report(tmp_path, capsys, "--project", PROJECT)
    (tmp_path / "old.yaml").write_text(OLD)
    (tmp_path / "new.yaml").write_text(NEW)
    diff = tmp_path / "diff.html"
    code, _, _ = run(capsys, "diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"), "--project", PROJECT,
                     "--format", "html", "--out", str(diff))  # fmt: skip
    assert code == 0
    browser = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
               "--disable-extensions", "--window-size=1366,1400"]  # fmt: skip
    runs = {}
    for page in (check, diff):  # side by side: one browser start each costs a second or two
        profile = tmp_path / f"profile-{page.stem}"
        dom = subprocess.Popen([*browser, f"--user-data-dir={profile}-dom", "--dump-dom", page.as_uri()],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)  # fmt: skip
        png = tmp_path / f"{page.stem}.png"
        shot = subprocess.Popen([*browser, f"--user-data-dir={profile}-shot", f"--screenshot={png}", page.as_uri()],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        runs[page.stem] = (dom, shot)
    doms = {}
    for name, (dom, shot) in runs.items():
        doms[name] = Tags(dom.communicate(timeout=60)[0])
        assert shot.wait(timeout=60) == 0
        png = tmp_path / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
        print(f"screenshot: {png}")

    rendered = doms["check"]
    failing = sum(a_count(r) > 1 for r in responses(kili).values())
    assert len(rendered.find("tr", **{"class": "failing"})) == failing
    assert [r["data-rule"] for r in rendered.find("tr", **{"class": "rule"})] == ["one-object-a"]
    bins = {b["data-bin"]: int(b["data-count"]) for b in rendered.find("rect", **{"class": "bin"})}
    assert sum(bins.values()) == LABELS and bins["100"] == LABELS - failing
    assert f"Failing labels ({failing})" in "".join(rendered.text)

    rendered = doms["diff"]
    assert [r["data-rule"] for r in rendered.find("tr", **{"class": "rule"})] == ["a-max", "b-max"]
    assert len(rendered.find("svg", **{"class": "histogram"})) == 2
    changes = len(rendered.find("tr", **{"class": "change"}))
    # a-max newly passes with 2 OBJECT_A, b-max newly fails with 2+ OBJECT_B: never both (at most 3 boxes)
    assert changes == sum(a_count(r) == 2 or len(r["JOB_0"]["annotations"]) - a_count(r) > 1
                          for r in responses(kili).values())  # fmt: skip
