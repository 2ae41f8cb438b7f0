"""The MILP problem object and the validation done at the door.

:class:`Problem` holds one mixed-integer linear program in a canonical form

    minimise or maximise   c @ x + offset
    subject to             row_lower <= A @ x <= row_upper
                           lb <= x <= ub
                           x[j] integer where integrality[j] == 1

with ``A`` a CSR matrix. :func:`milp_iv` turns the arguments of
:func:`scipy.optimize.milp` into a :class:`Problem`; it is the only place
where user input is checked (scipy's ``_milp_iv`` habit).
"""
from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint

__all__ = ["Problem", "milp_iv", "EmptyDomain"]

CONTINUOUS, INTEGER = 0, 1


def _check_c(c):
    """`c` as a 1-D float array of finite numbers, or ValueError."""
    if sp.issparse(c):
        raise ValueError("`c` must be a dense array.")
    try:
        c = np.atleast_1d(np.asarray(c, dtype=np.float64))
    except (TypeError, ValueError) as exc:
        raise ValueError("`c` must be a one-dimensional array of finite numbers "
                         "with at least one element.") from exc
    if c.ndim != 1 or c.size == 0 or not np.all(np.isfinite(c)):
        raise ValueError("`c` must be a one-dimensional array of finite numbers "
                         "with at least one element.")
    return c


def _as_csr(A, n, name="constraints"):
    if sp.issparse(A):
        A = sp.csr_matrix(A, dtype=np.float64)
    else:
        try:
            A = np.atleast_2d(np.asarray(A, dtype=np.float64))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"`{name}` matrices must contain real numbers") from exc
        if A.ndim != 2:
            raise ValueError(f"`{name}` matrices must be two-dimensional")
        A = sp.csr_matrix(A)
    if A.shape[1] != n:
        raise ValueError(f"`{name}` matrices must have len(c) = {n} columns, "
                         f"got shape {A.shape}")
    if A.nnz and not np.all(np.isfinite(A.data)):
        raise ValueError(f"`{name}` matrices must contain finite numbers")
    A.sum_duplicates()
    A.eliminate_zeros()
    A.sort_indices()
    return A


