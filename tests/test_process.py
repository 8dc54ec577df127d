"""The Process API: from cards to subprocesses, diagrams and phase-space channels."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from madnis_plugin import Process
from madnis_plugin.errors import CardError
from madnis_plugin.phasespace.topology import Decay, Topology

ROOT = Path(__file__).resolve().parent.parent


def test_drell_yan_card_gives_mg5_subprocesses():
    proc = Process.from_card(ROOT / "processes" / "drell_yan" / "proc_card.dat")
    reps = [s.names for s in proc.subprocesses]
    assert reps == [("u", "u~", "e+", "e-"), ("d", "d~", "e+", "e-")]
    up = proc.subprocesses[0]
    assert set(up.flavours) == {(2, -2, -11, 11), (4, -4, -11, 11), (-2, 2, -11, 11), (-4, 4, -11, 11)}
    assert len(up.diagrams) == 2 and len(up.channel_info) == 2


def test_zprime_adds_a_breit_wigner_channel():
    proc = Process.from_string("u u~ > e+ e-", model="sm_zprime")
    tops = [c.topology for c in proc.subprocesses[0].channel_info]
    roots = sorted((t.s_channel.propagator.mass, t.s_channel.propagator.width) for t in tops)
    assert roots == [(0.0, 0.0), (91.188, pytest.approx(2.441404)), (400.0, 0.5)]


def test_t_channel_topology_of_ug_to_ug():
    sub = Process.from_string("u g > u g").subprocesses[0]
    kinds = sorted("s" if c.topology.s_channel else "t" for c in sub.channel_info)
    assert kinds == ["s", "t", "t"]  # s-channel u, t-channel u (u-channel) and t-channel g
    for c in sub.channel_info:
        t = c.topology
        if t.s_channel is None:
            assert len(t.t_channel) == 1 and sorted(t.t_blobs) == [0, 1]


def test_gg_to_ttbar_g_channels_cover_every_diagram_without_four_vertices():
    sub = Process.from_string("g g > t t~ g").subprocesses[0]
    assert len(sub.diagrams) == 16
    assert len(sub.channel_info) == 15  # the one four-gluon-vertex diagram is not a channel
    for info in sub.channel_info:
        assert isinstance(info.topology, Topology)


def test_identical_final_gluons_share_symmetry_groups():
    sub = Process.from_string("u u~ > g g").subprocesses[0]
    groups = [c.symmetry_group for c in sub.channel_info]
    # t- and u-channel quark exchange are related by swapping the two gluons.
    assert len(groups) == 3 and len(set(groups)) == 2


@pytest.mark.parametrize("process", ["p p > t t~ j", "p p > w+ j j"])
def test_every_channel_maps_the_unit_cube_to_valid_momenta(process):
    proc = Process.from_string(process)
    gen = torch.Generator().manual_seed(3)
    n_channels = 0
    for sub in proc.subprocesses:
        masses = torch.tensor([0.0, 0.0] + [proc.model.mass(p) for p in sub.pdg_ids[2:]], dtype=torch.float64)
        for channel in sub.channels:
            n_channels += 1
            r = torch.rand(512, channel.dim, dtype=torch.float64, generator=gen)
            momenta, _x1, _x2, weight = channel.map(r)
            ok = weight > 0
            assert ok.float().mean() > 0.3, f"{sub}: channel maps most points outside phase space"
            p = momenta[ok]
            assert torch.all(torch.isfinite(p))
            total_in = p[:, 0] + p[:, 1]
            total_out = p[:, 2:].sum(1)
            assert torch.allclose(total_in, total_out, atol=1e-8 * float(total_in[:, 0].max()))
            m2 = p[..., 0] ** 2 - (p[..., 1:] ** 2).sum(-1)
            assert torch.allclose(m2, (masses**2).expand_as(m2), atol=1e-6 * float(p[..., 0].max()) ** 2 * 1e-4)
    assert n_channels > 10


@pytest.mark.parametrize("text,line,message", [
    ("import model sm\ngenerate p p > e+ e-\nadd process p p > zz\n", 3, "zz"),  # unknown particle
    ("# a comment\nimport model smm\ngenerate p p > e+ e-\n", 2, "unknown model"),
    ("import model sm\ngenerate e+ e- > u d~\n", 2, ""),  # charge not conserved: no diagrams
    ("import model sm\ngenerate u u~ > e+ e- QED=0\n", 2, ""),  # orders that allow no diagram
])
def test_bad_cards_are_errors_with_file_and_line(tmp_path, text, line, message):
    card = tmp_path / "proc_card.dat"
    card.write_text(text)
    with pytest.raises(CardError, match=rf"proc_card.dat:{line}:.*{message}"):
        Process.from_card(card)


def test_param_card_beside_the_proc_card_is_applied(tmp_path):
    src = ROOT / "processes" / "drell_yan_zprime" / "proc_card.dat"
    (tmp_path / "proc_card.dat").write_text(src.read_text())
    card = Process.from_card(src).model.param_card()
    card.set("MASS", 32, 500.0)
    card.write(tmp_path / "param_card.dat")
    proc = Process.from_card(tmp_path / "proc_card.dat")
    assert proc.model.mass("zp") == 500.0
    root = proc.subprocesses[0].channel_info[-1].topology.s_channel
    assert isinstance(root, Decay) and root.propagator.mass in (0.0, 91.188, 500.0)
