"""The helicity-amplitude headers (csrc/include/madnis/helas) against the Dirac algebra.

A small C++ harness, compiled with the matrix-element build machinery and called through
ctypes, exposes every external wavefunction and vertex routine. The wavefunctions are
checked for the Dirac equation, normalisation, completeness and helicity; every vertex
amplitude and off-shell current against an explicit 4x4-matrix evaluation of the
formula it implements (chiral basis, gamma5 = diag(-1, -1, 1, 1)).
"""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

from madnis_plugin.codegen.build import compile_library
from madnis_plugin.codegen.kinematics import boost

HARNESS = r"""
// One event per call: the scalar build of the headers (the build adds a SIMD width).
#undef MADNIS_SIMD_BYTES
#include "madnis/helas/vertices.h"
using namespace madnis::helas;
namespace {
void put(const Wf& f, double* out) {
    for (int i = 0; i < 4; ++i) { out[2 * i] = f.w[i].re; out[2 * i + 1] = f.w[i].im; }
    for (int mu = 0; mu < 4; ++mu) out[8 + mu] = f.p[mu];
}
Wf get(const double* in) {
    Wf f;
    for (int i = 0; i < 4; ++i) f.w[i] = cplx(in[2 * i], in[2 * i + 1]);
    for (int mu = 0; mu < 4; ++mu) f.p[mu] = in[8 + mu];
    return f;
}
void put_c(const cplx& z, double* out) { out[0] = z.re; out[1] = z.im; }
}  // namespace
extern "C" {
__attribute__((visibility("default"))) void h_external(int kind, const double* p, double m, int hel, double* out) {
    Wf f;
    switch (kind) {
        case 0: f = spinor_u(p, m, hel); break;
        case 1: f = spinor_v(p, m, hel); break;
        case 2: f = spinor_ubar(p, m, hel); break;
        case 3: f = spinor_vbar(p, m, hel); break;
        case 4: f = polarisation(p, m, hel, true); break;
        case 5: f = polarisation(p, m, hel, false); break;
        default: f = scalar_wf(p, true); break;
    }
    put(f, out);
}
__attribute__((visibility("default"))) void h_vertex(int which, const double* in, const double* c, double m,
                                                     double w, double* out) {
    const Wf a = get(in), b = get(in + 12), d = get(in + 24), e = get(in + 36);
    const cplx c0(c[0], c[1]), c1(c[2], c[3]), c2(c[4], c[5]);
    switch (which) {
        case 0: put_c(ffv_amp(a, b, d, c0, c1), out); break;
        case 1: put(ffv_vector(a, b, c0, c1, m, w), out); break;
        case 2: put(ffv_col(a, b, c0, c1, m, w), out); break;
        case 3: put(ffv_row(a, b, c0, c1, m, w), out); break;
        case 4: put_c(ffs_amp(a, b, d, c0, c1), out); break;
        case 5: put(ffs_scalar(a, b, c0, c1, m, w), out); break;
        case 6: put(ffs_col(a, b, c0, c1, m, w), out); break;
        case 7: put(ffs_row(a, b, c0, c1, m, w), out); break;
        case 8: put_c(vvv_amp(a, b, d, c0), out); break;
        case 9: put(vvv_vector(a, b, c0, m, w), out); break;
        case 10: put_c(vvvv_amp(a, b, d, e, c0, c1, c2), out); break;
        case 11: put(vvvv_vector(a, b, d, c0, c1, c2, m, w), out); break;
        case 12: put_c(vvs_amp(a, b, d, c0), out); break;
        case 13: put(vvs_scalar(a, b, c0, m, w), out); break;
        case 14: put(vvs_vector(a, b, c0, m, w), out); break;
        case 15: put_c(vvss_amp(a, b, d, e, c0), out); break;
        case 16: put(vvss_scalar(a, b, d, c0, m, w), out); break;
        case 17: put(vvss_vector(a, b, d, c0, m, w), out); break;
        case 18: put_c(sss_amp(a, b, d, c0), out); break;
        case 19: put(sss_scalar(a, b, c0, m, w), out); break;
        case 20: put_c(ssss_amp(a, b, d, e, c0), out); break;
        default: put(ssss_scalar(a, b, d, c0, m, w), out); break;
    }
}
}
"""

