"""The Standard Model as MG5's default `sm` model defines it, and its variants.

Builds `Model` objects for

* ``sm``: MG5's default restriction (restrict_default): 4-flavour, u d s c e mu and
  the neutrinos massless, massive b (MB = ymb = 4.7), t, tau, Z, W, H; CKM = identity;
  unitary gauge (no Goldstones, no ghosts); input scheme (aEWM1, Gf, MZ).
* ``sm-no_b_mass``: the same with a massless b and no b Yukawa (5-flavour proton).
* ``sm_zprime``: ``sm`` plus a Z' (PDG 32, name ``zp``; MZp = 400, WZp = 0.5 in the
  MASS and DECAY blocks) whose couplings to all fermions equal the Z's (the MadNIS
  Drell-Yan benchmark). The Z' has no couplings to W, Z or H.

The couplings are written from the Lagrangian with the sign conventions stated in
`madnis_plugin.models.model` (all legs incoming, vertex factor = i x Lagrangian
coefficient). Numbers are in GeV. This module holds no parsing (see `param_card`).
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Callable, Mapping

from madnis_plugin.models.model import (
    ZERO,
    Coupling,
    Model,
    Parameter,
    Particle,
    Vertex,
    VertexTerm,
)

P = Mapping[str, float | complex]
I = 1j  # the imaginary unit, as written in the Feynman rules
SQRT2 = math.sqrt(2.0)


def _real(z: complex) -> float | complex:
    """Keep a derived parameter real when it is (MG5 evaluates with cmath)."""
    z = complex(z)
    return z.real if z.imag == 0.0 else z


def _sqrt(x: complex) -> float | complex:
    return _real(cmath.sqrt(x))


# --- parameters ---------------------------------------------------------------------


def _sm_parameters(massive_b: bool, zprime: bool) -> list[Parameter]:
    def ext(name: str, block: str, index: int, value: float) -> Parameter:
        return Parameter(name, value, block=block, index=(index,), default=value)

    def dep(name: str, formula: str, fn: Callable[[P], float | complex]) -> Parameter:
        return Parameter(name, 0.0, expr=fn, formula=formula)

    ps = [
        ext("aEWM1", "SMINPUTS", 1, 132.507),
        ext("Gf", "SMINPUTS", 2, 1.16639e-05),
        ext("aS", "SMINPUTS", 3, 0.118),
    ]
    if massive_b:
        ps.append(ext("ymb", "YUKAWA", 5, 4.7))
    ps += [
        ext("ymt", "YUKAWA", 6, 173.0),
        ext("ymtau", "YUKAWA", 15, 1.777),
        ext("MZ", "MASS", 23, 91.188),
        ext("MTA", "MASS", 15, 1.777),
        ext("MT", "MASS", 6, 173.0),
    ]
    if massive_b:
        ps.append(ext("MB", "MASS", 5, 4.7))
    ps.append(ext("MH", "MASS", 25, 125.0))
    if zprime:
        ps.append(ext("MZp", "MASS", 32, 400.0))
    ps += [
        ext("WZ", "DECAY", 23, 2.441404),
        ext("WW", "DECAY", 24, 2.0476),
        ext("WT", "DECAY", 6, 1.4915),
        ext("WH", "DECAY", 25, 6.382339e-03),
    ]
    if zprime:
        ps.append(ext("WZp", "DECAY", 32, 0.5))
    # Internal parameters, in dependency order, with MG5 sm's expressions (Gf scheme).
    ps += [
        dep("aEW", "1/aEWM1", lambda v: 1.0 / v["aEWM1"]),
        dep("G", "2*sqrt(aS)*sqrt(pi)", lambda v: 2.0 * math.sqrt(v["aS"]) * math.sqrt(math.pi)),
        dep(
            "MW",
            "sqrt(MZ^2/2 + sqrt(MZ^4/4 - aEW*pi*MZ^2/(Gf*sqrt(2))))",
            lambda v: _sqrt(
                v["MZ"] ** 2 / 2.0
                + cmath.sqrt(v["MZ"] ** 4 / 4.0 - (v["aEW"] * math.pi * v["MZ"] ** 2) / (v["Gf"] * SQRT2))
            ),
        ),
        dep("ee", "2*sqrt(aEW)*sqrt(pi)", lambda v: 2.0 * math.sqrt(v["aEW"]) * math.sqrt(math.pi)),
        dep("sw2", "1 - MW^2/MZ^2", lambda v: _real(1.0 - v["MW"] ** 2 / v["MZ"] ** 2)),
        dep("cw", "MW/MZ", lambda v: _real(v["MW"] / v["MZ"])),
        dep("sw", "sqrt(sw2)", lambda v: _sqrt(v["sw2"])),
        dep("g1", "ee/cw", lambda v: _real(v["ee"] / v["cw"])),
        dep("gw", "ee/sw", lambda v: _real(v["ee"] / v["sw"])),
        dep("vev", "2*MW*sw/ee", lambda v: _real(2.0 * v["MW"] * v["sw"] / v["ee"])),
        dep("lam", "MH^2/(2*vev^2)", lambda v: _real(v["MH"] ** 2 / (2.0 * v["vev"] ** 2))),
        dep("yb", "ymb*sqrt(2)/vev", lambda v: _real(v.get("ymb", 0.0) * SQRT2 / v["vev"])),
        dep("yt", "ymt*sqrt(2)/vev", lambda v: _real(v["ymt"] * SQRT2 / v["vev"])),
        dep("ytau", "ymtau*sqrt(2)/vev", lambda v: _real(v["ymtau"] * SQRT2 / v["vev"])),
        dep("muH", "sqrt(lam*vev^2)", lambda v: _sqrt(v["lam"] * v["vev"] ** 2)),
    ]
    return ps


# --- particles ----------------------------------------------------------------------

# name, antiname, pdg, charge, weak isospin T3 of the left-handed field, colour,
# mass, width, Yukawa parameter (None: no Higgs coupling).
_FERMIONS = [
    ("d", "d~", 1, -1 / 3, -0.5, 3, ZERO, ZERO, None),
    ("u", "u~", 2, 2 / 3, 0.5, 3, ZERO, ZERO, None),
    ("s", "s~", 3, -1 / 3, -0.5, 3, ZERO, ZERO, None),
    ("c", "c~", 4, 2 / 3, 0.5, 3, ZERO, ZERO, None),
    ("b", "b~", 5, -1 / 3, -0.5, 3, "MB", ZERO, "yb"),
    ("t", "t~", 6, 2 / 3, 0.5, 3, "MT", "WT", "yt"),
    ("e-", "e+", 11, -1.0, -0.5, 1, ZERO, ZERO, None),
    ("ve", "ve~", 12, 0.0, 0.5, 1, ZERO, ZERO, None),
    ("mu-", "mu+", 13, -1.0, -0.5, 1, ZERO, ZERO, None),
    ("vm", "vm~", 14, 0.0, 0.5, 1, ZERO, ZERO, None),
    ("ta-", "ta+", 15, -1.0, -0.5, 1, "MTA", ZERO, "ytau"),
    ("vt", "vt~", 16, 0.0, 0.5, 1, ZERO, ZERO, None),
]

# Weak doublets (up-type, down-type) coupled by the W (CKM = identity).
_DOUBLETS = [("u", "d"), ("c", "s"), ("t", "b"), ("ve", "e-"), ("vm", "mu-"), ("vt", "ta-")]


def _particles(massive_b: bool, zprime: bool) -> list[Particle]:
    out: list[Particle] = []
    for name, anti, pdg, q, _t3, col, mass, width, _y in _FERMIONS:
        if name == "b" and not massive_b:
            mass = ZERO
        out.append(Particle(pdg, name, anti, 2, col, q, mass, width))
        out.append(Particle(-pdg, anti, name, 2, -col if col == 3 else col, -q, mass, width))
    out += [
        Particle(21, "g", "g", 3, 8, 0.0),
        Particle(22, "a", "a", 3, 1, 0.0),
        Particle(23, "z", "z", 3, 1, 0.0, "MZ", "WZ"),
        Particle(24, "w+", "w-", 3, 1, 1.0, "MW", "WW"),
        Particle(-24, "w-", "w+", 3, 1, -1.0, "MW", "WW"),
        Particle(25, "h", "h", 1, 1, 0.0, "MH", "WH"),
    ]
    if zprime:
        out.append(Particle(32, "zp", "zp", 3, 1, 0.0, "MZp", "WZp"))
    return out


# --- couplings and vertices ---------------------------------------------------------


class _Couplings:
    """Creates each coupling once, so that equal physics shares one `Coupling` object."""

    def __init__(self) -> None:
        self._made: dict[str, Coupling] = {}

    def get(
        self, name: str, formula: str, fn: Callable[[P], complex], qcd: int = 0, qed: int = 0
    ) -> Coupling:
        if name not in self._made:
            orders = tuple((k, n) for k, n in (("QCD", qcd), ("QED", qed)) if n)
            self._made[name] = Coupling(name, formula, fn, orders)
        return self._made[name]


def _frac(x: float) -> str:
    if x == 0.0:
        return "0"
    for num, den in ((1, 1), (1, 2), (1, 3), (2, 3), (1, 6), (5, 6)):
        if abs(abs(x) - num / den) < 1e-12:
            s = f"{num}/{den}" if den != 1 else f"{num}"
            return s if x > 0 else f"-{s}"
    return repr(x)


def _ffv(fbar: str, f: str, v: str, col: str, cl: Coupling | None, cr: Coupling | None) -> Vertex:
    terms = []
    if cl is not None:
        terms.append(VertexTerm(col, "FFV_L", cl))
    if cr is not None:
        terms.append(VertexTerm(col, "FFV_R", cr))
    return Vertex((fbar, f, v), "FFV", tuple(terms))


def _sm_vertices(massive_b: bool, zprime: bool) -> list[Vertex]:
    C = _Couplings()
    vs: list[Vertex] = []

    # Gauge couplings of fermions:  photon  i e Q gamma^mu,
    #   Z:  i e/(sw cw) gamma^mu [ (T3 - Q sw^2) P_L - Q sw^2 P_R ],
    #   gluon  i g_s T^a gamma^mu.   (Z' = copy of the Z, as the benchmark requires.)
    for name, anti, _pdg, q, t3, col, _m, _w, _y in _FERMIONS:
        colour = "Identity(0,1)" if col == 3 else "1"
        qs = _frac(q)
        if q != 0.0:
            ga = C.get(f"GC_A[{qs}]", f"i*ee*({qs})", lambda v, q=q: I * v["ee"] * q, qed=1)
            vs.append(_ffv(anti, name, "a", colour, ga, ga))
        for boson, tag in (("z", "Z"), ("zp", "Zp")) if zprime else (("z", "Z"),):
            gl = C.get(
                f"GC_{tag}L[{_frac(t3)},{qs}]",
                f"i*ee/(sw*cw)*(({_frac(t3)}) - ({qs})*sw^2)",
                lambda v, q=q, t3=t3: I * v["ee"] / (v["sw"] * v["cw"]) * (t3 - q * v["sw2"]),
                qed=1,
            )
            gr = None
            if q != 0.0:
                gr = C.get(
                    f"GC_{tag}R[{qs}]",
                    f"-i*ee/(sw*cw)*({qs})*sw^2",
                    lambda v, q=q: -I * v["ee"] / (v["sw"] * v["cw"]) * q * v["sw2"],
                    qed=1,
                )
            vs.append(_ffv(anti, name, boson, colour, gl, gr))
        if col == 3:
            gs = C.get("GC_gqq", "i*G", lambda v: I * v["G"], qcd=1)
            vs.append(_ffv(anti, name, "g", "T(2,0,1)", gs, gs))

    # W couplings: L = g/sqrt(2) [ ubar gamma^mu P_L d W+_mu + h.c. ]  ->  i g/sqrt(2) gamma^mu P_L.
    gw = C.get("GC_W", "i*ee/(sw*sqrt(2))", lambda v: I * v["ee"] / (v["sw"] * SQRT2), qed=1)
    anti_of = {f[0]: f[1] for f in _FERMIONS}
    for up, down in _DOUBLETS:
        colour = "Identity(0,1)" if up in ("u", "c", "t") else "1"
        vs.append(_ffv(anti_of[up], down, "w+", colour, gw, None))  # ubar d W+
        vs.append(_ffv(anti_of[down], up, "w-", colour, gw, None))  # dbar u W-

    # Yukawas: L = -y_f/sqrt(2) h fbar f  ->  -i y_f/sqrt(2) (P_L + P_R).
    for name, anti, _pdg, _q, _t3, col, _m, _w, y in _FERMIONS:
        if y is None or (y == "yb" and not massive_b):
            continue
        c = C.get(f"GC_h[{y}]", f"-i*{y}/sqrt(2)", lambda v, y=y: -I * v[y] / SQRT2, qed=1)
        colour = "Identity(0,1)" if col == 3 else "1"
        vs.append(
            Vertex((anti, name, "h"), "FFS", (VertexTerm(colour, "FFS_L", c), VertexTerm(colour, "FFS_R", c)))
        )

    # Triple gauge vertices (all momenta incoming, structure VVV in model.py):
    #   g g g: +g_s f^{abc};   W+ W- A: -i e;   W+ W- Z: -i e cw/sw  (legs W+, W-, V).
    ggg = C.get("GC_ggg", "G", lambda v: complex(v["G"]), qcd=1)
    vs.append(Vertex(("g", "g", "g"), "VVV", (VertexTerm("f(0,1,2)", "VVV", ggg),)))
    aww = C.get("GC_AWW", "-i*ee", lambda v: -I * v["ee"], qed=1)
    zww = C.get("GC_ZWW", "-i*ee*cw/sw", lambda v: -I * v["ee"] * v["cw"] / v["sw"], qed=1)
    vs.append(Vertex(("w+", "w-", "a"), "VVV", (VertexTerm("1", "VVV", aww),)))
    vs.append(Vertex(("w+", "w-", "z"), "VVV", (VertexTerm("1", "VVV", zww),)))

    # Quartic gauge vertices.
    # g g g g: -i g_s^2 [f01e f23e A(0,1|2,3) + f02e f13e A(0,2|1,3) + f03e f12e A(0,3|1,2)].
    gggg = C.get("GC_gggg", "-i*G^2", lambda v: -I * v["G"] ** 2, qcd=2)
    vs.append(
        Vertex(
            ("g", "g", "g", "g"),
            "VVVV",
            (
                VertexTerm("f(0,1,-1)*f(2,3,-1)", "VVVV_A(0,1|2,3)", gggg),
                VertexTerm("f(0,2,-1)*f(1,3,-1)", "VVVV_A(0,2|1,3)", gggg),
                VertexTerm("f(0,3,-1)*f(1,2,-1)", "VVVV_A(0,3|1,2)", gggg),
            ),
        )
    )
    # W+ W- W+ W-: +i g^2 S(0,2|1,3);  W+ W- V1 V2: -i g^2 c1 c2 S(0,1|2,3) with c_A = sw, c_Z = cw.
    wwww = C.get("GC_WWWW", "i*ee^2/sw^2", lambda v: I * v["ee"] ** 2 / v["sw2"], qed=2)
    wwaa = C.get("GC_WWAA", "-i*ee^2", lambda v: -I * v["ee"] ** 2, qed=2)
    wwaz = C.get("GC_WWAZ", "-i*ee^2*cw/sw", lambda v: -I * v["ee"] ** 2 * v["cw"] / v["sw"], qed=2)
    wwzz = C.get("GC_WWZZ", "-i*ee^2*cw^2/sw^2", lambda v: -I * v["ee"] ** 2 * v["cw"] ** 2 / v["sw2"], qed=2)
    vs.append(Vertex(("w+", "w-", "w+", "w-"), "VVVV", (VertexTerm("1", "VVVV_S(0,2|1,3)", wwww),)))
    for pair, c in ((("a", "a"), wwaa), (("a", "z"), wwaz), (("z", "z"), wwzz)):
        vs.append(Vertex(("w+", "w-", *pair), "VVVV", (VertexTerm("1", "VVVV_S(0,1|2,3)", c),)))

    # Higgs-gauge and Higgs self couplings, from |D Phi|^2 and V = -mu^2 |Phi|^2 + lam |Phi|^4:
    #   h W+ W-: i g^2 v/2,  h Z Z: i (g^2+g'^2) v/2,  h h W+ W-: i g^2/2,  h h Z Z: i (g^2+g'^2)/2,
    #   h h h: -6 i lam v,  h h h h: -6 i lam.
    hww = C.get(
        "GC_hWW", "i*ee^2*vev/(2*sw^2)", lambda v: I * v["ee"] ** 2 * v["vev"] / (2 * v["sw2"]), qed=1
    )
    hzz = C.get(
        "GC_hZZ",
        "i*ee^2*vev/(2*sw^2*cw^2)",
        lambda v: I * v["ee"] ** 2 * v["vev"] / (2 * v["sw2"] * v["cw"] ** 2),
        qed=1,
    )
    hhww = C.get("GC_hhWW", "i*ee^2/(2*sw^2)", lambda v: I * v["ee"] ** 2 / (2 * v["sw2"]), qed=2)
    hhzz = C.get(
        "GC_hhZZ", "i*ee^2/(2*sw^2*cw^2)", lambda v: I * v["ee"] ** 2 / (2 * v["sw2"] * v["cw"] ** 2), qed=2
    )
    hhh = C.get("GC_hhh", "-6*i*lam*vev", lambda v: -6 * I * v["lam"] * v["vev"], qed=1)
    hhhh = C.get("GC_hhhh", "-6*i*lam", lambda v: -6 * I * v["lam"], qed=2)
    vs += [
        Vertex(("w+", "w-", "h"), "VVS", (VertexTerm("1", "VVS", hww),)),
        Vertex(("z", "z", "h"), "VVS", (VertexTerm("1", "VVS", hzz),)),
        Vertex(("w+", "w-", "h", "h"), "VVSS", (VertexTerm("1", "VVSS", hhww),)),
        Vertex(("z", "z", "h", "h"), "VVSS", (VertexTerm("1", "VVSS", hhzz),)),
        Vertex(("h", "h", "h"), "SSS", (VertexTerm("1", "SSS", hhh),)),
        Vertex(("h", "h", "h", "h"), "SSSS", (VertexTerm("1", "SSSS", hhhh),)),
    ]
    return vs


def _multiparticles(five_flavour: bool) -> dict[str, list[str]]:
    # MG5's defaults; with a massless b, MG5 moves p and j to the 5-flavour scheme.
    q = ["u", "c", "d", "s"] + (["b"] if five_flavour else [])
    qbar = [x + "~" for x in q]
    return {
        "p": ["g", *q, *qbar],
        "j": ["g", *q, *qbar],
        "l+": ["e+", "mu+"],
        "l-": ["e-", "mu-"],
        "vl": ["ve", "vm", "vt"],
        "vl~": ["ve~", "vm~", "vt~"],
    }


def build_sm(variant: str = "sm") -> Model:
    """Build one of ``sm``, ``sm-no_b_mass``, ``sm_zprime`` (see the module docstring)."""
    if variant not in ("sm", "sm-no_b_mass", "sm_zprime"):
        raise ValueError(f"unknown SM variant {variant!r}")
    massive_b = variant != "sm-no_b_mass"
    zprime = variant == "sm_zprime"
    descriptions = {
        "sm": "MG5 default sm: 4 flavours, massive b, t, tau; unitary gauge; CKM = 1",
        "sm-no_b_mass": "MG5 sm-no_b_mass: as sm with a massless b (5-flavour proton)",
        "sm_zprime": "sm + Z' (pdg 32, MZp = 400, WZp = 0.5) with the Z's couplings to fermions",
    }
    return Model(
        variant,
        _particles(massive_b, zprime),
        _sm_parameters(massive_b, zprime),
        _sm_vertices(massive_b, zprime),
        _multiparticles(five_flavour=not massive_b),
        descriptions[variant],
    )
