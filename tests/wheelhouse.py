"""An offline package index for the tests that install ft-lint the way users do (pre-commit, the
GitHub Action): a folder of wheels for everything `pip install <ft-lint checkout>` needs, its
runtime dependencies and its build requirements, each repacked from the distribution installed
in the interpreter running the tests. With `offline_pip_env`, pip takes them from there and
from nowhere else: no index, and every proxy pointing at a closed local port.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import itertools
import os
import zipfile
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

# Any attempt to reach the network through a proxy fails at once.
NO_NETWORK = dict.fromkeys(
    ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"), "http://127.0.0.1:9"
)

# Written by the installer, not part of the wheel (pip writes its own; RECORD is recomputed).
INSTALLER_FILES = {"INSTALLER", "REQUESTED", "direct_url.json", "RECORD"}


class WheelhouseError(Exception):
    """A requirement this interpreter cannot provide as a wheel."""


def offline_pip_env(wheelhouse: Path) -> dict[str, str]:
    """Environment for pip (and the virtualenvs made around it) that installs from WHEELHOUSE only.

    Build isolation stays on: pip installs the build requirements from the wheelhouse too, so the
    build does not depend on the setuptools the new environment was seeded with.
    """
    return {
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheelhouse),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "VIRTUALENV_NO_PERIODIC_UPDATE": "1",  # virtualenv would look for newer seed wheels on PyPI
        **NO_NETWORK,
    }


def project_requirements(pyproject: Path, extras: tuple[str, ...] = ()) -> list[Requirement]:
    """What installing the project at PYPROJECT (with EXTRAS) needs: its dependencies and build requirements."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    optional = project["project"].get("optional-dependencies", {})
    specs = [*project["project"]["dependencies"], *(spec for extra in extras for spec in optional[extra])]
    return [Requirement(spec) for spec in (*specs, *project["build-system"]["requires"])]


def closure(requirements: Iterable[Requirement]) -> list[metadata.Distribution]:
    """The installed distributions REQUIREMENTS need, with theirs, for this interpreter's environment."""
    found: dict[str, metadata.Distribution] = {}
    walked: dict[str, set[str]] = {}  # the extras of each distribution whose requirements are pending
    # each requirement with the extra of the distribution that asked for it (its marker may name it)
    pending = [(requirement, "") for requirement in requirements]
    while pending:
        requirement, extra = pending.pop()
        if requirement.marker and not requirement.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(requirement.name)
        if name not in found:
            try:
                found[name] = metadata.distribution(name)
            except metadata.PackageNotFoundError:
                raise WheelhouseError(f"{requirement} is needed and not installed") from None
        distribution = found[name]
        if not requirement.specifier.contains(distribution.version, prereleases=True):
            raise WheelhouseError(f"{requirement} is needed, {name} {distribution.version} is installed")
        for wanted_extra in {"", *requirement.extras} - walked.setdefault(name, set()):
            walked[name].add(wanted_extra)
            pending.extend((Requirement(spec), wanted_extra) for spec in distribution.requires or ())
    return list(found.values())


def wheel_tags(distribution: metadata.Distribution) -> str:
    """The compressed tag set of the wheel name (`cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64`)."""
    wheel = distribution.read_text("WHEEL")
    if wheel is None:
        raise WheelhouseError(
            f"{distribution.name} {distribution.version} was not installed from a wheel (no WHEEL file)"
        )
    tags = [line.split(":", 1)[1].strip().split("-") for line in wheel.splitlines() if line.startswith("Tag:")]
    parts = [list(dict.fromkeys(tag[i] for tag in tags)) for i in range(3)]
    if not tags or sorted(itertools.product(*parts)) != sorted(map(tuple, tags)):
        raise WheelhouseError(f"{distribution.name}: its WHEEL tags {tags} are not one wheel file name's tag set")
    return "-".join(".".join(part) for part in parts)


def record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def repack(distribution: metadata.Distribution, folder: Path) -> Path:
    """A wheel of the installed DISTRIBUTION: its RECORDed files inside site-packages, with a new RECORD.

    Files outside it (console scripts in bin/) are left out: pip makes scripts from entry_points.txt.
    """
    if distribution.files is None:
        raise WheelhouseError(f"{distribution.name} {distribution.version} has no RECORD to repack")
    site_packages = Path(os.path.normpath(distribution.locate_file("")))
    dist_info = next(f.parts[0] for f in distribution.files if f.parts[0].endswith(".dist-info"))
    name = canonicalize_name(distribution.name).replace("-", "_")
    path = folder / f"{name}-{distribution.version}-{wheel_tags(distribution)}.whl"
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as wheel:
        for file in distribution.files:
            source = Path(os.path.normpath(distribution.locate_file(file)))
            own_installer_file = file.parts[:-1] == (dist_info,) and file.name in INSTALLER_FILES
            if (
                own_installer_file
                or "__pycache__" in file.parts
                or not source.is_relative_to(site_packages)
                or not source.is_file()
            ):
                continue
            data = source.read_bytes()
            arcname = source.relative_to(site_packages).as_posix()
            wheel.writestr(arcname, data)
            writer.writerow([arcname, record_hash(data), len(data)])
        writer.writerow([f"{dist_info}/RECORD", "", ""])
        wheel.writestr(f"{dist_info}/RECORD", record.getvalue())
    return path


def build_wheelhouse(pyproject: Path, folder: Path, extras: tuple[str, ...] = ()) -> Path:
    """FOLDER filled with a wheel for each distribution installing the project at PYPROJECT (with EXTRAS) needs."""
    folder.mkdir(parents=True, exist_ok=True)
    for distribution in closure(project_requirements(pyproject, extras)):
        repack(distribution, folder)
    return folder
