"""LHEF v3 writer: the file reads back (pylhe, Pythia 8) with the physics that was put in.

Events are built synthetically with exact momentum conservation:
- u u~ / d d~ > e+ e- (colour 501 0 / 0 501) with a Z candidate, √ŝ spread across the
  Breit–Wigner window so that some events are inside bwcutoff·Γ and some outside;
- g g > t t~ with t > b W+, W+ > e+ ve (both gg colour flows), nested t and W candidates.
"""

from __future__ import annotations

import gzip
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pylhe
import pytest
import torch
from pythia_check import shower

from madnis_plugin.events.formatting import format_int, format_sci
from madnis_plugin.events.lhe import (
    EventBatch,
    InitInfo,
    LHEWriter,
    ProcessInfo,
    Resonance,
    idwtup_for,
    make_header,
)

MZ, WZ = 91.188, 2.441404
MT, WT = 173.0, 1.491500
MW, WW = 80.419002, 2.047600
MB = 4.7
BWCUTOFF = 15.0
PARAM_CARD = Path(__file__).resolve().parents[2] / "shared" / "reference" / "param_card_sm_default.dat"

Z_SET = [Resonance(23, (2, 3), MZ, WZ)]
TT_SET = [Resonance(6, (2, 3, 4), MT, WT), Resonance(24, (3, 4), MW, WW)]


# --- synthetic events ----------------------------------------------------------------------


def _u(b: int, gen: torch.Generator) -> torch.Tensor:
    return torch.rand(b, generator=gen, dtype=torch.float64)


def _decay(parent: torch.Tensor, m1: torch.Tensor, m2: torch.Tensor, gen: torch.Generator):
    """Isotropic two-body decay of ``parent`` [B, 4] into masses m1, m2, in the lab frame."""
    b = parent.shape[0]
    msq = parent[:, 0] ** 2 - (parent[:, 1:] ** 2).sum(1)
    m = msq.sqrt()
    q = ((msq - (m1 + m2) ** 2) * (msq - (m1 - m2) ** 2)).clamp_min(0).sqrt() / (2 * m)
    cos = 2 * _u(b, gen) - 1
    sin = (1 - cos**2).sqrt()
    phi = 2 * math.pi * _u(b, gen)
    k = torch.stack([q * sin * phi.cos(), q * sin * phi.sin(), q * cos], 1)
    out = []
    for sign, mass in ((1, m1), (-1, m2)):
        kk = sign * k
        e = (q**2 + mass**2).sqrt()
        e_lab = (parent[:, 0] * e + (parent[:, 1:] * kk).sum(1)) / m
        p_lab = kk + parent[:, 1:] * ((e + e_lab) / (parent[:, 0] + m))[:, None]
        out.append(torch.cat([e_lab[:, None], p_lab], 1))
    return out


def _collision(sqrt_s: torch.Tensor, gen: torch.Generator):
    """Incoming massless partons and the total momentum, boosted along z by a rapidity in [-1, 1]."""
    y = 2 * _u(sqrt_s.shape[0], gen) - 1
    e1, e2 = sqrt_s * y.exp() / 2, sqrt_s * (-y).exp() / 2
    zero = torch.zeros_like(e1)
    p1 = torch.stack([e1, zero, zero, e1], 1)
    p2 = torch.stack([e2, zero, zero, -e2], 1)
    return p1, p2, p1 + p2


def drell_yan(b: int, gen: torch.Generator) -> EventBatch:
    sqrt_s = 40.0 + 100.0 * _u(b, gen)  # Z window is 54.6 .. 127.8 GeV
    p1, p2, tot = _collision(sqrt_s, gen)
    zero = torch.zeros(b, dtype=torch.float64)
    ep, em = _decay(tot, zero, zero, gen)
    down = _u(b, gen) < 0.4  # mix u u~ and d d~ within one batch
    q = torch.where(down, 1, 2)
    pdg = torch.stack([q, -q, torch.full_like(q, -11), torch.full_like(q, 11)], 1)
    hel = torch.where(_u(b * 4, gen) < 0.5, -1, 1).reshape(b, 4)
    return EventBatch(
        momenta=torch.stack([p1, p2, ep, em], 1),
        pdg=pdg,
        colour=torch.tensor([[501, 0], [0, 501], [0, 0], [0, 0]]),
        weight=torch.full((b,), 1234.5, dtype=torch.float64),
        scale=sqrt_s,
        aqcd=0.118 + 0.01 * _u(b, gen),
        aqed=1 / 132.507,
        process_id=1,
        helicity=hel,
    )


