"""Solver options for a batch: validation at the door, the text forms of
the command line (``-- --seed 3 --stable=0``) and portfolio specifications
(``"seed=1;seed=2,stable=0"``)."""
from __future__ import annotations

__all__ = ["check_options", "parse_option_tokens", "parse_portfolio"]

# options of optsolve.sat.solve that are not C core options
_SAT_CALL = ("seed", "conflicts", "propagations", "strict")
# set by the batch itself, per task
_RESERVED = ("time_limit", "verbose", "disp", "proof")


def _value(text):
    """'3' -> 3, '0.5' -> 0.5, 'true' -> True, anything else -> str."""
    low = text.strip().lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text.strip()


def check_options(engine, options, name="options"):
    """Validate solver options for ``engine``; returns a plain dict."""
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise ValueError(f"`{name}` must be a dict of solver options, "
                         f"got {options!r}")
    options = dict(options)
    for key in options:
        if key in _RESERVED:
            raise ValueError(f"`{name}`: {key!r} is set by the batch "
                             f"(use `time_limit` of solve_many, --time-limit)")
    if engine == "sat":
        from optsolve.sat import Solver
        core = {k: v for k, v in options.items() if k not in _SAT_CALL}
        # constructing a solver checks names and ranges with its own messages
        try:
            Solver(options=core).delete()
        except ValueError as exc:
            raise ValueError(str(exc).replace("`options`", f"`{name}`")) from None
        for key, low in (("seed", 0), ("conflicts", 1), ("propagations", 1)):
            if key in options:
                value = options[key]
                if isinstance(value, bool) or not isinstance(value, int) \
                        or value < low:
                    raise ValueError(f"`{name}`: {key!r} must be an integer "
                                     f">= {low}, got {value!r}")
        if "seed" in options:
            Solver(seed=options["seed"]).delete()
    else:
        from optsolve.milp.bnb import options_iv
        try:
            options_iv(options)
        except ValueError as exc:
            raise ValueError(f"`{name}`: {exc}") from None
    return options


def parse_option_tokens(tokens):
    """``["--seed", "3", "--stable=0"]`` -> ``{"seed": 3, "stable": 0}``.

    Dashes in names become underscores (``--node-limit`` -> ``node_limit``);
    a flag without a value is True.
    """
    options, i = {}, 0
    tokens = list(tokens)
    while i < len(tokens):
        tok = tokens[i]
        if not tok.startswith("-") or tok in ("-", "--"):
            raise ValueError(f"solver options must read --NAME VALUE, got {tok!r}")
        name = tok.lstrip("-")
        if "=" in name:
            name, text = name.split("=", 1)
            i += 1
        elif i + 1 < len(tokens) and not tokens[i + 1].startswith("--"):
            text = tokens[i + 1]
            i += 2
        else:
            text = "true"
            i += 1
        options[name.replace("-", "_")] = _value(text)
    return options


def parse_portfolio(spec):
    """``"seed=1;seed=2,stable=0"`` -> ``[("seed=1", {"seed": 1}),
    ("seed=2,stable=0", {"seed": 2, "stable": 0})]``.

    Configurations are separated by ``;``, the options of one by ``,``,
    each written ``NAME=VALUE``; an empty configuration or ``default``
    means the options given outside the portfolio alone.

    Examples
    --------
    >>> parse_portfolio("default; seed=2, stable=0")
    [('default', {}), ('seed=2,stable=0', {'seed': 2, 'stable': 0})]
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"`portfolio` must be a non-empty string such as "
                         f"'seed=1;seed=2,stable=0', got {spec!r}")
    configs, seen = [], set()
    for part in spec.split(";"):
        part = part.strip()
        options = {}
        if part and part != "default":
            for item in part.split(","):
                key, eq, text = item.partition("=")
                key = key.strip().replace("-", "_")
                if not eq or not key or not text.strip():
                    raise ValueError(f"`portfolio`: {item.strip()!r} in {part!r} "
                                     f"must read NAME=VALUE")
                options[key] = _value(text)
        name = ",".join(f"{k}={v}" for k, v in options.items()) or "default"
        if name in seen:
            raise ValueError(f"`portfolio` repeats the configuration {name!r}")
        seen.add(name)
        configs.append((name, options))
    return configs
