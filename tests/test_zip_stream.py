"""Zip members read one at a time without the zip's directory (`zip_stream.py`): the same bytes as `zipfile`
gives, in the order of names; a zip it cannot read so is said at once (the caller then uses `zipfile`); a broken
member is an error; memory does not grow with the members."""

from __future__ import annotations

import io
import json
import tracemalloc
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kili_rules.authoring.label_files import read_label_source
from kili_rules.authoring.zip_stream import NotStreamable, streamed_members
from kili_rules.errors import LabelFileError


def _zip(members, compression=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members:
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


def _every(name):
    return not name.endswith("/")


def _read_all(handle, wanted=_every):
    return [(name, stream.read()) for name, stream in streamed_members(handle, wanted)]


def _by_zipfile(handle, wanted=_every):
    with zipfile.ZipFile(handle) as archive:
        return [(name, archive.read(name)) for name in sorted(filter(wanted, archive.namelist()))]


names = st.lists(st.text("ab/é.", min_size=1, max_size=6).filter(lambda n: not n.endswith("/")), max_size=8)


@pytest.mark.filterwarnings("ignore:Duplicate name")
@settings(max_examples=150, deadline=None)
@given(
    names=names,
    data=st.lists(st.binary(max_size=3000) | st.just(b"x" * 300_000), min_size=8, max_size=8),
    stored=st.booleans(),
)
def test_members_are_what_zipfile_reads_in_the_order_of_names_or_refused_at_once(names, data, stored):
    handle = _zip(zip(names, data[: len(names)], strict=True), zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    expected = _by_zipfile(handle)
    if names == sorted(set(names)):
        assert _read_all(handle) == expected
    else:  # out of order or a name twice: zipfile reads it (holding its directory)
        with pytest.raises(NotStreamable):
            streamed_members(handle, _every)
    assert _read_all(handle, lambda name: name == "nothing") == []


def test_a_member_can_be_read_again_from_its_start_or_from_a_position():
    data = bytes(range(256)) * 2000
    handle = _zip([("a.json", data)])
    for _name, stream in streamed_members(handle, _every):
        assert stream.read(1000) == data[:1000]
        stream.seek(0)
        assert stream.read(10) == data[:10]
        stream.seek(300_000)
        assert stream.read() == data[300_000:]


def test_zip64_directories_and_sizes_are_read(monkeypatch):
    """The ZIP64 end of directory and the ZIP64 sizes and offsets of entries (written here for a small zip by
    lowering zipfile's limits while writing: a real one has 65,535 members or 4 GiB)."""
    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 2)
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 100)
    members = [(f"labels/{i}.json", json.dumps({"id": i, "text": "x" * 500}).encode()) for i in range(5)]
    handle = _zip(members)
    monkeypatch.undo()
    assert b"PK\x06\x06" in handle.getvalue()
    assert _read_all(handle) == _by_zipfile(handle) == members


@pytest.mark.parametrize("stored", [True, False])
def test_a_broken_member_is_an_error_naming_the_zip(tmp_path, stored):
    good = json.dumps([{"id": "a1", "latestLabel": {"jsonResponse": {}}, "pad": "y" * 4000}]).encode()
    data = _zip([("data.json", good)], zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED).getvalue()
    at = data.index(b"yyyy") if stored else len(data) // 3
    broken = data[:at] + bytes([data[at] ^ 0x55]) + data[at + 1 :]
    path = tmp_path / "broken.zip"
    path.write_bytes(broken)
    with pytest.raises(LabelFileError, match=rf"^{path}"):
        list(read_label_source(path))


@pytest.mark.heavy(4)
def test_reading_many_members_holds_no_entry_per_member(tmp_path):
    """zipfile holds an entry object per member (about 0.6 KiB each); reading member by member holds none."""
    count = 10_000
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for index in range(count):
            asset = {"id": f"a{index}", "latestLabel": {"labelType": "DEFAULT", "jsonResponse": {}}}
            archive.writestr(f"labels/{index:06d}.json", json.dumps(asset))
    tracemalloc.start()
    try:
        read = sum(1 for _ in read_label_source(path))
        streamed_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        with zipfile.ZipFile(path) as archive:
            directory_peak = tracemalloc.get_traced_memory()[1] + 0 * len(archive.namelist())
    finally:
        tracemalloc.stop()
    assert read == count
    assert directory_peak > 3 * 2**20 and streamed_peak < directory_peak / 3, (streamed_peak, directory_peak)


@settings(max_examples=300, deadline=None)
@given(where=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)), min_size=1, max_size=3))
def test_a_corrupt_zip_is_refused_or_read_never_an_unexpected_error(where):
    """Bytes of a zip changed anywhere (its directory, headers, data): NotStreamable (zipfile then reads it, as
    before), BadZipFile (the caller's one line), or members read, checked by their names and CRCs."""
    members = [
        (f"labels/{i}.json", json.dumps({"id": i, "labels": [{"jsonResponse": {}}] * i}).encode()) for i in range(4)
    ]
    data = bytearray(_zip(members).getvalue())
    for share, flip in where:
        data[int(share * len(data))] ^= flip
    try:
        read = _read_all(io.BytesIO(bytes(data)))
    except (NotStreamable, zipfile.BadZipFile):
        return
    assert set(read) <= set(members)  # what the names and CRCs let through is what was written