def ttbar(b: int, gen: torch.Generator) -> EventBatch:
    """g g > t t~, t > b W+, W+ > e+ ve; legs g g b e+ ve t~; t and W off-shell across their windows."""
    m_t = 150.0 + 50.0 * _u(b, gen)  # t window 150.6 .. 195.4
    m_w = 40.0 + 80.0 * _u(b, gen)  # W window 49.7 .. 111.1
    sqrt_s = m_t + MT + 300.0 * _u(b, gen)
    p1, p2, tot = _collision(sqrt_s, gen)
    t, tbar = _decay(tot, m_t, torch.full_like(m_t, MT), gen)
    bq, w = _decay(t, torch.full_like(m_t, MB), m_w, gen)
    zero = torch.zeros_like(m_t)
    ep, nu = _decay(w, zero, zero, gen)
    flow_a = torch.tensor([[501, 502], [503, 501], [503, 0], [0, 0], [0, 0], [0, 502]])
    flow_b = torch.tensor([[501, 502], [502, 503], [501, 0], [0, 0], [0, 0], [0, 503]])
    pick = (_u(b, gen) < 0.5)[:, None, None]
    return EventBatch(
        momenta=torch.stack([p1, p2, bq, ep, nu, tbar], 1),
        pdg=torch.tensor([21, 21, 5, -11, 12, -6]),
        colour=torch.where(pick, flow_a, flow_b),
        weight=torch.full((b,), 1234.5, dtype=torch.float64),
        scale=torch.full((b,), MT, dtype=torch.float64),
        aqcd=0.108,
        process_id=2,
    )


def _init(n_proc: int = 2) -> InitInfo:
    procs = [ProcessInfo(1000.0, 1.5, 1234.5, 1), ProcessInfo(234.5, 0.5, 1234.5, 2)][:n_proc]
    return InitInfo((2212, 2212), (6500.0, 6500.0), (0, 0), (247000, 247000), -4, tuple(procs))


def _header() -> str:
    return make_header(
        "import model sm\ngenerate p p > e+ e- QED<=2\nadd process p p > t t~, t > b w+, w+ > e+ ve\n",
        "  10000 = nevents ! Number of unweighted events requested\n  15.0 = bwcutoff\n",
        PARAM_CARD.read_text() if PARAM_CARD.exists() else "BLOCK MASS\n  6 1.730000e+02 # MT\n",
        generation_info={"Number of Events": 1000, "Integrated weight (pb)": 1234.5},
    )


def write_sample(path: Path, batches: list[EventBatch], **kw) -> Path:
    with LHEWriter(path, _init(), _header(), {1: Z_SET, 2: TT_SET}, bwcutoff=BWCUTOFF, **kw) as out:
        for batch in batches:
            out.write(batch)
    return path


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Path, list[EventBatch]]:
    gen = torch.Generator().manual_seed(42)
    batches = [drell_yan(300, gen), ttbar(200, gen), drell_yan(200, gen), ttbar(300, gen)]
    path = tmp_path_factory.mktemp("lhe") / "unweighted_events.lhe.gz"
    return write_sample(path, batches), batches


def _inputs(batches: list[EventBatch]):
    """Per event: (process id, momenta [n, 4], pdg [n], colour [n, 2]) in file order."""
    for batch in batches:
        b, n = batch.momenta.shape[:2]
        pdg = torch.as_tensor(batch.pdg).expand(b, n)
        col = torch.as_tensor(batch.colour).expand(b, n, 2)
        for i in range(b):
            yield int(batch.process_id), batch.momenta[i].numpy(), pdg[i].numpy(), col[i].numpy()


