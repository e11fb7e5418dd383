"""Search entries: the facts of one document (graph/facts.py) as the rows the index holds.

Five types of entry: department, project, indicator, policy (one per policy the document's
projects rest on, 立项依据, with the money and the projects that rest on it) and text (a
情况说明 section). The index is updated one document at a time, so the facts are those of that
document alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, Optional

from .analysis import normalise

if TYPE_CHECKING:
    from kg.model import BudgetDocument

TYPES = ("project", "indicator", "policy", "department", "text")


class _Entries:
    """Collects what the entries need while the facts are walked once, then writes them in a fixed order."""

    def __init__(self, key: str):
        self.key = key
        self.common: dict = {}
        self.department: Optional[dict] = None
        self.units: list[str] = []
        self.income_total = None
        self.projects: list[tuple] = []
        """(entity, [policy docnums], [indicator entities])"""
        self.department_indicators: list = []
        self.policies: dict[str, dict] = {}
        """Policy key → its first citation's attributes, printed forms and the projects citing it."""
        self.sections: list = []
        self.vocabulary: list[str] = []
        """Names jieba should keep whole: projects, their indicators, policy numbers (or titles)."""

    def entry(self, kind: str, n: int, label: str, body: str, attrs: dict, amount=None, context: str = "",
              docnums: tuple[str, ...] = ()) -> dict:
        from kg.graph.facts import where

        body = body or label
        # the label is indexed in label_grams; indexing it again in body_grams only costs time
        rest = body[len(label):] if body.startswith(label) else body
        e = {**self.common, "key": f"{self.key}#{kind}#{n}", "type": kind, "label": label,
             "label_exact": normalise(label), "label_grams": label, "body_grams": rest, "label_len": len(label),
             "words": f"{label} {context}", "body": body, "context": context, "line": attrs["line"],
             "where": where({**attrs, "file": self.common["file"]}), "docnum": ",".join(docnums)}
        if amount is not None:
            e["amount_wan"] = float(amount)
        e["amount_yuan"] = int(round((amount or 0) * 10000))  # a column for aggregating without stored reads
        return e

    def rows(self) -> Iterator[dict]:
        dep, dep_source = self.department
        yield self.entry("department", 0, dep.label,
                         " ".join([dep.label, dep.attrs["county"] or "", dep.attrs["province"] or "", *self.units]),
                         dep_source, self.income_total)
        n_ind = 0
        for i, (p, docnums, indicators) in enumerate(self.projects):
            a = p.attrs
            body = "\n".join(x for x in (p.label, a["overview"], a["goals"], a["basis_text"]) if x)
            self.vocabulary.append(p.label)
            self.vocabulary.extend(ind.label for ind in indicators)
            yield self.entry("project", i, p.label, body, a, a["amount_wan"],
                             context="上年结转" if a["carryover"] else "", docnums=tuple(docnums))
            for ind in indicators:
                yield self.entry("indicator", n_ind, ind.label, f"{ind.label} {ind.attrs['value'] or ''}", ind.attrs,
                                 context=p.label)
                n_ind += 1
        for ind in self.department_indicators:
            yield self.entry("indicator", n_ind, ind.label, f"{ind.label} {ind.attrs['value'] or ''}", ind.attrs,
                             context=dep.label)
            n_ind += 1
        for n, (k, pol) in enumerate(sorted(self.policies.items())):
            a = pol["attrs"]
            self.vocabulary.append(a["doc_number"] or a["title"] or "")
            body = " ".join([a["doc_number"] or "", *sorted(pol["printed"]), f"《{a['title']}》" if a["title"] else "",
                             a["issuer"] or ""])
            amount = sum((p.attrs["amount_wan"] or 0) for p in pol["projects"])
            yield self.entry("policy", n, k, body, pol["source"], amount,
                             context="；".join(p.label for p in pol["projects"]),
                             docnums=(a["doc_number"],) if a["doc_number"] else ())
        for n, s in enumerate(self.sections):
            yield self.entry("text", n, s.label, s.attrs["text"], s.attrs)


def entries(key: str, doc: "BudgetDocument") -> Iterator[dict]:
    """The index entries of one document (``key``: its key in the store)."""
    return iter(entries_and_vocabulary(key, doc)[0])


def entries_and_vocabulary(key: str, doc: "BudgetDocument") -> tuple[list[dict], list[str]]:
    """The index entries of one document, and the names among them jieba should learn before they are indexed."""
    from kg.graph.facts import Entity, Observation, Relation, facts

    out = _Entries(key)
    latest: dict = {}
    for fact in facts([doc], findings=False):
        if isinstance(fact, Entity):
            latest[fact.ref] = fact
            kind = fact.ref.kind
            if kind == "document":
                a = fact.attrs
                out.common = {"doc_key": key, "department": a["department"], "fiscal_year": a["fiscal_year"] or 0,
                              "file": a["file"]}
            elif kind == "project":
                out.projects.append((fact, [], []))
            elif kind == "section":
                out.sections.append(fact)
        elif isinstance(fact, Observation):
            if fact.dataset == "totals" and fact.dimension("budget_item") == "income_total":
                out.income_total = fact.value
        elif fact.relation == "source" and fact.subject.kind == "department":
            out.department = (latest[fact.subject], fact.attrs)
        elif fact.relation == "has_unit":
            out.units.append(latest[fact.object].label)
        elif fact.relation == "has_indicator":
            target = out.projects[-1][2] if fact.subject.kind == "project" else out.department_indicators
            target.append(latest[fact.object])
        elif fact.relation == "cites":
            policy, project = latest[fact.object], latest[fact.subject]
            if policy.attrs["doc_number"]:
                out.projects[-1][1].append(policy.attrs["doc_number"])
            pol = out.policies.setdefault(policy.ref.key, {"attrs": policy.attrs, "source": fact.attrs,
                                                           "printed": set(), "projects": []})
            pol["printed"].add(fact.attrs["as_printed"])
            pol["projects"].append(project)
    rows = list(out.rows())
    return rows, out.vocabulary
