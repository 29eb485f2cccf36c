"""The wheels the offline installs use (wheelhouse.py) are wheels pip would accept from an index:
pip does not check RECORD, so this test does."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import zipfile
from email.parser import HeaderParser
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

pytestmark = pytest.mark.slow  # builds the wheels of the offline installs


def test_every_wheel_has_its_name_and_a_record_of_exactly_its_files(offline_pip):
    wheels = sorted(Path(offline_pip["PIP_FIND_LINKS"]).glob("*.whl"))
    names = {parse_wheel_filename(wheel.name)[0] for wheel in wheels}
    assert {"setuptools", "tiktoken", "click"} <= names  # a build requirement, dependencies (and theirs)
    for wheel in wheels:
        name, version, _, _ = parse_wheel_filename(wheel.name)
        with zipfile.ZipFile(wheel) as archive:
            dist_info = next(
                path.split("/")[0]
                for path in archive.namelist()
                if path.endswith(".dist-info/RECORD") and path.count("/") == 1
            )
            metadata = HeaderParser().parsestr(archive.read(f"{dist_info}/METADATA").decode())
            assert (canonicalize_name(metadata["Name"]), Version(metadata["Version"])) == (name, version)
            record = list(csv.reader(io.StringIO(archive.read(f"{dist_info}/RECORD").decode())))
            assert sorted(row[0] for row in record) == sorted(archive.namelist()), wheel.name
            for path, digest, size in record:
                if path != f"{dist_info}/RECORD":
                    data = archive.read(path)
                    sha256 = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                    assert (digest, int(size)) == (f"sha256={sha256}", len(data)), f"{wheel.name}: {path}"
            assert not {f"{dist_info}/INSTALLER", f"{dist_info}/direct_url.json"} & set(archive.namelist())
            assert not [path for path in archive.namelist() if path.startswith("../") or "__pycache__" in path]