class Problem:
    """A mixed-integer linear program.

    Parameters
    ----------
    c : array_like, shape (n,)
        Objective coefficients.
    A : array_like or sparse matrix, shape (m, n), optional
        Constraint matrix (stored as CSR). ``None`` means no rows.
    row_lower, row_upper : array_like, shape (m,), optional
        Row bounds; ``-inf``/``inf`` for absent sides. Default: free rows.
    lb, ub : array_like, shape (n,), optional
        Column bounds. Default ``0`` and ``inf`` (as in
        :func:`scipy.optimize.milp`).
    integrality : array_like, shape (n,), optional
        ``0`` continuous, ``1`` integer. Semi-continuous (``2``) and
        semi-integer (``3``) columns are rejected.
    sense : {"minimize", "maximize"}
        Objective sense.
    offset : float
        Constant added to the objective.
    name : str
        Problem name (from the MPS ``NAME`` line).
    col_names, row_names : sequence of str, optional
        Names, used when writing MPS files and solutions.

    Attributes
    ----------
    num_cols, num_rows : int
        Problem size.

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.milp import Problem
    >>> p = Problem(c=[-1, -2], A=[[1, 1]], row_lower=[-np.inf], row_upper=[3.5],
    ...             lb=[0, 0], ub=[2, 2], integrality=[1, 1])
    >>> res = p.solve()
    >>> res.status, res.fun, res.x.tolist()
    (0, -5.0, [1.0, 2.0])
    """

    def __init__(self, c, A=None, row_lower=None, row_upper=None, lb=None,
                 ub=None, integrality=None, *, sense="minimize", offset=0.0,
                 name="", col_names=None, row_names=None):
        c = _check_c(c)
        n = c.size
        if A is None:
            A = sp.csr_matrix((0, n))
        A = _as_csr(A, n, "A")
        m = A.shape[0]
        self.c = c
        self.A = A
        self.row_lower = self._vector(row_lower, m, -np.inf, "row_lower")
        self.row_upper = self._vector(row_upper, m, np.inf, "row_upper")
        self.lb = self._vector(lb, n, 0.0, "lb")
        self.ub = self._vector(ub, n, np.inf, "ub")
        if np.any(self.row_lower == np.inf) or np.any(self.row_upper == -np.inf):
            raise ValueError("`row_lower` must not contain +inf nor "
                             "`row_upper` -inf")
        if np.any(self.lb == np.inf) or np.any(self.ub == -np.inf):
            raise ValueError("`lb` must not contain +inf nor `ub` -inf")
        if integrality is None:
            integrality = 0
        try:
            integ = np.broadcast_to(np.asarray(integrality), (n,))
        except ValueError as exc:
            raise ValueError("`integrality` must be broadcastable to "
                             "`c.shape`") from exc
        if integ.size and (not np.all(np.isin(integ, (0, 1, 2, 3)))):
            raise ValueError("`integrality` must contain integers 0-3")
        if np.any(integ >= 2):
            raise ValueError("`integrality` values 2 and 3 (semi-continuous, "
                             "semi-integer) are not supported")
        self.integrality = integ.astype(np.uint8).copy()
        if sense in ("minimize", "min", 1):
            self.sense = "minimize"
        elif sense in ("maximize", "max", -1):
            self.sense = "maximize"
        else:
            raise ValueError("`sense` must be 'minimize' or 'maximize', "
                             f"got {sense!r}")
        offset = float(offset)
        if not math.isfinite(offset):
            raise ValueError("`offset` must be finite")
        self.offset = offset
        self.name = str(name)
        self.col_names = self._names(col_names, n, "C", "col_names")
        self.row_names = self._names(row_names, m, "R", "row_names")

    @staticmethod
    def _vector(v, size, default, name):
        if v is None:
            return np.full(size, default, dtype=np.float64)
        try:
            out = np.broadcast_to(np.asarray(v, dtype=np.float64), (size,)).copy()
        except (TypeError, ValueError) as exc:
            raise ValueError(f"`{name}` must contain reals and be "
                             f"broadcastable to shape ({size},)") from exc
        if np.any(np.isnan(out)):
            raise ValueError(f"`{name}` must not contain NaN")
        return out

    @staticmethod
    def _names(names, size, prefix, argname):
        if names is None:
            return None
        names = [str(s) for s in names]
        if len(names) != size:
            raise ValueError(f"`{argname}` must have {size} entries, "
                             f"got {len(names)}")
        return names

    # ------------------------------------------------------------------
    @property
    def num_cols(self):
        return self.c.size

    @property
    def num_rows(self):
        return self.A.shape[0]

    @property
    def is_integer(self):
        """Boolean mask of the integer columns."""
        return self.integrality == INTEGER

    def column_names(self):
        """Column names (generated ``C0, C1, ...`` when none were given)."""
        if self.col_names is not None:
            return list(self.col_names)
        return [f"C{j}" for j in range(self.num_cols)]

    def constraint_names(self):
        """Row names (generated ``R0, R1, ...`` when none were given)."""
        if self.row_names is not None:
            return list(self.row_names)
        return [f"R{i}" for i in range(self.num_rows)]

    def objective(self, x):
        """Objective value ``c @ x + offset`` in the problem's own sense."""
        return float(self.c @ np.asarray(x, dtype=np.float64)) + self.offset

    def violation(self, x):
        """Largest violation of bounds, rows and integrality at ``x``.

        Returns a dict with keys ``bounds``, ``rows`` and ``integrality``
        (absolute violations; 0 means satisfied).
        """
        x = np.asarray(x, dtype=np.float64)
        if x.shape != (self.num_cols,):
            raise ValueError(f"`x` must have shape ({self.num_cols},)")
        bnd = max(0.0, float(np.max(self.lb - x, initial=0.0)),
                  float(np.max(x - self.ub, initial=0.0)))
        act = self.A @ x
        rows = max(0.0, float(np.max(self.row_lower - act, initial=0.0)),
                   float(np.max(act - self.row_upper, initial=0.0)))
        xi = x[self.is_integer]
        integ = float(np.max(np.abs(xi - np.round(xi)), initial=0.0))
        return {"bounds": bnd, "rows": rows, "integrality": integ}

    def is_feasible(self, x, tol=1e-6):
        """Whether ``x`` satisfies bounds, rows (relative to the size of the
        row bound) and integrality within ``tol``."""
        x = np.asarray(x, dtype=np.float64)
        if x.shape != (self.num_cols,) or not np.all(np.isfinite(x)):
            return False
        if np.any(x < self.lb - tol * (1 + np.abs(self.lb))) or \
                np.any(x > self.ub + tol * (1 + np.abs(self.ub))):
            return False
        act = self.A @ x
        with np.errstate(invalid="ignore"):
            lo_ok = act >= self.row_lower - tol * (1 + np.abs(self.row_lower))
            hi_ok = act <= self.row_upper + tol * (1 + np.abs(self.row_upper))
        if not (np.all(lo_ok) and np.all(hi_ok)):
            return False
        xi = x[self.is_integer]
        return bool(np.all(np.abs(xi - np.round(xi)) <= tol))

    def solve(self, **options):
        """Solve by branch and bound; same result as :func:`optsolve.milp`.

        Parameters
        ----------
        **options
            The options of :func:`optsolve.milp` (``branching``,
            ``node_selection``, ``time_limit``, ``node_limit``,
            ``mip_rel_gap``, ``mip_abs_gap``, ``disp``, ``callback``, ...).

        Returns
        -------
        scipy.optimize.OptimizeResult
            See :func:`optsolve.milp`.

        Examples
        --------
        >>> from optsolve.milp import Problem
        >>> Problem(c=[1, 1], A=[[1, 1]], row_lower=[1.5], lb=0, ub=3,
        ...         integrality=1).solve(branching="mostinf").fun
        2.0
        """
        from optsolve.milp.bnb import solve_problem

        return solve_problem(self, options)

    def write_mps(self, path, *, fixed=False):
        """Write the problem as an MPS file (see :func:`optsolve.milp.write_mps`)."""
        from optsolve.milp.mps import write_mps

        write_mps(self, path, fixed=fixed)

    def copy(self):
        """A deep copy."""
        return Problem(self.c.copy(), self.A.copy(), self.row_lower.copy(),
                       self.row_upper.copy(), self.lb.copy(), self.ub.copy(),
                       self.integrality.copy(), sense=self.sense,
                       offset=self.offset, name=self.name,
                       col_names=self.col_names, row_names=self.row_names)

    def __repr__(self):
        return (f"Problem(name={self.name!r}, {self.sense}, rows={self.num_rows}, "
                f"cols={self.num_cols}, integers={int(self.is_integer.sum())}, "
                f"nonzeros={self.A.nnz})")


