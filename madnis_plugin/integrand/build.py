"""Assemble the integrand of a whole process from its cards: one entry per channel.

Reads from the run_card: beams (lpp1/2, ebeam1/2), the PDF (pdlabel, lhaid), cuts
and scales; from the PDF set: αs(MZ) for MG5's two-loop running. √ŝ_min of every
channel follows from the cuts (√ŝ ≥ Σ_i √(m_i² + pT_min,i²), and dsqrt_shat), which
keeps the luminosity map away from the unphysical region; the channels' invariant
and t-channel limits follow the cuts too (Cuts.phase_space_limits, phasespace/topology.py).

This module wires pieces together; it integrates nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from madnis_plugin.cards.run_card import RunCard
from madnis_plugin.errors import CardError
from madnis_plugin.integrand.channel import ChannelGroup, ChannelIntegrand
from madnis_plugin.integrand.channel_weights import channel_weights
from madnis_plugin.integrand.cuts import LEG_FLAGS, Cuts, pack_cut_params
from madnis_plugin.integrand.decay_chain import DecayWindowCuts, OnShellVetoCuts, ProductionScales
from madnis_plugin.integrand.luminosity import PartonLuminosity
from madnis_plugin.integrand.running_alphas import RunningAlphas
from madnis_plugin.integrand.scales import Scales
from madnis_plugin.process.process import Process, ProcessSubprocess

# pdlabel values MG5 accepts that name a built-in set, as LHAPDF IDs.
_PDLABEL_IDS = {"nn23lo1": 247000}
_PT_CUT_OF_CLASS = {1: "ptj", 2: "ptb", 4: "pta", 8: "ptl"}  # leg flag bit -> run_card name
# Power-map exponent of massless t-channel propagators whose |t| the cuts bound below
# by pT_min² > 0 (and of threshold propagators kept off their pole by them). Any
# exponent keeps a flat integrand's variance finite there (ν ≥ 1 would diverge only
# with the limit at 0). Measured, u u~ > t t~ g and processes/ttbar_j (seed 1):
# ν = 0.8 / 0.9 / 1.0 give flat std/mean 2.7 / 3.3 / 4.2 in the t-channel channels and
# unweighting efficiencies 0.75% / 0.53% / 0.10% at the same δσ, so the default 0.8.
NU_T = 0.8


@dataclass
class ChannelEntry:
    subprocess: ProcessSubprocess
    channel: int  # index into subprocess.channel_info
    integrand: ChannelIntegrand


def load_pdf(run_card: RunCard):
    """The PDF set the run_card asks for (None for lepton beams or pdlabel = none)."""
    from madnis_plugin import pdf

    if run_card["lpp1"] == 0 and run_card["lpp2"] == 0:
        return None
    label = str(run_card["pdlabel"]).lower()
    if label == "none":
        return None
    lhaid = int(run_card["lhaid"]) if label == "lhapdf" else _PDLABEL_IDS[label]
    return pdf.load(lhaid)


def sqrt_s_hat_min(run_card: RunCard, cuts: Cuts, masses: list[float]) -> float:
    """A lower bound on √ŝ implied by the masses and pT cuts of the final state."""
    bound = 0.0
    for flags, mass in zip(cuts.flags.tolist(), masses, strict=True):
        cut = flags & 64  # MG5 applies per-leg cuts only to light legs (kLegCut)
        pt_min = max((float(run_card[name]) for bit, name in _PT_CUT_OF_CLASS.items() if cut and flags & bit),
                     default=0.0)
        bound += math.hypot(mass, pt_min)  # √ŝ = Σ E_i in the partonic frame, E_i ≥ mT_i
    return max(bound, float(run_card["dsqrt_shat"]))


def build_integrands(process: Process, run_card: RunCard, matrix_element_of: Callable, pdf=None,
                     alphas: RunningAlphas | None = None) -> tuple[list[ChannelEntry], Process]:
    """Channel integrands of every subprocess; returns them with the process at the run's beams.

    `matrix_element_of(subprocess)` returns an object with
    `evaluate(momenta, alpha_s) -> (|M|² [B], |A_i|² [B, n_diagrams])`.
    """
    beams = (int(run_card["lpp1"]), int(run_card["lpp2"]))
    hadronic = any(b != 0 for b in beams)
    if hadronic and not all(b != 0 for b in beams):
        raise CardError(run_card.path, run_card.line_of("lpp1"),
                        "one hadron and one lepton beam (lpp1/lpp2) is not supported yet")
    process = process.with_beams(float(run_card["ebeam1"]), float(run_card["ebeam2"]), hadronic)
    pdf = pdf if pdf is not None else (load_pdf(run_card) if hadronic else None)
    if alphas is None:
        alpha_mz = float(pdf.info.get("AlphaS_MZ", 0.130)) if pdf is not None else 0.118
        alphas = RunningAlphas(alpha_mz=alpha_mz)
    s = process.sqrt_s**2
    entries = []
    for sub in process.subprocesses:
        finals = list(sub.pdg_ids[2:])
        masses = [float(abs(process.model.mass(p))) for p in finals]
        cuts = Cuts.from_run_card(run_card, finals, masses)
        if sub.subprocess.decays:
            cuts = decay_chain_cuts(run_card, cuts, sub, process.model)
        # The -1 clustering follows the subprocess's diagrams and, as MG5's does, the channel's
        # diagram and its on-shell resonances (madnis_channel_scales = True, the default). MG5's
        # default card, seed 1: p p > w+ j j 8842 +- 11 pb and p p > e+ e- j j 104.96 +- 0.13
        # against MG5's 8777 +- 29 and 104.19 +- 0.33 (pulls +2.1, +2.2); clustering freely
        # (False) gives 9402 +- 11 and 111.06 +- 0.13 instead. (Before the VEGAS grids were made
        # robust, vegas_multichannel.py, e+ e- j j with channel scales had a tail that put it 6-8 %
        # low, which is why this was off for a while.)
        per_channel = bool(run_card["madnis_channel_scales"])
        scales = Scales.from_run_card(run_card, sub.pdg_ids, alphas=alphas, diagrams=sub.diagrams,
                                      model=process.model if per_channel else None)
        if sub.subprocess.decays and int(run_card["dynamical_scale_choice"]) == -1:
            scales = ProductionScales.of_subprocess(
                lambda ids: Scales.from_run_card(run_card, ids, alphas=alphas), sub.pdg_ids, sub.subprocess.decays)
        root_s_min = sqrt_s_hat_min(run_card, cuts, masses)
        if hadronic and root_s_min <= 0:
            raise CardError(run_card.path, None,
                            f"{sub}: a massless final state needs a pT or invariant-mass cut "
                            "(the cross section diverges without one)")
        if root_s_min >= process.sqrt_s:
            raise CardError(run_card.path, None,
                            f"{sub}: the cuts require √ŝ ≥ {root_s_min:g} GeV, above the collider's "
                            f"{process.sqrt_s:g} GeV: the cross section is zero")
        luminosity = PartonLuminosity(pdf, sub.flavours, sub.mirrored, beams if hadronic else (0, 0))
        me = matrix_element_of(sub)
        channels = sub.make_channels(root_s_min, cuts.phase_space_limits(masses), nu_t=NU_T)
        channel_diagrams = [info.diagram for info in sub.channel_info]
        sde = channel_weights(int(run_card["sde_strategy"]), process.model, sub.diagrams, channel_diagrams)
        channel_cuts = [on_shell_veto(run_card, cuts, sub, d, process) for d in channel_diagrams]
        # MG5's -1 scale depends on the channel (see madnis_plugin.integrand.scales).
        group = ChannelGroup(channels, channel_diagrams, me, luminosity, channel_cuts, scales, alphas, s, sde,
                             channel_scales=per_channel and not sub.subprocess.decays)
        entries.extend(ChannelEntry(sub, k, ChannelIntegrand(group, k)) for k in range(len(sub.channel_info)))
    return entries, process


def decay_chain_cuts(run_card: RunCard, cuts: Cuts, sub: ProcessSubprocess, model) -> DecayWindowCuts:
    """A decay chain's cuts, as MG5 applies them: the per-leg pT/η/ΔR/mass cuts skip the
    decay products unless cut_decays (setcuts.f: do_cuts = .false. for from_decay legs),
    and every decaying particle stays within bwcutoff widths of its mass."""
    decays = sub.subprocess.decays
    if not run_card["cut_decays"]:
        products = {leg for _, legs in decays for leg in legs}
        flags = [f & ~LEG_FLAGS["cut"] if k + 2 in products else f for k, f in enumerate(cuts.flags.tolist())]
        cuts = Cuts(pack_cut_params(run_card), cuts.pdg_ids.tolist(), flags)
    windows = [(legs, abs(model.mass(pdg)), abs(model.width(pdg))) for pdg, legs in decays]
    return DecayWindowCuts(cuts, windows, float(run_card["bwcutoff"]))


def on_shell_veto(run_card: RunCard, cuts, sub: ProcessSubprocess, diagram: int, process: Process):
    """The cuts of one channel with MG5's ``$ X``: its diagram's s-channel X (Γ/M < 0.1)
    vetoed within bwcutoff·Γ of the pole; the cuts unchanged without ``$``."""
    labels = sub.definition.forbidden_s_channels
    if not labels:
        return cuts
    model = process.model
    names = {n for lab in labels for pdg in (model.particle(x).pdg for x in process.card.expand(lab))
             for n in (model.particle(pdg).name, model.particle(pdg).anti_name)}
    windows = []
    for p in sub.diagrams[diagram].s_channels:
        if p.name in names and p.width != "ZERO" and p.mass != "ZERO":
            mass, width = abs(model.mass(p.pdg)), abs(model.width(p.pdg))
            if width < 0.1 * mass:
                windows.append((p.legs, mass, width))
    return OnShellVetoCuts(cuts, windows, float(run_card["bwcutoff"])) if windows else cuts


def collider_energy(run_card: RunCard) -> float:
    return 2 * math.sqrt(float(run_card["ebeam1"]) * float(run_card["ebeam2"]))