def _mass(p: np.ndarray) -> float:
    return math.sqrt(max(p[0] ** 2 - (p[1:] ** 2).sum(), 0.0))


# --- the file reads back ------------------------------------------------------------------------


def test_init_and_events_read_back_with_pylhe(sample):
    path, batches = sample
    lhe = pylhe.LHEFile.fromfile(path)
    info = lhe.init.initInfo
    assert (info.beamA, info.beamB, info.energyA, info.energyB) == (2212, 2212, 6500.0, 6500.0)
    assert (info.PDFgroupA, info.PDFsetA, info.PDFsetB) == (0, 247000, 247000)
    assert (info.weightingStrategy, info.numProcesses) == (-4, 2)
    assert [(p.xSection, p.error, p.unitWeight, p.procId) for p in lhe.init.procInfo] == [
        (1000.0, 1.5, 1234.5, 1), (234.5, 0.5, 1234.5, 2)
    ]
    assert lhe.init.generators[0].name == "madnis"
    events = list(lhe.events)
    inputs = list(_inputs(batches))
    assert len(events) == len(inputs) == 1000
    for ev, (proc, mom, pdg, col) in zip(events, inputs):
        assert ev.eventinfo.pid == proc
        assert ev.eventinfo.weight == pytest.approx(1234.5, rel=1e-7)
        final = [p for p in ev.particles if p.status == 1]
        incoming = [p for p in ev.particles if p.status == -1]
        got = np.array([[p.e, p.px, p.py, p.pz] for p in incoming + final])
        np.testing.assert_allclose(got, mom, rtol=1e-10, atol=1e-10 * mom[:, 0].max())
        assert [int(p.id) for p in incoming + final] == pdg.tolist()
        assert [[int(p.color1), int(p.color2)] for p in incoming + final] == col.tolist()
        for p, m in zip(incoming + final, mom):  # PUP(5) from the momenta
            assert p.m == pytest.approx(_mass(m), rel=1e-9, abs=1e-6 * m[0])


def test_header_is_xml_with_the_cards(sample):
    path, _ = sample
    with gzip.open(path, "rt") as f:
        text = f.read()
    assert text.startswith('<LesHouchesEvents version="3.0">\n<header>')
    assert text.endswith("</LesHouchesEvents>\n")
    header = ET.fromstring(text[text.index("<header>"):text.index("</header>") + 9])
    assert "QED<=2" in header.find("MGProcCard").text  # needed CDATA
    assert "bwcutoff" in header.find("MGRunCard").text
    assert "BLOCK MASS" in header.find("slha").text.upper()
    assert "madnis" in header.find("MGVersion").text
    assert "1234.5" in header.find("MGGenerationInfo").text


def test_every_event_conserves_momentum(sample):
    path, _ = sample
    for ev in pylhe.LHEFile.fromfile(path).events:
        p = np.array([[q.e, q.px, q.py, q.pz] for q in ev.particles])
        status = np.array([q.status for q in ev.particles])
        scale = p[status == -1, 0].sum()
        diff = p[status == -1].sum(0) - p[status == 1].sum(0)
        assert np.abs(diff).max() < 1e-9 * scale
        for i, q in enumerate(ev.particles):  # a resonance is the sum of its daughters
            if q.status == 2:
                kids = [k for k in ev.particles if k.mother1 == i + 1]
                assert kids and all(k.mother2 == i + 1 for k in kids)
                np.testing.assert_allclose(
                    np.array([[k.e, k.px, k.py, k.pz] for k in kids]).sum(0), p[i], atol=1e-9 * scale
                )