_CONSTRAINTS_MESSAGE = ("`constraints` (or each element within `constraints`) "
                        "must be convertible into an instance of "
                        "`scipy.optimize.LinearConstraint`.")


def _constraints_to_components(constraints):
    """scipy's reading of `constraints`: a LinearConstraint, one
    ``(A, lb, ub)`` tuple, or a sequence of those; ``(A, lb, ub)`` as parts
    (``A`` CSR with finite entries)."""
    if isinstance(constraints, LinearConstraint):
        constraints = [constraints]
    else:
        try:
            iter(constraints)
        except TypeError as exc:
            raise ValueError(_CONSTRAINTS_MESSAGE) from exc
        if len(constraints) == 3:
            # one tuple that stands for a LinearConstraint?
            try:
                constraints = [LinearConstraint(*constraints)]
            except (TypeError, ValueError, np.exceptions.VisibleDeprecationWarning):
                pass
    mats, los, his = [], [], []
    for con in constraints:
        if not isinstance(con, LinearConstraint):
            try:
                con = LinearConstraint(*con)
            except TypeError as exc:
                raise ValueError(_CONSTRAINTS_MESSAGE) from exc
        A = con.A
        A = sp.csr_matrix(A, dtype=np.float64) if sp.issparse(A) else \
            sp.csr_matrix(np.atleast_2d(np.asarray(A, dtype=np.float64)))
        mats.append(A)
        los.append(np.atleast_1d(con.lb).astype(np.float64))
        his.append(np.atleast_1d(con.ub).astype(np.float64))
    return (sp.vstack(mats, format="csr"), np.concatenate(los),
            np.concatenate(his))


