"""Vectorised fixed-width number formatting into ASCII byte arrays (numpy).

The LHE writer formats millions of numbers per second. Doing that with Python's ``%``
per value costs ~0.3 µs each and a Python loop per particle costs far more, so numbers
are turned into digits with integer arithmetic on whole columns at once and written into
``uint8`` arrays of shape ``[N, width]`` that are later glued into lines.

Output matches C's ``printf``: ``format_int(v, w)`` is ``"%{w}d"`` and
``format_sci(v, d, w, plus)`` is ``"%{+}{w}.{d}e"`` for exponents -99..99. The last
digit can differ from ``printf`` in rare near-half-way cases (the scaling by 10^k is
done in double precision; printf rounds the exact binary value): the printed value is
then off by one unit in the last printed place, far below the precision that matters.

This module knows nothing of LHE; it is not a general-purpose formatter (no
3-digit exponents: ``|x| < 1e-99`` prints as zero, ``|x| >= 1e100`` is an error).
"""

from __future__ import annotations

import numpy as np

_SPACE = ord(" ")
_ZERO = ord("0")
_POW10 = 10 ** np.arange(19, dtype=np.int64)  # int64 holds 10^18 at most

# Values below this print as zero (keeps the exponent at two digits, like MG5's files).
TINY = 1e-99


def format_int(values: np.ndarray, width: int) -> np.ndarray:
    """``"%{width}d"`` of each value: ``[N]`` integers -> ``[N, width]`` ASCII bytes.

    Raises ValueError when a value needs more than ``width`` characters.
    """
    v = np.asarray(values, dtype=np.int64).reshape(-1)
    neg = v < 0
    a = np.abs(v)
    # number of digits (at least 1, for 0)
    ndig = np.searchsorted(_POW10[1:width + 1], a, side="right") + 1
    if (ndig + neg > width).any():
        bad = v[(ndig + neg) > width][0]
        raise ValueError(f"integer {bad} does not fit in {width} characters")
    if width > 18:  # pragma: no cover - widths used by LHE are small
        raise ValueError("width > 18 not supported")
    out = _digits(a, width)  # zero-padded, most significant first
    col = np.arange(width)[None, :]
    first = (width - ndig)[:, None]  # column of the first significant digit
    out[col < first] = _SPACE
    rows = np.nonzero(neg)[0]
    out[rows, first[rows, 0] - 1] = ord("-")
    return out


def format_sci(values: np.ndarray, digits: int, width: int, plus: bool = False) -> np.ndarray:
    """``"%{+}{width}.{digits}e"`` of each value: ``[N]`` floats -> ``[N, width]`` ASCII bytes.

    ``plus`` writes ``+`` for non-negative values (``-0.0`` keeps its ``-``, as printf does).
    Raises ValueError for NaN, infinities and ``|x| >= 1e100``; ``|x| < 1e-99`` prints as 0.
    """
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    if not np.isfinite(x).all():
        raise ValueError("cannot format NaN or infinite values")
    body = digits + 6  # d.ddd...e+XX
    sign_needed = plus or bool(np.signbit(x).any())
    if width < body + (1 if sign_needed else 0):
        raise ValueError(f"width {width} too small for {digits} digits")
    neg = np.signbit(x)
    a = np.abs(x)
    zero = a < TINY
    a_safe = np.where(zero, 1.0, a)
    exp = np.floor(np.log10(a_safe)).astype(np.int64)
    mant = _scaled(a_safe, digits - exp)
    # log10 may be off by one right at powers of ten; fix the exponent where it was
    low = mant < 10.0**digits
    exp[low] -= 1
    high = mant >= 10.0 ** (digits + 1)
    exp[high] += 1
    fix = low | high
    if fix.any():
        mant[fix] = _scaled(a_safe[fix], digits - exp[fix])
    n = np.rint(mant).astype(np.int64)
    carry = n >= _POW10[digits + 1]  # 9.99..95 rounds up to 10.0: renormalise
    n[carry] //= 10
    exp[carry] += 1
    n[zero] = 0
    exp[zero] = 0
    if (exp > 99).any():
        raise ValueError(f"value {x[exp > 99][0]!r} too large to format (|x| >= 1e100)")

    out = np.full((x.size, width), _SPACE, dtype=np.uint8)
    start = width - body
    mdig = _digits(n, digits + 1)  # [N, digits+1]
    out[:, start] = mdig[:, 0]
    out[:, start + 1] = ord(".")
    out[:, start + 2:start + 2 + digits] = mdig[:, 1:]
    out[:, width - 4] = ord("e")
    out[:, width - 3] = np.where(exp < 0, ord("-"), ord("+"))
    ae = np.abs(exp)
    out[:, width - 2] = ae // 10 + _ZERO
    out[:, width - 1] = ae % 10 + _ZERO
    if start > 0:
        out[:, start - 1] = np.where(neg, ord("-"), ord("+") if plus else _SPACE)
    return out


# "000" ... "999" as bytes: digits are produced three at a time (integer division is slow)
_TRIPLES = np.array([[ord(c) for c in f"{i:03d}"] for i in range(1000)], dtype=np.uint8)


def _digits(n: np.ndarray, count: int) -> np.ndarray:
    """Zero-padded decimal digits of non-negative ``n`` (< 10^count): ``[N, count]`` ASCII."""
    groups = -(-count // 3)
    out = np.empty((n.size, 3 * groups), dtype=np.uint8)
    rest = n
    for g in range(groups - 1, -1, -1):
        rest, r = np.divmod(rest, 1000)
        out[:, 3 * g:3 * g + 3] = _TRIPLES[r]
    return out[:, 3 * groups - count:]


def _scaled(a: np.ndarray, k: np.ndarray) -> np.ndarray:
    """a * 10^k with one rounding when |k| <= 22 (powers of ten exact in double)."""
    pos = k >= 0
    out = np.empty_like(a)
    kp = np.minimum(k[pos], 308)
    out[pos] = a[pos] * 10.0 ** kp
    kn = np.minimum(-k[~pos], 308)
    out[~pos] = a[~pos] / 10.0 ** kn
    return out


def join_fields(fields: list[np.ndarray], newline: bool = True) -> np.ndarray:
    """Glue ``[N, w_i]`` byte columns into ``[N, sum(w_i + 1) (+1)]`` lines.

    Each field is preceded by one space (MG5's ``" %8d %2d ..."`` layout); with
    ``newline`` the line ends in ``\\n``.
    """
    n = fields[0].shape[0]
    total = sum(f.shape[1] + 1 for f in fields) + (1 if newline else 0)
    out = np.full((n, total), _SPACE, dtype=np.uint8)
    pos = 0
    for f in fields:
        pos += 1
        out[:, pos:pos + f.shape[1]] = f
        pos += f.shape[1]
    if newline:
        out[:, -1] = ord("\n")
    return out
