"""Every selection rule has one home (optimize/bcd/rules.py)."""
import numpy as np

from optsolve.optimize.bcd import LeastSquares, rules


def test_fixed_partition_selection():
    rng0 = np.random.default_rng(0)
    X = rng0.standard_normal((20, 6))
    prob = LeastSquares(X, rng0.standard_normal(20))
    blocks = [np.array([0, 1]), np.array([2, 3]), np.array([4, 5])]
    coord_L = prob.coord_lipschitz
    block_L = np.array([1.0, 2.0, 5.0])
    x, g = np.zeros(6), np.array([0.0, 0.1, 3.0, 0.0, 0.2, 0.2])
    sc = rules.FixedBlockScorer(blocks, coord_L, block_L, rule="lipschitz")
    np.testing.assert_allclose(sc.probs, [0.125, 0.25, 0.625])
    assert [sc.select("cyclic", k, None, prob, x, g) for k in range(5)] == [0, 1, 2, 0, 1]
    assert sc.select("gs", 0, None, prob, x, g) == 1
    rng = np.random.default_rng(3)
    picks = [sc.select("lipschitz", 0, rng, prob, x, g) for _ in range(4000)]
    # the last block has probability 5/8: 2500 expected, sd about 31
    assert abs(np.bincount(picks, minlength=3)[2] - 2500) < 200
    rng = np.random.default_rng(3)
    ref = np.random.default_rng(3)
    assert all(sc.select("random", 0, rng, prob, x, g) == int(ref.integers(3)) for _ in range(20))


def test_coordinate_weights():
    L = np.array([1.0, 4.0])
    np.testing.assert_array_equal(rules.coordinate_weights("gs", L), [1.0, 1.0])
    np.testing.assert_array_equal(rules.coordinate_weights("gsl", L), [1.0, 0.5])


def test_no_dead_block_scores():
    assert not hasattr(rules, "block_scores")
