"""The README's module-by-module tree lists every module of the packages."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_module_has_its_line_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("### Module by module", 1)[1].split("```")[1]
    listed = {line.split()[0] for line in block.splitlines() if line.strip()}
    modules = {str(p.relative_to(ROOT)) for top in ("model", "train") for p in (ROOT / top).rglob("*.py")}
    assert modules, "no module found"
    assert sorted(modules - listed) == [], "run `python scripts/module_tree.py` and paste its output in the README"
    assert sorted(listed - modules) == [], "the README lists modules that no longer exist"
