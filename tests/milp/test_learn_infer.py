"""The fused Numba forward pass against the network written out layer by
layer in numpy (no torch needed)."""
import numpy as np
import pytest

from optsolve.milp.learn import BipartiteState
from optsolve.milp.learn.infer import Policy, weight_shapes


def plain_forward(w, s):
    """The GCNN written out layer by layer in dense numpy, as model.py
    reads (no folding, messages formed per edge)."""
    relu = lambda x: np.maximum(x, 0.0)                     # noqa: E731
    lin = lambda x, k: x @ w[f"{k}.weight"].T + w.get(f"{k}.bias", 0.0)  # noqa: E731

    def embed(x, name):
        x = (x - w[f"{name}_norm.mean"]) * w[f"{name}_norm.scale"]
        return relu(lin(relu(lin(x, f"{name}_fc1")), f"{name}_fc2"))

    def conv(p, src, tgt, si, ti, e):
        h = lin(tgt, f"{p}.left")[ti] + e * w[f"{p}.edge.weight"][:, 0] \
            + src[si] @ w[f"{p}.right.weight"].T
        msg = lin(relu(h * w[f"{p}.final_norm.scale"][0]), f"{p}.final")
        agg = np.zeros((tgt.shape[0], msg.shape[1]))
        np.add.at(agg, ti, msg)
        agg = agg * w[f"{p}.post_norm.scale"][0]
        return lin(relu(lin(np.hstack([agg, tgt]), f"{p}.out1")), f"{p}.out2")

    e = (s.edge_attr - w["edge_norm.mean"]) * w["edge_norm.scale"]
    c, v = embed(s.cons, "cons"), embed(s.var, "var")
    r, k = s.edge_index
    c = conv("v2c", v, c, k, r, e)
    v = conv("c2v", c, v, r, k, e)
    return relu(lin(v, "out1")) @ w["out2.weight"][0]


def random_weights(seed):
    rng = np.random.default_rng(seed)
    w = {k: rng.normal(0, 0.3, s) for k, s in weight_shapes().items()}
    for k in w:
        if k.endswith(".scale"):
            w[k] = rng.uniform(0.5, 2.0, w[k].shape)
    return w


def random_state(rng, m, n, density=0.2):
    mask = rng.random((m, n)) < density
    mask[0, :] = False                       # a row without edges
    mask[:, 0] = False                       # a column without edges
    rows, cols = np.nonzero(mask)
    var = rng.normal(size=(n, 19))
    return BipartiteState(rng.normal(size=(m, 5)), np.vstack([rows, cols]),
                          rng.normal(size=(rows.size, 1)), var,
                          np.arange(0, n, 3))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fused_kernel_matches_the_plain_forward_pass(seed):
    rng = np.random.default_rng(seed)
    w = random_weights(seed)
    exact, fast = Policy(w), Policy(w, dtype=np.float32)
    for _ in range(3):
        s = random_state(rng, int(rng.integers(3, 40)), int(rng.integers(3, 60)))
        want = plain_forward(w, s)
        got = exact.scores(s)
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9 * np.abs(want).max())
        # candidates only: the same numbers, computed on less of the graph
        np.testing.assert_array_equal(exact.scores(s, candidates_only=True),
                                      got[s.candidates])
        f32 = fast.scores(s)
        assert f32.dtype == np.float32
        np.testing.assert_allclose(f32, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())


def test_equal_rows_share_their_work_exactly():
    # few distinct features, unit coefficients: most rows and columns, and
    # many message sums, are equal (as in independent set)
    rng = np.random.default_rng(5)
    w = random_weights(5)
    m, n = 60, 40
    mask = rng.random((m, n)) < 0.1
    rows, cols = np.nonzero(mask)
    s = BipartiteState(rng.normal(size=(3, 5))[rng.integers(0, 3, m)],
                       np.vstack([rows, cols]), np.ones((rows.size, 1)),
                       rng.normal(size=(2, 19))[rng.integers(0, 2, n)],
                       np.arange(1, n, 2))
    want = plain_forward(w, s)
    got = Policy(w).scores(s)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9 * np.abs(want).max())
    np.testing.assert_array_equal(Policy(w).scores(s, candidates_only=True),
                                  got[s.candidates])


def test_kernel_refuses_bad_graphs():
    s = random_state(np.random.default_rng(0), 5, 8)
    p = Policy(random_weights(0))
    bad = s._replace(edge_index=s.edge_index + np.array([[0], [8]]))
    with pytest.raises(ValueError, match="`edge_index` holds an index out of range"):
        p.scores(bad)
    with pytest.raises(ValueError, match="`candidates` holds a column out of range"):
        p.scores(s._replace(candidates=np.array([9])), candidates_only=True)




def test_random_agreement_by_hand():
    from optsolve.milp.learn.infer import random_agreement
    # 4 candidates, one best: top-1 1/4, top-5 certain; two tied best of 6:
    # top-1 2/6, top-5 1 - C(4,5)/C(6,5) = 1
    got = random_agreement([np.array([1.0, 3.0, 2.0, 0.0]),
                            np.array([5.0, 1, 5, 2, 3, 4])])
    assert got[1] == pytest.approx(0.25 + 2 / 6) and got[5] == pytest.approx(2.0)
    got = random_agreement([np.arange(10.0)], ks=(3,))
    assert got[3] == pytest.approx(0.3)
