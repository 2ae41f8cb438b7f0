"""The NeuroBack graph: hand-checked small formulas, and random formulas
against a plain-Python union-find construction that shares no code with
graph.py."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from optsolve.sat import CNF
from optsolve.sat.neuroback import build_graph
from optsolve.sat.neuroback.graph import (CLAUSE_META, META_CLAUSE, NEG_CV,
                                          NEG_VC, NUM_FEATURES, POS_CV, POS_VC)


def edges(g):
    """{(variable, clause index, sign)} of a graph."""
    return sorted(zip(g.var[g.edge_var].tolist(), g.clause[g.edge_clause].tolist(),
                      g.edge_sign.tolist()))


def test_two_components_and_a_skipped_unit():
    # {1,2,3 ; c0,c1} and {5,6,7 ; c3} kept; {4 ; c2} has two nodes: skipped
    g = build_graph([[1, -2], [2, 3], [4], [5, -6, 7]])
    assert g.nvars == 7
    assert g.var.tolist() == [1, 2, 3, 5, 6, 7]
    assert g.clause.tolist() == [0, 1, 3]
    assert g.nmeta == 2
    assert edges(g) == [(1, 0, 1), (2, 0, -1), (2, 1, 1), (3, 1, 1),
                        (5, 3, 1), (6, 3, -1), (7, 3, 1)]
    assert g.clause_meta.tolist() == [0, 0, 1]
    assert g.var_meta.tolist() == [0, 0, 0, 1, 1, 1]
    assert g.num_nodes == 6 + 3 + 2
    assert g.num_edges == 7 + 3


def test_unused_variables_and_empty_clause_get_no_node():
    # variables 2 and 5 occur nowhere, the empty clause is a lone node
    g = build_graph(CNF([[1, 3], [], [-3, 4]], nvars=5))
    assert g.var.tolist() == [1, 3, 4]
    assert g.clause.tolist() == [0, 2]
    assert g.nmeta == 1


def test_two_node_component_skipped_three_node_kept():
    # {1 ; c0} two nodes: skipped; {2 ; c1, c2} three nodes: kept
    g = build_graph([[1], [2], [-2]])
    assert g.var.tolist() == [2]
    assert g.clause.tolist() == [1, 2]
    assert edges(g) == [(2, 1, 1), (2, 2, -1)]
    assert g.nmeta == 1 and g.clause_meta.tolist() == [0, 0]
    # one binary clause: two variables and a clause, three nodes: kept
    g = build_graph([[1, -2]])
    assert g.var.tolist() == [1, 2] and g.nmeta == 1


def test_polarity_and_repeated_literals_kept_as_written():
    # a tautology gives both polarities between one variable and one clause;
    # a repeated literal gives two edges (one per occurrence)
    g = build_graph([[1, -1, 2], [2, 2, -3]])
    assert edges(g) == [(1, 0, -1), (1, 0, 1), (2, 0, 1), (2, 1, 1),
                        (2, 1, 1), (3, 1, -1)]


def test_empty_formula():
    g = build_graph(CNF([], nvars=3))
    assert g.num_nodes == 0 and g.num_edges == 0 and g.nmeta == 0
    assert g.features().shape == (0, NUM_FEATURES)
    src, dst, rel = g.edge_index()
    assert len(src) == len(dst) == len(rel) == 0


def test_features_by_hand():
    g = build_graph([[1, -2], [2, 3], [-2, -3, 1]])
    x = g.features(np.float64)
    # variable 2: once positive, twice negative
    i = g.var.tolist().index(2)
    assert x[i, :3].tolist() == [1, 0, 0]
    assert x[i, 3:] == pytest.approx([np.log(2), np.log(3), -1 / 3])
    # clause 2 = [-2, -3, 1]: length 3, one positive literal
    j = len(g.var) + 2
    assert x[j, :3].tolist() == [0, 1, 0]
    assert x[j, 3:] == pytest.approx([np.log(4), 1 / 3, -1 / 3])
    # the meta node: 3 variables, 3 clauses
    k = len(g.var) + len(g.clause)
    assert x[k].tolist() == pytest.approx([0, 0, 1, np.log(4), np.log(4), 0])


def test_edge_index_relations():
    g = build_graph([[1, -2], [2, 3]])
    src, dst, rel = g.edge_index()
    nv, nc = len(g.var), len(g.clause)
    got = sorted(zip(src.tolist(), dst.tolist(), rel.tolist()))
    v = {x: i for i, x in enumerate(g.var.tolist())}
    c0, c1, m = nv, nv + 1, nv + nc
    want = [(v[1], c0, POS_VC), (v[2], c0, NEG_VC), (v[2], c1, POS_VC), (v[3], c1, POS_VC),
            (c0, v[1], POS_CV), (c0, v[2], NEG_CV), (c1, v[2], POS_CV), (c1, v[3], POS_CV),
            (c0, m, CLAUSE_META), (c1, m, CLAUSE_META),
            (m, c0, META_CLAUSE), (m, c1, META_CLAUSE)]
    assert got == sorted(want)


def reference_graph(clauses, nvars):
    """Components by a dictionary union-find over ('v', x) / ('c', i) nodes."""
    parent = {}

    def find(a):
        parent.setdefault(a, a)
        while parent[a] != a:
            a = parent[a]
        return a

    nodes = [("v", x) for x in range(1, nvars + 1)] + [("c", i) for i in range(len(clauses))]
    for node in nodes:
        find(node)
    for i, clause in enumerate(clauses):
        for lit in clause:
            ra, rb = find(("v", abs(lit))), find(("c", i))
            if ra != rb:
                parent[ra] = rb
    comps = {}
    for node in nodes:
        comps.setdefault(find(node), []).append(node)
    kept = [sorted(c) for c in comps.values() if len(c) > 2]
    return kept


clause_lists = st.integers(1, 12).flatmap(lambda n: st.tuples(
    st.just(n),
    st.lists(st.lists(st.integers(1, n).flatmap(lambda v: st.sampled_from([v, -v])),
                      max_size=4), max_size=14)))


@settings(max_examples=200, deadline=None)
@given(clause_lists)
def test_random_formulas_match_reference(case):
    nvars, clauses = case
    g = build_graph(CNF(clauses, nvars=nvars))
    kept = reference_graph(clauses, nvars)
    assert g.nmeta == len(kept)
    assert set(g.var.tolist()) == {x for c in kept for k, x in c if k == "v"}
    assert set(g.clause.tolist()) == {x for c in kept for k, x in c if k == "c"}
    assert np.all(np.diff(g.var) > 0) and np.all(np.diff(g.clause) > 0)
    # each kept component is exactly one meta node's set of clauses and variables
    groups = {}
    for i, m in enumerate(g.clause_meta.tolist()):
        groups.setdefault(m, set()).add(("c", int(g.clause[i])))
    for i, m in enumerate(g.var_meta.tolist()):
        groups.setdefault(m, set()).add(("v", int(g.var[i])))
    assert sorted(map(sorted, groups.values())) == sorted(kept)
    # edges: every literal occurrence of a kept clause, with its sign
    keep = set(g.clause.tolist())
    want = sorted((abs(lit), i, 1 if lit > 0 else -1)
                  for i, c in enumerate(clauses) if i in keep for lit in c)
    assert edges(g) == want
    x = g.features()
    assert x.shape == (g.num_nodes, NUM_FEATURES) and np.isfinite(x).all()


def test_bad_input_named():
    with pytest.raises(ValueError, match="`cnf`"):
        build_graph([[1, 0]])
    with pytest.raises(ValueError, match="`cnf`"):
        build_graph(5)