G = np.diag([1.0, -1.0, -1.0, -1.0])
SIG = [
    np.eye(2, dtype=complex),
    np.array([[0, 1], [1, 0]], complex),
    np.array([[0, -1j], [1j, 0]]),
    np.array([[1, 0], [0, -1]], complex),
]
Z2 = np.zeros((2, 2))
GAMMA = np.array(
    [np.block([[Z2, SIG[0]], [SIG[0], Z2]])] + [np.block([[Z2, SIG[k]], [-SIG[k], Z2]]) for k in (1, 2, 3)]
)
G5 = np.diag([-1.0, -1.0, 1.0, 1.0]).astype(complex)
PL, PR = np.diag([1.0, 1, 0, 0]).astype(complex), np.diag([0.0, 0, 1, 1]).astype(complex)


def slash(v: np.ndarray) -> np.ndarray:
    return np.einsum("m,mab->ab", G @ v, GAMMA)


def mdot(a: np.ndarray, b: np.ndarray) -> complex:
    return a @ G @ b


@pytest.fixture(scope="module")
def lib() -> ctypes.CDLL:
    path = compile_library(HARNESS, "cpu", name="helas_harness")
    dll = ctypes.CDLL(str(path))
    dbl = ctypes.POINTER(ctypes.c_double)
    dll.h_external.argtypes = [ctypes.c_int, dbl, ctypes.c_double, ctypes.c_int, dbl]
    dll.h_vertex.argtypes = [ctypes.c_int, dbl, dbl, ctypes.c_double, ctypes.c_double, dbl]
    return dll


def _ptr(a: np.ndarray):
    return a.ctypes.data_as(ctypes.POINTER(ctypes.c_double))


def external(lib, kind: int, p, m: float, hel: int) -> tuple[np.ndarray, np.ndarray]:
    p = np.ascontiguousarray(p, dtype=float)
    out = np.zeros(12)
    lib.h_external(kind, _ptr(p), m, hel, _ptr(out))
    return out[0:8:2] + 1j * out[1:8:2], out[8:]


def vertex(lib, which: int, wfs, coups, m: float = 0.0, w: float = 0.0):
    buf = np.zeros(48)
    for k, (comp, mom) in enumerate(wfs):
        buf[12 * k : 12 * k + 8 : 2] = np.real(comp)
        buf[12 * k + 1 : 12 * k + 8 : 2] = np.imag(comp)
        buf[12 * k + 8 : 12 * k + 12] = mom
    c = np.zeros(6)
    for k, z in enumerate(coups):
        c[2 * k], c[2 * k + 1] = z.real, z.imag
    out = np.zeros(12)
    lib.h_vertex(which, _ptr(buf), _ptr(c), m, w, _ptr(out))
    return out[0:8:2] + 1j * out[1:8:2], out[8:]


def momenta(m: float, rng: np.random.Generator, n: int = 6) -> list[np.ndarray]:
    """Random on-shell momenta, plus the special directions +z, -z (and rest if massive)."""
    out = []
    for _ in range(n):
        v = rng.normal(size=3) * rng.uniform(1, 300)
        out.append(np.array([np.sqrt(v @ v + m * m), *v]))
    for d in ([0, 0, 40.0], [0, 0, -40.0]):
        out.append(np.array([np.sqrt(1600 + m * m), *d]))
    if m > 0:
        out.append(np.array([m, 0.0, 0.0, 0.0]))
    return out


@pytest.mark.parametrize("m", [0.0, 173.0])
def test_spinors_solve_the_dirac_equation_with_standard_normalisation(lib, m):
    rng = np.random.default_rng(1)
    for p in momenta(m, rng):
        ps = slash(p)
        for h in (-1, 1):
            u, pu = external(lib, 0, p, m, h)
            v, pv = external(lib, 1, p, m, h)
            ub, _ = external(lib, 2, p, m, h)
            vb, _ = external(lib, 3, p, m, h)
            scale = p[0] + m
            assert np.abs((ps - m * np.eye(4)) @ u).max() < 1e-12 * scale * np.sqrt(scale)
            assert np.abs((ps + m * np.eye(4)) @ v).max() < 1e-12 * scale * np.sqrt(scale)
            np.testing.assert_allclose(ub, u.conj() @ GAMMA[0], atol=1e-12 * np.sqrt(scale))
            np.testing.assert_allclose(vb, v.conj() @ GAMMA[0], atol=1e-12 * np.sqrt(scale))
            assert ub @ u == pytest.approx(2 * m, abs=1e-10 * scale)
            assert vb @ v == pytest.approx(-2 * m, abs=1e-10 * scale)
            assert np.vdot(u, u).real == pytest.approx(2 * p[0], rel=1e-13)
            np.testing.assert_array_equal(pu, p)
            np.testing.assert_array_equal(pv, -p)


