"""Run the analysis notebooks with papermill and render each to HTML."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path

from survey.errors import UserError

NOTEBOOK_DIR = Path(str(resources.files("analysis"))).parent / "notebooks"
EXAMPLE_DATA = Path("data") / "example" / "responses.csv"


def notebook_paths(folder: str | Path | None = None) -> list[Path]:
    """The numbered notebooks (``1.0-*.ipynb`` ...), in order."""
    if folder is None:
        # A source checkout has them beside the package; else look in the working folder.
        folder = NOTEBOOK_DIR if NOTEBOOK_DIR.is_dir() else Path.cwd() / "notebooks"
    folder = Path(folder)
    paths = sorted(folder.glob("[0-9]*.ipynb"))
    if not paths:
        raise FileNotFoundError(f"{folder}: no numbered notebooks found")
    return paths


def run_notebooks(
    out_dir: str | Path,
    *,
    data: str | Path | None = None,
    lang: str = "en",
    threshold: int = 5,
    notebooks: list[Path] | None = None,
) -> list[tuple[Path, Path]]:
    """Execute every notebook into ``out_dir`` and render it to HTML.

    Parameters override the notebooks' ``parameters`` cell: ``data`` (a response table),
    ``lang`` (de or en), ``threshold`` (anonymity) and ``output_dir`` (figures, tables).
    Returns (executed notebook, HTML) pairs. A failing cell raises papermill's error; the
    executed notebook is still written so that the failure can be inspected.
    """
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    if lang not in ("de", "en"):
        raise UserError(f"unknown language {lang!r}; use de or en")
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    books = notebooks or notebook_paths()
    # Absolute paths for everything: papermill's ``cwd`` changes the working folder of
    # this whole process, which two notebooks running at once would leave changed.
    data = Path(data) if data is not None else books[0].parent.parent / EXAMPLE_DATA
    data = data.resolve()
    if not data.exists():
        raise FileNotFoundError(f"{data}: no such file")
    params: dict[str, object] = {"lang": lang, "threshold": threshold, "data_path": str(data)}

    def one(nb: Path) -> tuple[Path, Path]:
        target = out / nb.name
        papermill.execute_notebook(
            str(nb),
            str(target),
            parameters={**params, "output_dir": str(out / nb.stem)},
            progress_bar=False,
            kernel_name="python3",
            # The kernel's own log (its transport, interrupts) is noise on our console;
            # failing cells still raise PapermillExecutionError here.
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
        body, _ = HTMLExporter().from_notebook_node(nbformat.read(target, as_version=4))
        html = target.with_suffix(".html")
        html.write_text(body, encoding="utf-8")
        return target, html

    # Each notebook runs in its own kernel process: two at a time use both cores.
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(one, books))
