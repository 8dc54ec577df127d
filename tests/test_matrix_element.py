"""Generated matrix elements against MadGraph5_aMC@NLO reference points.

tests/data/me_uux_epem.json and tests/data/me_gg_ttx.json are verbatim copies of
../shared/reference/me/ (MG5_aMC 3.5.7 standalone output, default `sm`, αs = 0.118):
|M|^2 in MG5's SMATRIX convention at five points each. For g g > t t~ MG5 standalone
keeps the top width in the t/u-channel propagators; `me2_with_WT_set_to_0` is the value
without it, which is what an event generator (and our default) uses.

tests/data/mg5_eejj/standalone_points.json: one point for each of the 28 subprocesses of
p p > e+ e- j j from MG5 3.5.7 standalone output (its `source` says how it was made),
printed by MG5 with 7 significant digits, hence the 1e-5 tolerance there.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from conftest import DATA, away_from_collinear, requires_cuda

from madnis_plugin import models
from madnis_plugin.codegen.build import compile_library, find_nvcc
from madnis_plugin.matrix_element import MatrixElement, reference_points


def _points(name: str) -> tuple[torch.Tensor, list[dict]]:
    data = json.loads((DATA / name).read_text())
    p = torch.tensor([pt["momenta"] for pt in data["points"]], dtype=torch.float64)
    return p, data["points"]


@pytest.fixture(scope="module")
def sm():
    return models.load("sm")


@pytest.fixture(scope="module")
def gg_ttx(sm):
    return MatrixElement.from_process(sm, "g g > t t~")


@pytest.fixture(scope="module")
def uux_epem(sm):
    return MatrixElement.from_process(sm, "u u~ > e+ e-")


def test_uux_epem_matches_mg5_reference_points(uux_epem):
    p, pts = _points("me_uux_epem.json")
    me2 = uux_epem.me2(p).numpy()
    ref = np.array([pt["me2"] for pt in pts])
    np.testing.assert_allclose(me2, ref, rtol=1e-10, atol=0)


def test_gg_ttx_matches_mg5_reference_points_without_t_channel_width(gg_ttx):
    p, pts = _points("me_gg_ttx.json")
    me2 = gg_ttx.me2(p).numpy()
    ref = np.array([pt["me2_with_WT_set_to_0"] for pt in pts])
    np.testing.assert_allclose(me2, ref, rtol=1e-10, atol=0)


def test_gg_ttx_with_t_channel_width_matches_mg5_standalone(sm):
    me = MatrixElement.from_process(sm, "g g > t t~", t_channel_width=True)
    p, pts = _points("me_gg_ttx.json")
    np.testing.assert_allclose(me.me2(p).numpy(), [pt["me2"] for pt in pts], rtol=1e-10, atol=0)


def test_alpha_s_rescales_qcd_couplings(gg_ttx):
    p, _ = _points("me_gg_ttx.json")
    base = gg_ttx.me2(p)
    # |M|^2 of g g > t t~ is proportional to alpha_s^2
    np.testing.assert_allclose(gg_ttx.me2(p, alpha_s=0.236).numpy(), 4 * base.numpy(), rtol=1e-13)
    per_point = torch.tensor([0.118, 0.059, 0.118, 0.236, 0.118], dtype=torch.float64)
    scale = (per_point / 0.118) ** 2
    np.testing.assert_allclose(gg_ttx.me2(p, alpha_s=per_point).numpy(), (scale * base).numpy(), rtol=1e-13)


def test_skipping_vanishing_helicities_changes_nothing(sm):
    me = MatrixElement.from_process(sm, "u u~ > e+ e- g")
    p = reference_points(me, 500.0, 64)
    fast = me.me2(p)
    full = me.evaluate(p, all_helicities=True).me2
    assert len(me.good_helicities()) < len(me.program.helicities)
    torch.testing.assert_close(fast, full, rtol=1e-14, atol=0)


def test_outputs_have_the_documented_shapes_and_ranges(gg_ttx):
    p = reference_points(gg_ttx, 800.0, 257)
    g = torch.Generator().manual_seed(3)
    out = gg_ttx.evaluate(p, diagram_weights=True, r_hel=torch.rand(257, generator=g, dtype=torch.float64),
                          r_col=torch.rand(257, generator=g, dtype=torch.float64), per_helicity=True)
    assert out.diagram_weights.shape == (257, 3) and (out.diagram_weights > 0).all()
    assert out.helicity.dtype == torch.int32 and out.colour_flow.dtype == torch.int32
    assert set(out.helicity.tolist()) <= set(gg_ttx.good_helicities())
    assert set(out.colour_flow.tolist()) <= {0, 1}
    torch.testing.assert_close(out.helicity_me2.sum(dim=1), out.me2, rtol=1e-13, atol=0)
    # the picked helicity always contributes
    picked = out.helicity_me2.gather(1, out.helicity.long()[:, None])[:, 0]
    assert (picked > 0).all()


@pytest.mark.skipif(find_nvcc() is None, reason="needs nvcc")
def test_generated_code_compiles_for_cuda(sm):
    # compiled without a GPU too: keeps the CUDA side of the template and headers building
    me = MatrixElement.from_process(sm, "g g > t t~ g")
    assert compile_library(me.source, "cuda", "80", name="compile_check").is_file()


@requires_cuda
def test_cuda_equals_cpu(gg_ttx, uux_epem, sm):
    for me in (gg_ttx, uux_epem, MatrixElement.from_process(sm, "g g > t t~ g")):
        p = reference_points(me, 1000.0, 4096)
        alpha = torch.full((4096,), 0.13, dtype=torch.float64)
        cpu = me.evaluate(p, alpha, diagram_weights=True)
        gpu = me.evaluate(p.cuda(), alpha.cuda(), diagram_weights=True)
        # machine precision away from soft and collinear limits, where rounding is amplified
        ok = away_from_collinear(p, me.external_masses)
        for a, b in ((gpu.me2.cpu(), cpu.me2), (gpu.diagram_weights.cpu(), cpu.diagram_weights)):
            torch.testing.assert_close(a, b, rtol=1e-8, atol=0)
            torch.testing.assert_close(a[ok], b[ok], rtol=1e-12, atol=0)


def test_helicity_and_colour_picks_follow_their_weights(gg_ttx, sm):
    for me in (gg_ttx, MatrixElement.from_process(sm, "g g > t t~ g")):
        n = 4000
        p = reference_points(me, 900.0, 1, seed=5).expand(n, -1, -1).contiguous()
        r = (torch.arange(n, dtype=torch.float64) + 0.5) / n  # a uniform grid of random numbers
        out = me.evaluate(p, r_hel=r, r_col=r.flip(0), per_helicity=True, flow_weights=True)
        hel_frac = out.helicity_me2[0] / out.me2[0]
        counts = torch.bincount(out.helicity.long(), minlength=hel_frac.numel()).double() / n
        torch.testing.assert_close(counts, hel_frac, rtol=0, atol=1.5 / n)
        flow_frac = out.flow_weights[0] / out.flow_weights[0].sum()
        counts = torch.bincount(out.colour_flow.long(), minlength=me.n_flows).double() / n
        torch.testing.assert_close(counts, flow_frac, rtol=0, atol=1.5 / n)
        assert all(me.leading_flows[k] for k in set(out.colour_flow.tolist()))


def test_process_matrix_elements_share_identical_code(sm):
    from madnis_plugin.matrix_element import ProcessMatrixElements
    from madnis_plugin.process.subprocesses import expand_subprocesses

    subs = expand_subprocesses(sm, [[2, 4, -2, -4], [2, 4, -2, -4], [-11], [11]], combine=False)
    pm = ProcessMatrixElements(sm, subs)
    flavours = [s.pdg_ids for s in subs]
    i, j = flavours.index((2, -2, -11, 11)), flavours.index((4, -4, -11, 11))
    assert pm[i].library() is pm[j].library()  # massless u and c: the same generated source
    p, pts = _points("me_uux_epem.json")
    np.testing.assert_allclose(pm.matrix_element(p, subprocess=j).numpy(), [x["me2"] for x in pts], rtol=1e-10)
    assert pm.diagram_weights(p, subprocess=i).shape == (5, 2)


def test_subprocesses_with_equal_code_keep_their_own_couplings(sm):
    # u u~ and d d~ > e+ e- generate the same code but read different couplings.
    from madnis_plugin.matrix_element import MatrixElement, ProcessMatrixElements
    from madnis_plugin.process.subprocesses import expand_subprocesses

    subs = expand_subprocesses(sm, [[2, 1], [-2, -1], [-11], [11]], combine=False)
    pm = ProcessMatrixElements(sm, subs)
    p, _ = _points("me_uux_epem.json")
    for k, sub in enumerate(subs):
        alone = MatrixElement.from_process(sm, sub.pdg_ids)
        np.testing.assert_allclose(pm.matrix_element(p, subprocess=k).numpy(), alone.me2(p).numpy(), rtol=1e-14)
    assert not np.allclose(pm.matrix_element(p, subprocess=0).numpy(), pm.matrix_element(p, subprocess=1).numpy())


def test_out_of_line_helas_routines_give_the_same_matrix_element(sm):
    # Large processes are compiled with MADNIS_HELAS_NOINLINE; check that path on a small one.
    from madnis_plugin.codegen.render import render_source
    from madnis_plugin.core import _core

    me = MatrixElement.from_process(sm, "g g > t t~ g")
    source = render_source(me.program, noinline=True)
    assert "#define MADNIS_HELAS_NOINLINE" in source and "MADNIS_HELAS_NOINLINE" not in me.source
    lib = _core.MeLibrary(str(compile_library(source, "cpu", name="noinline_check")))
    p = reference_points(me, 1000.0, 64)
    coup, prm, hel = me._device_inputs(torch.device("cpu"))
    me2 = torch.empty(64, dtype=torch.float64)
    lib.evaluate(p, coup, prm, hel, me2)
    torch.testing.assert_close(me2, me.me2(p), rtol=1e-14, atol=0)
    if find_nvcc() is not None:
        assert compile_library(source, "cuda", "80", name="noinline_cuda_check").is_file()


@pytest.mark.parametrize("process", ["g g > t t~ g", "e+ e- > w+ w-"])
def test_helicity_recycling_gives_the_same_outputs(sm, process):
    # The CPU code stores wavefunctions and open vertices per helicity sub-configuration of
    # their legs; the per-configuration code (as on CUDA) must give the same numbers.
    from madnis_plugin.codegen.render import render_source
    from madnis_plugin.core import _core

    me = MatrixElement.from_process(sm, process)
    source = render_source(me.program, recycling=False)
    assert "#define HEL_RECYCLING 1" in me.source and "uint16_t VAR[" not in source
    lib = _core.MeLibrary(str(compile_library(source, "cpu", name="no_recycling_check")))
    p = reference_points(me, 1000.0, 37)
    coup, prm, _ = me._device_inputs(torch.device("cpu"))
    hel = torch.arange(len(me.program.helicities), dtype=torch.int32)
    n = p.shape[0]
    want = {"me2": torch.empty(n, dtype=torch.float64),
            "amp2": torch.empty(n, me.n_diagrams, dtype=torch.float64),
            "hel_me2": torch.empty(n, len(me.program.helicities), dtype=torch.float64),
            "flow_w": torch.empty(n, me.n_flows, dtype=torch.float64)}
    lib.evaluate(p, coup, prm, hel, want["me2"], amp2=want["amp2"], hel_me2=want["hel_me2"], flow_w=want["flow_w"])
    got = me.evaluate(p, diagram_weights=True, per_helicity=True, flow_weights=True)
    for name, value in (("me2", got.me2), ("amp2", got.diagram_weights), ("hel_me2", got.helicity_me2),
                        ("flow_w", got.flow_weights)):
        # configurations that vanish analytically are rounding noise (1e-40 against 1e-2)
        torch.testing.assert_close(value, want[name], rtol=1e-12, atol=1e-14 * float(want[name].max()))


def test_every_p_p_to_e_e_j_j_subprocess_matches_mg5_standalone():
    from madnis_plugin.process.process import Process

    data = json.loads((DATA / "mg5_eejj" / "standalone_points.json").read_text())
    process = Process.from_string("p p > e+ e- j j")
    index = {}
    for sub in process.subprocesses:
        for flavour in [tuple(sub.pdg_ids), *map(tuple, sub.flavours)]:
            index[flavour] = sub.index
    assert len(data["points"]) == 28
    for pt in data["points"]:
        k = index[tuple(pt["pdg_ids"])]  # every MG5 subprocess is one of ours
        p = torch.tensor([pt["momenta"]], dtype=torch.float64)
        ours = float(process.matrix_element(p, k)[0])
        assert ours == pytest.approx(pt["me2"], rel=1e-5), pt["mg5_dir"]