@pytest.mark.parametrize("m", [0.0, 4.7])
def test_spinor_completeness(lib, m):
    rng = np.random.default_rng(2)
    for p in momenta(m, rng):
        su = sum(np.outer(external(lib, 0, p, m, h)[0], external(lib, 2, p, m, h)[0]) for h in (-1, 1))
        sv = sum(np.outer(external(lib, 1, p, m, h)[0], external(lib, 3, p, m, h)[0]) for h in (-1, 1))
        np.testing.assert_allclose(su, slash(p) + m * np.eye(4), atol=1e-12 * p[0])
        np.testing.assert_allclose(sv, slash(p) - m * np.eye(4), atol=1e-12 * p[0])


@pytest.mark.parametrize("m", [0.0, 173.0])
def test_spinors_have_the_stated_helicity(lib, m):
    rng = np.random.default_rng(3)
    for p in momenta(m, rng)[:-1] if m else momenta(m, rng):
        n = p[1:] / np.linalg.norm(p[1:])
        spin = np.kron(np.eye(2), sum(n[k] * SIG[k + 1] for k in range(3)))  # Sigma·p̂, both chiralities
        for h in (-1, 1):
            u, _ = external(lib, 0, p, m, h)
            v, _ = external(lib, 1, p, m, h)
            np.testing.assert_allclose(spin @ u, h * u, atol=1e-12 * np.sqrt(p[0] + m))
            # v(p, h) describes an antiparticle of helicity h: Sigma·p̂ v = -h v
            np.testing.assert_allclose(spin @ v, -h * v, atol=1e-12 * np.sqrt(p[0] + m))


def test_massless_spinors_are_the_limit_of_massive_ones(lib):
    p0 = np.array([0.0, 12.0, -33.0, 51.0])
    p0[0] = np.linalg.norm(p0[1:])
    for h in (-1, 1):
        for kind in range(4):
            a, _ = external(lib, kind, p0, 0.0, h)
            pm = p0.copy()
            pm[0] = np.sqrt(p0[0] ** 2 + 1e-6**2)
            b, _ = external(lib, kind, pm, 1e-6, h)
            np.testing.assert_allclose(a, b, atol=1e-6)


@pytest.mark.parametrize("m", [0.0, 80.4])
def test_polarisation_vectors(lib, m):
    rng = np.random.default_rng(4)
    for p in momenta(m, rng):
        hels = (-1, 1) if m == 0 else (-1, 0, 1)
        if m == 0 or np.linalg.norm(p[1:]) > 0:
            n = p[1:] / np.linalg.norm(p[1:])
        else:
            n = np.array([0.0, 0.0, 1.0])
        # spin-1 helicity operator (S·n)_ij = -i eps_ijk n_k
        sn = -1j * np.array([[0, n[2], -n[1]], [-n[2], 0, n[0]], [n[1], -n[0], 0]])
        completeness = np.zeros((4, 4), complex)
        for h in hels:
            e, pe = external(lib, 4, p, m, h)
            eo, peo = external(lib, 5, p, m, h)
            np.testing.assert_allclose(eo, e.conj(), atol=1e-15)
            np.testing.assert_array_equal(pe, p)
            np.testing.assert_array_equal(peo, -p)
            assert abs(mdot(e, p)) < 1e-12 * p[0]
            assert mdot(e, e.conj()) == pytest.approx(-1.0, abs=1e-13)
            np.testing.assert_allclose(sn @ e[1:], h * e[1:], atol=1e-12 * abs(e).max())
            if h != 0:
                assert e[0] == 0
            completeness += np.outer(e, e.conj())
        if m > 0:
            np.testing.assert_allclose(completeness, -np.linalg.inv(G) + np.outer(p, p) / m**2, atol=1e-11)


