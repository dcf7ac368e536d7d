"""Where a dataset is written: the demo world and the importers share one safety rule."""

from __future__ import annotations

from pathlib import Path

from caresight.dataset.schema import FILE_SUFFIXES, TABLES
from caresight.errors import CaresightError


def table_files(folder: Path) -> list[Path]:
    """The dataset table files in `folder`, in contract order."""
    return [
        folder / f"{name}{suffix}"
        for name in TABLES
        for suffix in FILE_SUFFIXES
        if (folder / f"{name}{suffix}").is_file()
    ]


def check_output_folder(folder: Path, *, force: bool) -> None:
    """Refuse to write a dataset over a file, or over a dataset already in `folder`
    unless `force` says to replace it: its tables would be overwritten or mixed."""
    if folder.exists() and not folder.is_dir():
        raise CaresightError(f"{folder} is a file; name a folder to write the dataset into")
    existing = table_files(folder) if folder.is_dir() else []
    if existing and not force:
        names = ", ".join(path.name for path in existing[:4])
        more = f" and {len(existing) - 4} more" if len(existing) > 4 else ""
        raise CaresightError(
            f"{folder} already holds a dataset ({names}{more}); choose an empty folder, "
            "or pass --force to replace it"
        )
