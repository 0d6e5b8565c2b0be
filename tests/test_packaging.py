"""The two dependency lists stay in step, and the set-up commands stay what the README says."""

from __future__ import annotations

import re
import tomllib

from conftest import ROOT

# conda-forge names that differ from the PyPI names
CONDA_TO_PIP = {"python-duckdb": "duckdb"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def pyproject_names() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = project["dependencies"] + [r for group in project["optional-dependencies"].values() for r in group]
    return {_name(r) for r in requirements}


def environment_names() -> set[str]:
    names, started = set(), False
    for line in (ROOT / "environment.yml").read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped == "dependencies:":
            started = True
            continue
        if not started or stripped.startswith("- pip:"):
            continue
        if not stripped.startswith("- "):
            continue
        item = stripped[2:].strip()
        if item in ("pip",) or item.startswith(("python>", "python=", "-e ")) or item == "python":
            continue
        name = _name(item)
        names.add(CONDA_TO_PIP.get(name, name))
    return names


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    assert environment_names() == pyproject_names()


def test_environment_yml_installs_the_package_in_editable_mode():
    assert re.search(r"^\s*- -e \.\s*$", (ROOT / "environment.yml").read_text(encoding="utf-8"), re.M)


def test_ci_runs_the_readmes_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make test" in readme and "make demo" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^test:", makefile, re.M) and re.search(r"^demo:", makefile, re.M)


def test_the_project_never_reads_outside_its_tree():
    for path in list((ROOT / "lib").rglob("*.py")) + list((ROOT / "tests").rglob("*.py")) + \
            list((ROOT / "bench").rglob("*.py")) + list((ROOT / "notebooks").glob("*.ipynb")):
        if path.name == "test_packaging.py":
            continue
        assert "../shared" not in path.read_text(encoding="utf-8"), path
