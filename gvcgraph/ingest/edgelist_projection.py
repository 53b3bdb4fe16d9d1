"""The network of a new store version, computed from an edge list's own rows while it loads.

Reading the network back out of an on-disk store costs about 100 µs per relation (Oxigraph
decodes every IRI of every fact from its dictionary): 40 s for the 400,000 relations of
100,000 firms, many minutes at a million. Yet an edge list's rows already say everything the
projection (:mod:`gvcgraph.graph.project`) would read back: the two ends, the relation, the
share, the dates, the fact and its one evidence passage, and each actor's label, class and
country. So when an edge list is loaded as a *new* source, :class:`EdgeListProjection`
collects those columns while the rows are written, and the projection of the new version is
the previous version's plus these rows (:func:`gvcgraph.graph.project.extend_whole`), kept in
the new version's cache (:mod:`gvcgraph.graph.projection_cache`). The first analysis, map or
figure after a bulk load then reads no fact out of the store.

The result equals a read of the new version, column for column and row for row
(``tests/test_edgelist_projection.py`` checks it on fresh stores, stores with case studies,
references to their actors, every relation and link type, shares, dates and countries).
Where a read could say something else, :meth:`EdgeListProjection.frames` returns None and
nothing is kept (the first reader reads the store, as before):

* the source replaces an older version of itself (its old facts and actors would have to go);
* an actor the edge list defines (with a label of its own) is already a node;
* it gives a country to an actor that another source defines with a different country (a
  read keeps one of the two, in the store's index order).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gvcgraph.graph import project
from gvcgraph.ingest.edgelist import (
    ROW_EVIDENCE_PREFIX,
    ROW_EVIDENCE_SUFFIX,
    ROW_FACT_PREFIX,
    decimal_lexical,
)
from gvcgraph.ingest.schema import codes, load_schema
from gvcgraph.ontology import terms

if TYPE_CHECKING:
    from gvcgraph.ingest.edgelist import EdgeListPlan, _Row

_RELATIONS = {
    "supplies": project.SUPPLIES,
    "owns": project.OWNS,
    "controls": project.CONTROLS,
    "member-of": project.MEMBER_OF,
}
"""Edge-list relation -> the projection's relation (link rows use their link-type code)."""


def _code(iri: str) -> str:
    """The last segment of a concept IRI, as the projection reads codes."""
    return iri.rsplit("/", 1)[-1]


