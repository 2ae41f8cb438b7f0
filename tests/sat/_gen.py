"""Instance generators and independent checkers for the SAT solver tests.

Generators return lists of clauses (lists of DIMACS ints). Checkers share no
code with the solver: models are evaluated clause by clause here, and proofs
are checked by dratify (binary DRAT is decoded here into dratify's steps).
"""
import importlib.util
import random
from pathlib import Path

import dratify


def load():
    """This module, loaded by path (tests run in importlib mode)."""
    spec = importlib.util.spec_from_file_location("optsolve_sat_test_gen", __file__)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def random_ksat(nvars, nclauses, k=3, seed=0):
    """Uniform random k-SAT: k distinct variables per clause, random signs."""
    rng = random.Random(seed)
    out = []
    for _ in range(nclauses):
        vs = rng.sample(range(1, nvars + 1), k)
        out.append([v if rng.random() < 0.5 else -v for v in vs])
    return out


def random_mixed(nvars, nclauses, seed=0, max_len=5):
    """Random clauses of mixed lengths 1..max_len (units rare), duplicates
    and tautologies allowed: exercises the clause-adding paths too."""
    rng = random.Random(seed)
    out = []
    for _ in range(nclauses):
        r = rng.random()
        n = 1 if r < 0.03 else 2 if r < 0.25 else rng.randint(3, max_len)
        out.append([rng.choice((1, -1)) * rng.randint(1, nvars) for _ in range(n)])
    return out


def pigeonhole(holes):
    """holes+1 pigeons in `holes` holes: unsatisfiable, hard for resolution."""
    pigeons = holes + 1

    def var(p, h):
        return p * holes + h + 1

    clauses = [[var(p, h) for h in range(holes)] for p in range(pigeons)]
    for h in range(holes):
        for p in range(pigeons):
            for q in range(p + 1, pigeons):
                clauses.append([-var(p, h), -var(q, h)])
    return clauses


def xor_clauses(vars_, parity):
    """CNF of x1 xor ... xor xn = parity (direct encoding, n small)."""
    n = len(vars_)
    out = []
    for mask in range(1 << n):
        # forbid each assignment of the wrong parity
        if bin(mask).count("1") % 2 != parity:
            out.append([-v if (mask >> i) & 1 else v for i, v in enumerate(vars_)])
    return out


def parity_chain(n, satisfiable, seed=0):
    """Two XOR chains over x1..xn with Tseitin variables: x1 ^ ... ^ xn = 1
    encoded twice in different orders, the second with parity flipped when
    unsatisfiable is wanted."""
    rng = random.Random(seed)
    xs = list(range(1, n + 1))
    nxt = n + 1
    clauses = []
    for parity in (1, 1 if satisfiable else 0):
        order = xs[:]
        rng.shuffle(order)
        acc = order[0]
        for x in order[1:]:
            t = nxt
            nxt += 1
            clauses += xor_clauses([acc, x, t], 0)  # t = acc ^ x
            acc = t
        clauses.append([acc] if parity else [-acc])
    return clauses


def satisfies(clauses, model):
    """Does the model (iterable of signed literals) satisfy every clause?"""
    true = set(int(l) for l in model)
    for c in clauses:
        if not any(l in true for l in c):
            return False
    # a model must not contain both a literal and its negation
    return not any(-l in true for l in true)


def parse_binary_drat(data: bytes):
    """Binary DRAT bytes -> dratify steps [(kind, internal literals)]."""
    steps, i, n = [], 0, len(data)
    while i < n:
        kind = {0x61: "a", 0x64: "d"}[data[i]]
        i += 1
        lits = []
        while True:
            x, shift = 0, 0
            while True:
                b = data[i]
                i += 1
                x |= (b & 0x7F) << shift
                shift += 7
                if not b & 0x80:
                    break
            if x == 0:
                break
            d = x >> 1
            lits.append(dratify.from_dimacs(-d if x & 1 else d))
        steps.append((kind, tuple(lits)))
    return steps


def check_drat(clauses, proof_path, binary=False):
    """dratify's verdict on a proof file (text or binary) for the clauses."""
    formula = dratify.CNF()
    for c in clauses:
        formula.add([dratify.from_dimacs(l) for l in c])
    data = Path(proof_path).read_bytes()
    if binary:
        proof = parse_binary_drat(data)
    else:
        proof = data.decode()
    return dratify.check_proof(formula, proof)