def _colour_ok(ev) -> bool:
    """Each index once as colour and once as anticolour (incoming lines reversed), no resonances."""
    colours: list[int] = []
    anti: list[int] = []
    for q in ev.particles:
        c, a = int(q.color1), int(q.color2)
        if q.status == -1:
            c, a = a, c
        elif q.status != 1:
            continue
        colours += [c] if c else []
        anti += [a] if a else []
    return sorted(colours) == sorted(anti) and len(set(colours)) == len(colours)


def test_colour_connections_are_valid(sample):
    path, _ = sample
    for ev in pylhe.LHEFile.fromfile(path).events:
        assert _colour_ok(ev)
        for i, q in enumerate(ev.particles):
            if q.status != 2:
                continue
            if abs(q.id) == 6:  # the top carries the b's colour
                b = next(k for k in ev.particles if abs(k.id) == 5)
                assert (q.color1, q.color2) == (b.color1, b.color2) != (0, 0)
            else:  # Z, W: colourless
                assert (q.color1, q.color2) == (0, 0)


def test_resonances_written_only_inside_bwcutoff(sample):
    path, batches = sample
    n_in = n_out = 0
    for ev, (proc, mom, _, _) in zip(pylhe.LHEFile.fromfile(path).events, _inputs(batches)):
        sets = {1: Z_SET, 2: TT_SET}[proc]
        expected = [
            r.pdg for r in sets if abs(_mass(mom[list(r.legs)].sum(0)) - r.mass) <= BWCUTOFF * r.width
        ]
        written = [int(q.id) for q in ev.particles if q.status == 2]
        assert sorted(written) == sorted(expected)
        n_in += len(expected)
        n_out += len(sets) - len(expected)
        lines = {int(q.id): i + 1 for i, q in enumerate(ev.particles)}
        for q in ev.particles:  # mothers: innermost written resonance, else the incoming pair
            if q.status == -1:
                assert (q.mother1, q.mother2) == (0, 0)
                continue
            if abs(q.id) in (11, 12):
                up = lines.get(24) if 24 in written else lines.get(6) if 6 in written else None
                up = lines[23] if 23 in written else up
            elif q.id in (5, 24):
                up = lines[6] if 6 in written else None
            else:
                up = None
            assert (q.mother1, q.mother2) == ((up, up) if up else (1, 2))
        if written:
            # status-2 lines sit right after the incoming partons, outer first
            assert [q.status for q in ev.particles[2:2 + len(written)]] == [2] * len(written)
    assert n_in > 100 and n_out > 100  # both cases were exercised


def test_overlapping_candidates_first_wins(tmp_path):
    gen = torch.Generator().manual_seed(3)
    batch = ttbar(50, gen)
    # fake W candidates on (e+, ve) and (b, e+): overlapping, not nested; huge width so both pass
    sets = {2: [Resonance(24, (3, 4), MW, 1e3), Resonance(99, (2, 3), MW, 1e3)]}
    with LHEWriter(tmp_path / "x.lhe", _init(), "", sets) as out:
        out.write(batch)
    for ev in pylhe.LHEFile.fromfile(tmp_path / "x.lhe").events:
        assert [int(q.id) for q in ev.particles if q.status == 2] == [24]


def test_event_lines_use_mg5_number_formats(sample):
    path, _ = sample
    with gzip.open(path, "rt") as f:
        text = f.read()
    body = text[text.index("<event>"):]
    first = body.split("\n")[1:4]
    head = first[0].split()
    # MG5's lhe_parser: " %2d %6d %+13.7e %14.8e %14.8e %14.8e" and, per particle,
    # " %8d %2d %4d %4d %4d %4d %+13.10e %+13.10e %+13.10e %14.10e %14.10e %10.4e %10.4e"
    n, proc, *rest = head
    assert first[0] == " " + " ".join(
        [f"{int(n):2d}", f"{int(proc):6d}", f"{float(rest[0]):+13.7e}"] + [f"{float(v):14.8e}" for v in rest[1:]]
    )
    int_formats = ["8d", "2d", "4d", "4d", "4d", "4d"]
    float_formats = ["+13.10e", "+13.10e", "+13.10e", "14.10e", "14.10e", "10.4e"]
    for line in first[1:]:
        t = line.split()
        mg5 = " " + " ".join(
            [format(int(v), f) for v, f in zip(t[:6], int_formats)]
            + [format(float(v), f) for v, f in zip(t[6:12], float_formats)]
        )
        assert line.startswith(mg5)  # SPINUP has one extra column so that -1 and 1 line up
        assert line[len(mg5):] == f" {float(t[12]):11.4e}"


