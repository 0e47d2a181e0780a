"""Print the constraints file: the installed version of every package that dsplang with the
extras CI installs needs, directly or through another package (read from
pyproject.toml, then from the installed packages' metadata); dsplang itself is left out.

CI and the README install with it, so a fresh install gets the versions CI tested. Refresh
it on purpose, in an environment where the whole suite passes after an upgrade:

    python .ci/constraints.py > constraints.txt
"""

from __future__ import annotations

import platform
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
# What CI installs (.ci/run): every extra, so the tests of the optional features run too.
EXTRAS = ("test", "local", "otel", "redis", "ray", "finetune")


def direct_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = list(project["dependencies"])
    for extra in EXTRAS:
        names += project["optional-dependencies"][extra]
    return [Requirement(name) for name in names]


def pinned(requirements: list[Requirement]) -> dict[str, str]:
    """{name: installed version} for the requirements and everything they need."""
    versions: dict[str, str] = {}
    walked: set[tuple[str, frozenset[str]]] = set()
    todo = list(requirements)
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        try:
            version = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            sys.exit(f"{requirement.name} is not installed: install the project first")
        if version not in requirement.specifier:
            sys.exit(f"{requirement.name} {version} is installed, but {requirement} is needed")
        if (name, frozenset(requirement.extras)) in walked:
            continue
        walked.add((name, frozenset(requirement.extras)))
        # A local build label (torch's "+cpu" wheel) is not on PyPI: "==X" accepts X+local too.
        versions[name] = version.split("+", 1)[0]
        for text in metadata.requires(requirement.name) or []:
            needed = Requirement(text)
            wanted = [{"extra": extra} for extra in ("", *requirement.extras)]
            if needed.marker is None or any(needed.marker.evaluate(env) for env in wanted):
                todo.append(needed)
    return versions


def main() -> None:
    versions = pinned(direct_requirements())
    print(f"# The versions CI tested: pip install -c constraints.txt -e \".[{','.join(EXTRAS)}]\"")
    print(f"# (Python {platform.python_version()} on {platform.system()}). Refresh on purpose, after an "
          "upgrade the suite passes with:")
    print("#     python .ci/constraints.py > constraints.txt")
    for name in sorted(versions):
        print(f"{name}=={versions[name]}")


if __name__ == "__main__":
    main()
