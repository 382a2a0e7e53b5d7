"""Print the package tree with one line per module (its docstring's first sentence), for the README."""
from __future__ import annotations

import ast
import pathlib
import sys


def module_lines(root: pathlib.Path, width: int = 118) -> list[str]:
    """``path  first docstring line`` for every module under ``model/`` and ``train/``."""
    lines = []
    for top in ("model", "train"):
        for path in sorted((root / top).rglob("*.py")):
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
            first = doc.strip().split("\n")[0].replace("``", "`")
            rel = str(path.relative_to(root))
            text = f"{rel:32s} {first}"
            lines.append(text if len(text) <= width else text[: width - 3] + "...")
    return lines


if __name__ == "__main__":
    print("\n".join(module_lines(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "."))))
