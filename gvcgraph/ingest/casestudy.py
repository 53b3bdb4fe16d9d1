"""Case-study files (YAML, a folder of CSV sheets, or an XLSX workbook) to validated RDF.

The three forms load into the same plain structure, go through the same structural
validation (:mod:`gvcgraph.ingest.validate`), the same mapping (:mod:`gvcgraph.ingest.to_rdf`)
and the same SHACL shapes (:mod:`gvcgraph.ingest.shacl`), so they give the same graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from gvcgraph.ingest.errors import Problem
from gvcgraph.ingest.source_file import LoadedDocument, load_yaml
from gvcgraph.ingest.validate import CaseStudy, validate_document

YAML_SUFFIXES = {".yaml", ".yml"}


@dataclass
class CaseStudyResult:
    """What reading one case-study file gave: the case study and its RDF, or problems."""

    path: Path
    casestudy: CaseStudy | None = None
    graph: Graph | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.graph is not None and not any(p.severity == "error" for p in self.problems)


def load_document(path: Path) -> tuple[LoadedDocument | None, list[Problem]]:
    """Parse a case-study file of any supported form into data plus locations."""
    suffix = path.suffix.lower()
    if path.is_dir() or suffix == ".csv":
        from gvcgraph.ingest.tabular import load_csv_folder

        return load_csv_folder(path if path.is_dir() else path.parent)
    if suffix == ".xlsx":
        from gvcgraph.ingest.tabular import load_xlsx

        return load_xlsx(path)
    if suffix in YAML_SUFFIXES:
        return load_yaml(path)
    if not path.exists():
        return None, [Problem(str(path), None, "file", "", "no such file or folder")]
    return None, [
        Problem(
            str(path),
            None,
            "file",
            "",
            f"unsupported file type {suffix or '(none)'!r}; expected a case study as .yaml, "
            ".xlsx, or a folder of .csv sheets",
        )
    ]


def read_casestudy(path: str | Path, shacl: bool = True) -> CaseStudyResult:
    """Load, validate and map one case study; with ``shacl`` also run the SHACL shapes."""
    from gvcgraph.ingest.to_rdf import casestudy_to_rdf

    path = Path(path)
    result = CaseStudyResult(path)
    doc, problems = load_document(path)
    result.problems.extend(problems)
    if doc is None or any(p.severity == "error" for p in problems):
        return result
    cs, problems = validate_document(doc.data, doc.locator)
    result.problems.extend(problems)
    if cs is None:
        return result
    graph, origin = casestudy_to_rdf(cs)
    result.casestudy = cs
    if shacl:
        from gvcgraph.ingest.shacl import shacl_problems

        result.problems.extend(shacl_problems(graph, origin, doc.locator))
    if not any(p.severity == "error" for p in result.problems):
        result.graph = graph
    return result