class EdgeListProjection:
    """The projection's rows for one edge list, collected row by row as it is written.

    Parameters
    ----------
    plan:
        The edge list's plan (:class:`~gvcgraph.ingest.edgelist.EdgeListPlan`); its actors
        are read when :meth:`frames` is called, after
        :func:`~gvcgraph.ingest.edgelist.mark_known_actors`.

    Notes
    -----
    Memory: seven Python values per row (about 0.5 GB for 4 million rows), against the
    minutes a read of those rows out of the store costs.
    """

    def __init__(self, plan: EdgeListPlan):
        self.plan = plan
        self._u: list[str] = []
        self._v: list[str] = []
        self._relation: list[str] = []
        self._line: list[int] = []
        self._share: list[str | None] = []
        self._start: list[str | None] = []
        self._end: list[str | None] = []
        self._links = {k: _code(iri) for k, iri in codes("link-type").items()}

    def add(self, row: _Row) -> None:
        """Collect one checked row (the same row :class:`NQuadsWriter` writes)."""
        self._u.append(row.u)
        self._v.append(row.v)
        self._relation.append(
            self._links[row.link_type] if row.link_type is not None else _RELATIONS[row.relation]
        )
        self._line.append(row.line)
        self._share.append(None if row.share is None else decimal_lexical(row.share))
        self._start.append(None if row.start is None else row.start.value.isoformat())
        self._end.append(None if row.end is None else row.end.value.isoformat())

    def edges(self) -> pd.DataFrame:
        """One row per collected row, with the columns a read of its fact gives."""
        sid = self.plan.source_id
        lines = pd.Series(self._line, dtype=np.int64).astype(str).to_numpy(dtype=object)
        fact_prefix = project.node_key(terms.fact_iri(sid, ROW_FACT_PREFIX))
        evidence_prefix = project.node_key(terms.fact_iri(sid, ROW_EVIDENCE_PREFIX))
        # as a read parses xsd:decimal lexical forms: pandas, not float()
        share = pd.to_numeric(pd.Series(self._share, dtype=object), errors="coerce")
        absent = pd.Series(pd.NA, index=range(len(lines)), dtype=object)
        columns = dict.fromkeys(project.EDGE_COLUMNS, absent)  # what a read finds absent
        return pd.DataFrame(
            columns
            | {
                "u": pd.Series(self._u, dtype=object),
                "v": pd.Series(self._v, dtype=object),
                "relation": pd.Series(self._relation, dtype=object),
                "fact": pd.Series(fact_prefix + lines, dtype=object),
                "source": sid,
                "share_min": share,
                "share_max": share,
                "valid_from": pd.Series(self._start, dtype=object),
                "valid_to": pd.Series(self._end, dtype=object),
                "evidence": pd.Series(
                    [[f"{evidence_prefix}{n}{ROW_EVIDENCE_SUFFIX}"] for n in lines.tolist()],
                    dtype=object,
                ),
            }
        )

    def frames(
        self, base: dict[str, pd.DataFrame], leads: set[str]
    ) -> dict[str, pd.DataFrame] | None:
        """The whole projection of the version that adds this edge list to ``base``.

        Parameters
        ----------
        base:
            The whole projection of the version the edge list is added to
            (:func:`gvcgraph.graph.project.whole_frames`), which must not hold this source.
        leads:
            Keys of the lead firms of that version (:func:`gvcgraph.graph.project.lead_keys`).

        Returns
        -------
        dict or None
            The frames, or None where a read of the store might differ (module docstring).
        """
        classes = load_schema().sections["entities"].classes
        old = base["nodes"]
        at = dict(zip(old["node"].tolist(), range(len(old)), strict=True))
        old_cls, old_label = old["cls"].to_numpy(), old["label"].to_numpy()
        old_country = old["country"].to_numpy()
        new: list[tuple[str, str, str, str | None]] = []
        fill: dict[str, dict[str, str]] = {"label": {}, "country": {}}

        def agrees(i: int, column: str, have: object, value: str | None, key: str) -> bool:
            """One value per node for a read to find: fill a missing one, or the same."""
            if value is None or (not pd.isna(have) and have == value):
                return True
            if pd.isna(have):
                fill[column][key] = value
                return True
            return False

        for ident, (label, country, etype, reference_only) in self.plan.entities.items():
            i = at.get(ident)
            typed = i is not None and not pd.isna(old_cls[i])
            if reference_only:  # only its country is written; a read ignores an untyped one's
                if typed and not agrees(i, "country", old_country[i], country, ident):
                    return None
                continue
            cls = terms.expand(classes[etype or "firm"]).rsplit("#", 1)[-1]
            if not typed:  # new, or a bare edge end until now: the row is the edge list's
                new.append((ident, label or ident, cls, country))
            elif not (
                old_cls[i] == cls
                and agrees(i, "label", old_label[i], label or ident, ident)
                and agrees(i, "country", old_country[i], country, ident)
            ):
                return None  # two classes, labels or countries: a read keeps either
        governance = project.asserted_governance(base["table-governance_assessments"])
        ids = pd.Index([n[0] for n in new], dtype=object)
        absent = pd.Series(pd.NA, index=range(len(ids)), dtype=object)
        nodes = pd.DataFrame(
            dict.fromkeys(project.NODE_COLUMNS, absent)
            | {
                "node": pd.Series(ids, dtype=object),
                "iri": pd.Series([terms.entity_iri(i) for i in ids], dtype=object),
                "label": pd.Series([n[1] for n in new], dtype=object),
                "cls": pd.Series([n[2] for n in new], dtype=object),
                "country": pd.Series([n[3] for n in new], dtype=object),
                "lead_firm": ids.isin(leads),
            }
        )
        nodes["governance"] = nodes["node"].map(governance).astype(object)
        return project.extend_whole(base, nodes, self.edges(), fill)