def _none_to(v, default):
    a = np.asarray(v, dtype=object if v is None or np.asarray(v).dtype == object
                   else np.float64)
    if a.dtype == object:
        a = np.array([default if e is None else e for e in a.ravel()],
                     dtype=np.float64).reshape(a.shape)
    return a


class EmptyDomain(Exception):
    """Raised by :func:`milp_iv` for bounds that no point satisfies by their
    very values (a lower bound of ``+inf`` or an upper bound of ``-inf``):
    scipy reports such a problem as infeasible (status 2), not as an
    error."""


def milp_iv(c, integrality=None, bounds=None, constraints=None):
    """Validate :func:`scipy.optimize.milp`-style arguments into a Problem.

    Accepts what scipy accepts, with scipy's messages: dense ``c``;
    ``integrality`` broadcast to ``c``; ``bounds`` as
    :class:`scipy.optimize.Bounds` or ``(lb, ub)`` (default ``(0, inf)``;
    ``None`` entries mean no bound, as in :func:`scipy.optimize.linprog`);
    ``constraints`` as a :class:`scipy.optimize.LinearConstraint`, an
    ``(A, lb, ub)`` tuple or a sequence of those, with dense or sparse ``A``.
    Raises :class:`EmptyDomain` for a lower bound of ``+inf`` or an upper
    bound of ``-inf`` (on a column or a row).
    """
    c = _check_c(c)
    n = c.size
    if sp.issparse(integrality):
        raise ValueError("`integrality` must be a dense array.")
    if integrality is None:
        integrality = 0
    try:
        integ = np.broadcast_to(np.asarray(integrality), (n,))
        bad = not np.all(np.isin(integ, (0, 1, 2, 3)))
    except (ValueError, TypeError):
        bad = True
    if bad:
        raise ValueError("`integrality` must contain integers 0-3 and be "
                         "broadcastable to `c.shape`.")
    if np.any(integ >= 2):
        raise ValueError("`integrality` values 2 and 3 (semi-continuous, "
                         "semi-integer) are not supported")
    if bounds is None:
        bounds = Bounds(0, np.inf)
    elif not isinstance(bounds, Bounds):
        try:
            bounds = Bounds(*bounds)
        except TypeError as exc:
            raise ValueError("`bounds` must be convertible into an instance of "
                             "`scipy.optimize.Bounds`.") from exc
    try:
        lb = np.broadcast_to(_none_to(bounds.lb, -np.inf), (n,))
        ub = np.broadcast_to(_none_to(bounds.ub, np.inf), (n,))
    except (ValueError, TypeError) as exc:
        raise ValueError("`bounds.lb` and `bounds.ub` must contain reals and be "
                         "broadcastable to `c.shape`.") from exc
    if np.any(np.isnan(lb)) or np.any(np.isnan(ub)):
        raise ValueError("`bounds` must not contain NaN")
    if constraints is None or (isinstance(constraints, (list, tuple))
                               and len(constraints) == 0):
        A, lo, hi = sp.csr_matrix((0, n)), np.empty(0), np.empty(0)
    else:
        try:
            A, lo, hi = _constraints_to_components(constraints)
        except ValueError as exc:
            raise ValueError(_CONSTRAINTS_MESSAGE) from exc
        if A.shape != (lo.size, n):
            raise ValueError("The shape of `A` must be (len(b_l), len(c)).")
    if A.nnz and not np.all(np.isfinite(A.data)):
        raise ValueError("`constraints` matrices must contain finite numbers")
    if np.any(np.isnan(lo)) or np.any(np.isnan(hi)):
        raise ValueError("`constraints` bounds must not contain NaN")
    if (np.any(lb == np.inf) or np.any(ub == -np.inf)
            or np.any(lo == np.inf) or np.any(hi == -np.inf)):
        raise EmptyDomain
    return Problem(c, A, lo, hi, lb, ub, integ)