# --- Pythia 8 ------------------------------------------------------------------------------

def test_pythia_showers_the_events_without_errors(sample):
    path, _ = sample
    result = shower(path, 1000)
    assert (result.ok, result.failed, result.unexpected_errors()) == (1000, 0, [])
    assert result.strategy == -4
    # strategy -4: σ is the mean event weight, in mb
    assert result.sigma_mb == pytest.approx(1234.5e-9, rel=1e-6)


# --- streaming, determinism, atomicity -------------------------------------------------------


def test_same_events_give_identical_bytes_whatever_the_batching(tmp_path):
    gen = torch.Generator().manual_seed(7)
    big = drell_yan(20000, gen)  # more than one internal chunk
    a = write_sample(tmp_path / "a.lhe.gz", [big])
    parts = []
    for lo, hi in ((0, 5), (5, 9000), (9000, 20000)):
        parts.append(EventBatch(
            momenta=big.momenta[lo:hi], pdg=big.pdg[lo:hi], colour=big.colour, weight=big.weight[lo:hi],
            scale=big.scale[lo:hi], aqcd=big.aqcd[lo:hi], helicity=big.helicity[lo:hi],
        ))
    b = write_sample(tmp_path / "b.lhe.gz", parts, background=False)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes()[4:8] == b"\0\0\0\0"  # gzip mtime fixed to 0


class Boom(RuntimeError):
    pass


@pytest.mark.parametrize("error", [Boom, KeyboardInterrupt])
def test_interrupted_write_leaves_no_file(tmp_path, error):
    gen = torch.Generator().manual_seed(1)
    path = tmp_path / "unweighted_events.lhe.gz"
    with pytest.raises(error), LHEWriter(path, _init(), _header(), {1: Z_SET}) as out:
        out.write(drell_yan(20000, gen))
        raise error()
    assert list(tmp_path.iterdir()) == []


def test_bad_batch_mid_run_leaves_old_file_untouched(tmp_path):
    gen = torch.Generator().manual_seed(1)
    path = tmp_path / "unweighted_events.lhe.gz"
    path.write_bytes(b"previous run")
    bad = drell_yan(10, gen)
    bad.momenta[3, 2, 1] = float("nan")
    with pytest.raises(ValueError, match="NaN"), LHEWriter(path, _init(), "", {1: Z_SET}) as out:
        out.write(drell_yan(100, gen))
        out.write(bad)
    assert path.read_bytes() == b"previous run"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_forgotten_writer_removes_its_temporary(tmp_path):
    import gc

    out = LHEWriter(tmp_path / "e.lhe.gz", _init(), "")
    out.write(drell_yan(10, torch.Generator().manual_seed(0)))
    assert len(list(tmp_path.iterdir())) == 1
    del out
    gc.collect()
    assert list(tmp_path.iterdir()) == []


def test_plain_lhe_when_not_gz(tmp_path):
    path = write_sample(tmp_path / "e.lhe", [drell_yan(5, torch.Generator().manual_seed(0))])
    assert path.read_text().count("<event>") == 5


# --- inputs and cards --------------------------------------------------------------------------


