"""A file's version stamp: what keeps a cache of a parsed file in step with the file."""

import os

from lstm_core.fileio import atomic_write_json, atomic_write_text, file_stamp


def test_file_stamp_is_mtime_and_size_and_zero_when_absent(tmp_path):
    path = tmp_path / "status.json"
    assert file_stamp(path) == (0, 0)
    atomic_write_text(path, "abc")
    info = path.stat()
    assert file_stamp(path) == (info.st_mtime_ns, 3)
    assert file_stamp(tmp_path / "status.json" / "inside") == (0, 0)  # not even a directory


def test_file_stamp_changes_when_a_writer_replaces_the_file(tmp_path):
    path = tmp_path / "status.json"
    atomic_write_json(path, {"status": "running"})
    before = file_stamp(path)
    os.utime(path, ns=(0, before[0] - 10**9))  # as if written a second earlier
    older = file_stamp(path)
    atomic_write_json(path, {"status": "running"})  # same size, newer file
    assert file_stamp(path) != older
    atomic_write_json(path, {"status": "finished"})
    assert file_stamp(path)[1] != before[1]
