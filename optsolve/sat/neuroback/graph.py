"""CNF -> the graph NeuroBack's GNN reads (Wang et al., ICLR 2024, section 4).

Nodes are variables, clauses and one *meta* node per weakly connected
component of the variable-clause incidence graph; there are no literal
nodes. A variable is joined to each clause it occurs in by an edge typed by
the literal's polarity, and every clause to its component's meta node, so
that any two nodes of a component are at most four hops apart. Components of
two nodes or fewer (an unused variable, an empty clause, a unit clause on a
variable found nowhere else) are left out: their variables get no node and
hence no prediction; they are trivial for any solver.

Everything here is a handful of numpy passes plus
:func:`scipy.sparse.csgraph.connected_components`: linear time and memory.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

__all__ = ["Graph", "build_graph", "NUM_FEATURES", "NUM_RELATIONS"]

# node features: a one-hot node type, then three numbers per type
#   variable: log1p(positive occurrences), log1p(negative occurrences),
#             (pos - neg) / (pos + neg)
#   clause:   log1p(length), 1 / length, (pos - neg) / length
#   meta:     log1p(variables in the component), log1p(its clauses), 0
NUM_FEATURES = 6

# directed relations of the homogeneous edge list (Graph.edge_index)
POS_VC, NEG_VC, POS_CV, NEG_CV, CLAUSE_META, META_CLAUSE = range(6)
NUM_RELATIONS = 6


@dataclass(eq=False)
class Graph:
    """The graph of a CNF formula, as arrays.

    Node numbering (used by :meth:`edge_index` and :meth:`features`):
    variable nodes ``0 .. nv-1``, clause nodes ``nv .. nv+nc-1``, meta nodes
    ``nv+nc .. nv+nc+nm-1``.

    Attributes
    ----------
    nvars : int
        Variables of the formula (``1..nvars``), with or without a node.
    var : numpy.ndarray of int32
        Variable (1-based) of each variable node, increasing.
    clause : numpy.ndarray of int64
        Clause index (0-based, in the formula) of each clause node, increasing.
    nmeta : int
        Meta nodes (kept components).
    edge_var, edge_clause : numpy.ndarray of int32
        Variable-clause edges: variable node ``edge_var[e]`` (an index into
        ``var``) occurs in clause node ``edge_clause[e]`` (an index into
        ``clause``); one edge per literal occurrence, in formula order.
    edge_sign : numpy.ndarray of int8
        +1 for a positive literal, -1 for a negative one.
    clause_meta : numpy.ndarray of int32
        Meta node (0..nmeta-1) of each clause node.
    var_meta : numpy.ndarray of int32
        Meta node of each variable node.
    """

    nvars: int
    var: np.ndarray
    clause: np.ndarray
    nmeta: int
    edge_var: np.ndarray
    edge_clause: np.ndarray
    edge_sign: np.ndarray
    clause_meta: np.ndarray
    var_meta: np.ndarray

    @property
    def num_nodes(self):
        return len(self.var) + len(self.clause) + self.nmeta

    @property
    def num_edges(self):
        """Undirected edges: variable-clause plus clause-meta."""
        return len(self.edge_var) + len(self.clause)

    def features(self, dtype=np.float32):
        """Node features, shape ``(num_nodes, NUM_FEATURES)`` (see the module)."""
        nv, nc, nm = len(self.var), len(self.clause), self.nmeta
        x = np.zeros((nv + nc + nm, NUM_FEATURES), dtype=dtype)
        x[:nv, 0] = 1
        x[nv:nv + nc, 1] = 1
        x[nv + nc:, 2] = 1
        pos = self.edge_sign > 0
        vpos = np.bincount(self.edge_var[pos], minlength=nv).astype(np.float64)
        vneg = np.bincount(self.edge_var[~pos], minlength=nv).astype(np.float64)
        x[:nv, 3] = np.log1p(vpos)
        x[:nv, 4] = np.log1p(vneg)
        x[:nv, 5] = (vpos - vneg) / np.maximum(vpos + vneg, 1)
        cpos = np.bincount(self.edge_clause[pos], minlength=nc).astype(np.float64)
        clen = np.bincount(self.edge_clause, minlength=nc).astype(np.float64)
        x[nv:nv + nc, 3] = np.log1p(clen)
        x[nv:nv + nc, 4] = 1.0 / np.maximum(clen, 1)
        x[nv:nv + nc, 5] = (2 * cpos - clen) / np.maximum(clen, 1)
        x[nv + nc:, 3] = np.log1p(np.bincount(self.var_meta, minlength=nm))
        x[nv + nc:, 4] = np.log1p(np.bincount(self.clause_meta, minlength=nm))
        return x

    def edge_index(self):
        """Directed edges of all relations: ``(src, dst, relation)`` int64
        arrays over the global node numbering; every undirected edge appears
        once in each direction (relations ``POS_VC, NEG_VC, POS_CV, NEG_CV,
        CLAUSE_META, META_CLAUSE``)."""
        nv, nc = len(self.var), len(self.clause)
        v = self.edge_var.astype(np.int64)
        c = self.edge_clause.astype(np.int64) + nv
        neg = (self.edge_sign < 0).astype(np.int64)
        cl = np.arange(nv, nv + nc, dtype=np.int64)
        m = self.clause_meta.astype(np.int64) + nv + nc
        src = np.concatenate([v, c, cl, m])
        dst = np.concatenate([c, v, m, cl])
        rel = np.concatenate([POS_VC + neg, POS_CV + neg,
                              np.full(nc, CLAUSE_META, np.int64),
                              np.full(nc, META_CLAUSE, np.int64)])
        return src, dst, rel


def _as_cnf(cnf):
    from optsolve.sat import CNF
    if isinstance(cnf, CNF):
        return cnf
    try:
        return CNF.from_clauses(cnf)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"`cnf` must be an optsolve.sat.CNF or an iterable of "
                         f"clauses ({exc})") from None


def build_graph(cnf):
    """Build the NeuroBack graph of a formula.

    Parameters
    ----------
    cnf : optsolve.sat.CNF or iterable of clauses
        The formula.

    Returns
    -------
    Graph
        Arrays of variable, clause and meta nodes and their edges.

    Examples
    --------
    >>> from optsolve.sat.neuroback import build_graph
    >>> g = build_graph([[1, -2], [2, 3], [4], [5, -6, 7]])
    >>> g.var.tolist(), g.clause.tolist(), g.nmeta
    ([1, 2, 3, 5, 6, 7], [0, 1, 3], 2)
    >>> g.edge_sign.tolist(), g.clause_meta.tolist()
    ([1, -1, 1, 1, 1, -1, 1], [0, 0, 1])
    """
    cnf = _as_cnf(cnf)
    nvars, ncl = cnf.nvars, cnf.nclauses
    lits = cnf.lits
    lengths = np.diff(cnf.offsets)
    lit_var = np.abs(lits).astype(np.int32) - 1  # 0-based variable of each literal
    lit_clause = np.repeat(np.arange(ncl, dtype=np.int32), lengths)
    n = nvars + ncl
    # nodes 0..nvars-1 variables, nvars.. clauses; weak components of the
    # incidence graph (csgraph reads an upper-triangular edge list as undirected)
    adj = coo_matrix((np.ones(len(lits), dtype=np.int8),
                      (lit_var, lit_clause + np.int32(nvars))), shape=(n, n))
    ncomp, label = connected_components(adj, directed=False)
    size = np.bincount(label, minlength=ncomp)
    keep_comp = size > 2
    new_comp = np.cumsum(keep_comp, dtype=np.int64) - 1  # kept component -> meta index
    keep_node = keep_comp[label]
    keep_var = keep_node[:nvars]
    keep_clause = keep_node[nvars:]
    var = np.flatnonzero(keep_var).astype(np.int32)
    clause = np.flatnonzero(keep_clause)
    # old -> new local indices
    var_new = np.cumsum(keep_var, dtype=np.int64) - 1
    clause_new = np.cumsum(keep_clause, dtype=np.int64) - 1
    keep_edge = keep_var[lit_var]  # an edge is kept iff its component is
    ev = lit_var[keep_edge]
    ec = lit_clause[keep_edge]
    return Graph(
        nvars=nvars,
        var=var + np.int32(1),
        clause=clause.astype(np.int64),
        nmeta=int(keep_comp.sum()),
        edge_var=var_new[ev].astype(np.int32),
        edge_clause=clause_new[ec].astype(np.int32),
        edge_sign=np.where(lits[keep_edge] > 0, 1, -1).astype(np.int8),
        clause_meta=new_comp[label[nvars:][keep_clause]].astype(np.int32),
        var_meta=new_comp[label[:nvars][keep_var]].astype(np.int32),
    )