def test_boosted_massive_polarisations_keep_their_properties(lib):
    p = np.array([100.0, 20.0, 30.0, 40.0])
    p[0] = np.sqrt(p[1:] @ p[1:] + 91.188**2)
    pb = boost(p[None], np.array([[0.3, -0.5, 0.6]]))[0]
    for h in (-1, 0, 1):
        e, _ = external(lib, 4, pb, 91.188, h)
        assert abs(mdot(e, pb)) < 1e-11 * pb[0]
        assert mdot(e, e.conj()) == pytest.approx(-1.0, abs=1e-12)


# ---- vertices --------------------------------------------------------------------------


def rand_wf(rng: np.random.Generator, scale: float = 100.0) -> tuple[np.ndarray, np.ndarray]:
    return rng.normal(size=4) + 1j * rng.normal(size=4), rng.normal(size=4) * scale


def rand_c(rng: np.random.Generator) -> complex:
    return complex(rng.normal(), rng.normal())


def vprop(j: np.ndarray, p: np.ndarray, m: float, w: float) -> np.ndarray:
    d = mdot(p, p) - m * m + 1j * m * w
    if m == 0:
        return -1j * j / d
    return -1j * (j - p * mdot(p, j) / m**2) / d


def fprop(p: np.ndarray, m: float, w: float) -> np.ndarray:
    return 1j * (slash(p) + m * np.eye(4)) / (mdot(p, p) - m * m + 1j * m * w)


@pytest.mark.parametrize(("m", "w"), [(0.0, 0.0), (91.188, 2.4414)])
def test_ffv_routines_match_the_dirac_algebra(lib, m, w):
    rng = np.random.default_rng(5)
    for _ in range(5):
        fo, fi, v = rand_wf(rng), rand_wf(rng), rand_wf(rng)
        cl, cr = rand_c(rng), rand_c(rng)
        chiral = cl * PL + cr * PR
        amp, _ = vertex(lib, 0, [fo, fi, v], [cl, cr])
        assert amp[0] == pytest.approx(fo[0] @ slash(v[0]) @ chiral @ fi[0], rel=1e-13)
        j, pj = vertex(lib, 1, [fo, fi], [cl, cr], m, w)
        ref = np.array([fo[0] @ GAMMA[mu] @ chiral @ fi[0] for mu in range(4)])
        np.testing.assert_allclose(pj, fo[1] + fi[1])
        np.testing.assert_allclose(j, vprop(ref, pj, m, w), rtol=1e-12, atol=1e-14 * abs(j).max())
        mf, wf = 173.0 if m else 0.0, 1.49 if m else 0.0
        col, pc = vertex(lib, 2, [fi, v], [cl, cr], mf, wf)
        np.testing.assert_allclose(col, fprop(pc, mf, wf) @ slash(v[0]) @ chiral @ fi[0], rtol=1e-12)
        row, pr = vertex(lib, 3, [fo, v], [cl, cr], mf, wf)
        np.testing.assert_allclose(row, fo[0] @ slash(v[0]) @ chiral @ fprop(-pr, mf, wf), rtol=1e-12)


def test_ffs_routines_match_the_dirac_algebra(lib):
    rng = np.random.default_rng(6)
    for m, w in ((0.0, 0.0), (125.0, 0.0064)):
        fo, fi, s = rand_wf(rng), rand_wf(rng), rand_wf(rng)
        cl, cr = rand_c(rng), rand_c(rng)
        chiral = cl * PL + cr * PR
        amp, _ = vertex(lib, 4, [fo, fi, s], [cl, cr])
        assert amp[0] == pytest.approx(fo[0] @ chiral @ fi[0] * s[0][0], rel=1e-13)
        sc, ps = vertex(lib, 5, [fo, fi], [cl, cr], m, w)
        assert sc[0] == pytest.approx(1j * (fo[0] @ chiral @ fi[0]) / (mdot(ps, ps) - m * m + 1j * m * w), rel=1e-12)
        col, pc = vertex(lib, 6, [fi, s], [cl, cr], 173.0, 1.5)
        np.testing.assert_allclose(col, fprop(pc, 173.0, 1.5) @ chiral @ fi[0] * s[0][0], rtol=1e-12)
        row, pr = vertex(lib, 7, [fo, s], [cl, cr], 173.0, 1.5)
        np.testing.assert_allclose(row, fo[0] @ chiral @ fprop(-pr, 173.0, 1.5) * s[0][0], rtol=1e-12)


