"""Safe staging of untrusted solution folders and zips, and the canonical sha256."""

from __future__ import annotations

import io
import os
import stat
import zipfile

import pytest

from smarttouch.challenges.archive import ArchiveRejected, Caps, canonical_archive, copy_tree, extract_zip
from smarttouch.challenges.solution import SolutionRejected, read_manifest, stage_solution
from tests.challenges.helpers import COUNTER, make_solution


def zip_of(path, entries, symlink=None):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink[0])
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, symlink[1])
    return path


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("../evil.py", "'..'"),
        ("a/../../evil.py", "'..'"),
        ("/etc/evil.py", "absolute"),
        ("a\\..\\evil.py", "backslash"),
    ],
)
def test_bad_paths_rejected(tmp_path, name, words):
    archive = zip_of(tmp_path / "x.zip", {"solution.toml": "", name: "x"})
    with pytest.raises(ArchiveRejected, match=words):
        extract_zip(archive, tmp_path / "out")
    assert not (tmp_path / "evil.py").exists()


def test_symlink_entry_rejected(tmp_path):
    archive = zip_of(
        tmp_path / "x.zip", {"solution.toml": ""}, symlink=("labels.json", "/srv/hidden/labels.json")
    )
    with pytest.raises(ArchiveRejected, match="symlinks are not allowed"):
        extract_zip(archive, tmp_path / "out")


def test_too_many_files(tmp_path):
    archive = zip_of(tmp_path / "x.zip", {f"f{i}.py": "" for i in range(30)})
    with pytest.raises(ArchiveRejected, match="too many files: 30 > 20"):
        extract_zip(archive, tmp_path / "out", Caps(max_files=20))


def test_zip_bomb_rejected_before_inflating(tmp_path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open("zeros.bin", "w", force_zip64=True) as fh:
            chunk = bytes(1024 * 1024)
            for _ in range(64):
                fh.write(chunk)
    assert archive.stat().st_size < 200_000
    with pytest.raises(ArchiveRejected, match="too large"):
        extract_zip(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_size_cap_enforced_while_inflating(tmp_path):
    archive = zip_of(tmp_path / "x.zip", {"a.bin": bytes(3000), "b.bin": bytes(3000)})
    with pytest.raises(ArchiveRejected):
        extract_zip(archive, tmp_path / "out", Caps(max_total_bytes=4000))
    with pytest.raises(ArchiveRejected, match="inflates beyond"):
        extract_zip(archive, tmp_path / "out2", Caps(max_file_bytes=2000))


def test_not_a_zip(tmp_path):
    bogus = tmp_path / "x.zip"
    bogus.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ArchiveRejected, match="not a readable zip"):
        extract_zip(bogus, tmp_path / "out")


def test_directory_with_symlink_rejected(tmp_path):
    sol = make_solution(tmp_path / "sol", COUNTER)
    os.symlink("/etc/passwd", sol / "data.txt")
    with pytest.raises(ArchiveRejected, match="symlinks are not allowed"):
        copy_tree(sol, tmp_path / "out")


def test_same_code_same_sha256_from_folder_and_zip(tmp_path):
    sol = make_solution(tmp_path / "sol", COUNTER)
    (sol / "__pycache__").mkdir()
    (sol / "__pycache__" / "solution.cpython-311.pyc").write_bytes(b"junk")
    a = stage_solution(sol, tmp_path / "a")
    archive = tmp_path / "sol.zip"
    with zipfile.ZipFile(archive, "w") as zf:  # wrapped in a folder, other timestamps
        for name in ("solution.toml", "solution.py"):
            zf.write(sol / name, f"my-solution/{name}")
    b = stage_solution(archive, tmp_path / "b")
    assert a.sha256 == b.sha256
    assert len(a.sha256) == 64
    assert a.files == ("solution.py", "solution.toml")
    assert stat.S_IMODE((b.root / "solution.py").stat().st_mode) == 0o644
    (sol / "solution.py").write_text(COUNTER + "\n# changed\n")
    assert stage_solution(sol, tmp_path / "c").sha256 != a.sha256


def test_canonical_archive_is_byte_stable(tmp_path):
    sol = make_solution(tmp_path / "sol", COUNTER)
    first = canonical_archive(sol)
    os.utime(sol / "solution.py", (1, 1))
    assert canonical_archive(sol) == first
    names = zipfile.ZipFile(io.BytesIO(first)).namelist()
    assert names == ["solution.py", "solution.toml"]


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        (None, "no solution.toml"),
        ("[solution\n", "not valid TOML"),
        ('[other]\nname="x"\n', "missing table [solution]"),
        ('[solution]\nname="x"\nchallenge="c"\nkind="analyzer"\n', "solution.entrypoint is required"),
        (
            '[solution]\nname="x"\nchallenge="c"\nkind="plugin"\nentrypoint="solution:Solution"\n',
            "kind 'plugin'",
        ),
        (
            '[solution]\nname="x"\nchallenge="c"\nkind="analyzer"\nentrypoint="solution.Solution"\n',
            "module:Class",
        ),
        (
            '[solution]\nname="x"\nchallenge="c"\nkind="analyzer"\nentrypoint="missing:Solution"\n',
            "not found",
        ),
        (
            '[solution]\nname="x"\nchallenge="c"\nkind="analyzer"\nentrypoint="solution:S"\nauthor="me"\n',
            "unknown key",
        ),
    ],
)
def test_manifest_errors(tmp_path, toml, words):
    sol = make_solution(tmp_path / "sol", COUNTER)
    if toml is None:
        (sol / "solution.toml").unlink()
    else:
        (sol / "solution.toml").write_text(toml)
    with pytest.raises(SolutionRejected) as info:
        read_manifest(sol)
    assert words in str(info.value)


def test_package_entrypoint(tmp_path):
    sol = tmp_path / "sol"
    (sol / "pkg").mkdir(parents=True)
    (sol / "pkg" / "__init__.py").write_text("")
    (sol / "pkg" / "core.py").write_text("class C: pass\n")
    (sol / "solution.toml").write_text(
        '[solution]\nname="x"\nchallenge="c"\nkind="analyzer"\nentrypoint="pkg.core:C"\n'
    )
    manifest = read_manifest(sol)
    assert (manifest.module, manifest.class_name) == ("pkg.core", "C")