def test_init_from_run_card():
    from madnis_plugin.cards import RunCard

    card = RunCard.default()
    init = InitInfo.from_run_card(card, [ProcessInfo(1.0, 0.1, 1.0, 1)])
    first = init.to_string().splitlines()[1].split()
    assert first == ["2212", "2212", f"{card.ebeam1:.6e}", f"{card.ebeam2:.6e}", "0", "0", "247000",
                     "247000", "-4", "1"]
    assert InitInfo.from_run_card(card.with_overrides(event_norm="sum"), [ProcessInfo(1, 0, 1, 1)]).idwtup == -3
    with pytest.raises(ValueError, match="beam_ids"):
        InitInfo.from_run_card(card.with_overrides(lpp1=0, lpp2=0, pdlabel="none"), [ProcessInfo(1, 0, 1, 1)])
    assert idwtup_for("average") == -4


def test_bad_inputs_are_named(tmp_path):
    gen = torch.Generator().manual_seed(0)
    batch = drell_yan(4, gen)
    batch.colour = torch.zeros(3, 2)
    with pytest.raises(ValueError, match="colour"), LHEWriter(tmp_path / "e.lhe", _init(), "") as out:
        out.write(batch)
    with pytest.raises(ValueError, match="incoming"):
        Resonance(23, (1, 2), MZ, WZ)
    assert list(tmp_path.iterdir()) == []


# --- number formatting --------------------------------------------------------------------------


def test_vectorised_formatting_matches_printf():
    rng = np.random.default_rng(5)
    x = rng.standard_normal(200_000) * 10.0 ** rng.integers(-40, 40, 200_000)
    x[:8] = [0.0, -0.0, 1.0, 9.9999999999999e9, 1e-99, 5e-100, 123.456, -1e99]
    got = [r.tobytes().decode() for r in format_sci(x, 10, 17, plus=True)]
    flushed = np.where(np.abs(x) < 1e-99, np.copysign(0.0, x), x)  # no 3-digit exponents
    ref = [f"{v:+17.10e}" for v in flushed]
    mismatch = [(g, r) for g, r in zip(got, ref) if g != r]
    assert len(mismatch) <= 5  # near-half-way last digits only
    for g, r in mismatch:
        assert abs(float(g) - float(r)) <= 1.01e-10 * abs(float(r))
    ints = rng.integers(-9_999_999, 99_999_999, 10_000)
    assert [r.tobytes().decode() for r in format_int(ints, 8)] == [f"{v:8d}" for v in ints]
    with pytest.raises(ValueError):
        format_int(np.array([123]), 2)
    with pytest.raises(ValueError):
        format_sci(np.array([1e100]), 10, 17)


def test_header_from_the_card_objects_is_xml():
    from madnis_plugin.cards import ProcCard, RunCard

    root = Path(__file__).resolve().parents[1] / "processes" / "drell_yan"
    proc = ProcCard.from_file(root / "proc_card.dat")
    run = RunCard.from_file(root / "run_card.dat")
    header = ET.fromstring(make_header(proc, run, PARAM_CARD if PARAM_CARD.exists() else None))
    assert "generate p p > e+ e-" in header.find("MGProcCard").text
    assert "nevents" in header.find("MGRunCard").text


def test_interleaved_writing_equals_writing_the_shuffled_runs(tmp_path):
    """Events of two multiplicities in one shuffled block: LHEWriter.write_interleaved (each batch
    formatted once, bytes gathered in order) writes the same file as writing the shuffled order's
    runs of one multiplicity one by one (events/mixing.py)."""
    from madnis_plugin.events.mixing import shuffled, shuffled_order

    gen = torch.Generator().manual_seed(5)
    batches = [drell_yan(700, gen), ttbar(500, gen), drell_yan(300, gen)]
    runs = shuffled(batches, torch.Generator().manual_seed(9))
    assert len(runs) > 100  # short runs: the case that was slow
    one_by_one = write_sample(tmp_path / "runs.lhe", runs)
    with LHEWriter(tmp_path / "interleaved.lhe", _init(), _header(), {1: Z_SET, 2: TT_SET},
                   bwcutoff=BWCUTOFF) as out:
        assert out.write_interleaved(*shuffled_order(batches, torch.Generator().manual_seed(9))) == 1500
    assert (tmp_path / "interleaved.lhe").read_bytes() == one_by_one.read_bytes()