def test_vector_vertices_match_their_lorentz_structures(lib):
    rng = np.random.default_rng(7)
    a, b, c, d = (rand_wf(rng) for _ in range(4))
    g, g2, g3 = rand_c(rng), rand_c(rng), rand_c(rng)
    va, vb, vc, vd = a[0], b[0], c[0], d[0]
    pa, pb, pc = a[1], b[1], c[1]
    vvv = g * (mdot(va, vb) * mdot(pa - pb, vc) + mdot(vb, vc) * mdot(pb - pc, va) + mdot(vc, va) * mdot(pc - pa, vb))
    assert vertex(lib, 8, [a, b, c], [g])[0][0] == pytest.approx(vvv, rel=1e-12)
    # the current of the third leg, contracted with its wavefunction, is the amplitude
    # (with p_c = -(p_a + p_b) and the propagator removed)
    for m, w in ((0.0, 0.0), (80.4, 2.05)):
        j, pj = vertex(lib, 9, [a, b], [g], m, w)
        c_on = (vc, -(pa + pb))
        raw = g * (mdot(va, vb) * (pa - pb) + vb * mdot(pb - c_on[1], va) + va * mdot(c_on[1] - pa, vb))
        np.testing.assert_allclose(j, vprop(raw, pj, m, w), rtol=1e-12)
    amp4 = g * mdot(va, vb) * mdot(vc, vd) + g2 * mdot(va, vc) * mdot(vb, vd) + g3 * mdot(va, vd) * mdot(vb, vc)
    assert vertex(lib, 10, [a, b, c, d], [g, g2, g3])[0][0] == pytest.approx(amp4, rel=1e-12)
    j4, p4 = vertex(lib, 11, [a, b, c], [g, g2, g3], 80.4, 2.05)
    raw4 = g * mdot(va, vb) * vc + g2 * mdot(va, vc) * vb + g3 * mdot(vb, vc) * va
    np.testing.assert_allclose(p4, pa + pb + pc)
    np.testing.assert_allclose(j4, vprop(raw4, p4, 80.4, 2.05), rtol=1e-12)


def test_scalar_vertices(lib):
    rng = np.random.default_rng(8)
    a, b, s, t = (rand_wf(rng) for _ in range(4))
    g = rand_c(rng)
    m, w = 125.0, 0.0064

    def sprop(x, p):
        return 1j * x / (mdot(p, p) - m * m + 1j * m * w)

    assert vertex(lib, 12, [a, b, s], [g])[0][0] == pytest.approx(g * mdot(a[0], b[0]) * s[0][0], rel=1e-12)
    sc, ps = vertex(lib, 13, [a, b], [g], m, w)
    assert sc[0] == pytest.approx(sprop(g * mdot(a[0], b[0]), ps), rel=1e-12)
    vv, pv = vertex(lib, 14, [a, s], [g], 91.188, 2.44)
    np.testing.assert_allclose(vv, vprop(g * s[0][0] * a[0], pv, 91.188, 2.44), rtol=1e-12)
    ss = s[0][0] * t[0][0]
    assert vertex(lib, 15, [a, b, s, t], [g])[0][0] == pytest.approx(g * mdot(a[0], b[0]) * ss, rel=1e-12)
    sc2, ps2 = vertex(lib, 16, [a, b, s], [g], m, w)
    assert sc2[0] == pytest.approx(sprop(g * mdot(a[0], b[0]) * s[0][0], ps2), rel=1e-12)
    vv2, pv2 = vertex(lib, 17, [a, s, t], [g], 91.188, 2.44)
    np.testing.assert_allclose(vv2, vprop(g * ss * a[0], pv2, 91.188, 2.44), rtol=1e-12)
    x = a[0][0] * b[0][0] * s[0][0]
    assert vertex(lib, 18, [a, b, s], [g])[0][0] == pytest.approx(g * x, rel=1e-12)
    sc3, ps3 = vertex(lib, 19, [a, b], [g], m, w)
    assert sc3[0] == pytest.approx(sprop(g * a[0][0] * b[0][0], ps3), rel=1e-12)
    assert vertex(lib, 20, [a, b, s, t], [g])[0][0] == pytest.approx(g * x * t[0][0], rel=1e-12)
    sc4, ps4 = vertex(lib, 21, [a, b, s], [g], m, w)
    assert sc4[0] == pytest.approx(sprop(g * x, ps4), rel=1e-12)
