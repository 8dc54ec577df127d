"""Read, check and write MadGraph5_aMC@NLO LO run_card.dat files.

Format (MG5): one setting per line, ``  value = name ! comment``; ``#`` starts a
comment line. Names and defaults are those of MG5 3.5's LO (MadEvent) run_card,
so a run_card written by MG5 is accepted as it is.

Every MG5 name has a status here (see :data:`PARAMETERS`):

* ``core``    -- madnis honours it (beams, PDF, scales, standard cuts, nevents ...);
  its value is checked (type and range).
* ``inert``   -- it has no effect on a tree-level madnis run (run_tag, systematics,
  MadEvent job steering ...): any well-typed value is accepted and recorded.
* ``neutral`` -- madnis does not implement it: accepted at MG5's default or another
  value that does not change the physics (``ickkw = 0``, ``xqcut = 0``, an empty
  ``pt_min_pdg``), a :class:`CardError` saying "not supported" otherwise.

A name MG5 does not know either is a CardError with the closest valid name.
This module does not apply cuts or scales; it only delivers checked values.
"""

from __future__ import annotations

import ast
import difflib
import math
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from madnis_plugin.errors import CardError, read_card_text

__all__ = ["DEFAULT_TEMPLATE", "PARAMETERS", "Parameter", "RunCard"]

DEFAULT_TEMPLATE = Path(__file__).with_name("data") / "run_card_default.dat"

# The LHAPDF id behind MG5's built-in `pdlabel = nn23lo1` (NNPDF23_lo_as_0130_qed).
NN23LO1_LHAID = 247000


@dataclass(frozen=True)
class Parameter:
    """One run_card name: its type, MG5's default, and how madnis treats it.

    ``kind`` is one of int, float, bool, str, int_list, str_list, dict, count (an int or None).
    ``check`` returns an error message for a well-typed but invalid value (core), or
    None. ``neutral`` says whether a value leaves the physics unchanged (neutral).
    ``reason`` completes "not supported by madnis: <reason>".
    """

    name: str
    kind: str
    default: Any
    status: str
    comment: str = ""
    check: Callable[[Any], str | None] | None = None
    neutral: Callable[[Any], bool] | None = None
    reason: str = ""
    lower: bool = False  # string values are case-insensitive keywords


# --- checks -----------------------------------------------------------------------------


def _one_of(*allowed: Any) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if value in allowed:
            return None
        return f"expected one of {', '.join(str(a) for a in allowed)}"

    return check


def _positive(value: float) -> str | None:
    return None if value > 0 else "expected a positive number"


def _non_negative(value: float) -> str | None:
    return None if value >= 0 else "expected a number >= 0"


def _is_default(default: Any) -> Callable[[Any], bool]:
    return lambda value: value == default


def _off_if_not_positive(value: float) -> bool:  # MG5: min cuts and ktdurham/xqcut <= 0 are off
    return value <= 0


def _off_if_negative(value: float) -> bool:  # MG5: -1 means "no maximum"
    return value < 0


def _empty(value: Any) -> bool:
    return not value


# --- the table --------------------------------------------------------------------------

_P: list[Parameter] = []


def _core(name: str, kind: str, default: Any, comment: str = "", check=None, lower: bool = False) -> None:
    _P.append(Parameter(name, kind, default, "core", comment, check=check, lower=lower))


def _inert(name: str, kind: str, default: Any, comment: str = "", lower: bool = False) -> None:
    _P.append(Parameter(name, kind, default, "inert", comment, lower=lower))


def _neutral(name: str, kind: str, default: Any, reason: str, neutral=None, comment: str = "",
             lower: bool = False) -> None:
    _P.append(Parameter(name, kind, default, "neutral", comment, neutral=neutral or _is_default(default),
                        reason=reason, lower=lower))


def _min_cut(name: str, default: float, comment: str, core: bool, reason: str = "") -> None:
    if core:
        _core(name, "float", default, comment)
    else:
        _neutral(name, "float", default, reason, _off_if_not_positive, comment)


def _max_cut(name: str, comment: str, core: bool, reason: str = "") -> None:
    if core:
        _core(name, "float", -1.0, comment)
    else:
        _neutral(name, "float", -1.0, reason, _off_if_negative, comment)


# run, seeds, beams
_inert("run_tag", "str", "tag_1", "name of the run")
_core("nevents", "int", 10000, "Number of unweighted events requested", _positive)
_core("iseed", "int", 0, "rnd seed (0=assigned automatically=default))", _non_negative)
_inert("python_seed", "int", -2, "seed of the python part (-2: use iseed)")
_inert("gridpack", "bool", False, "True = setting up the grid pack")
_inert("gridrun", "bool", False, "internal: gridpack run")
_inert("gseed", "int", 0, "internal: gridpack seed")
_inert("time_of_flight", "float", -1.0, "threshold (in mm) below which the invariant livetime is not written")
for _i in (1, 2):
    _core(f"lpp{_i}", "int", 1, f"beam {_i} type", _one_of(1, -1, 0))
    _core(f"ebeam{_i}", "float", 6500.0, f"beam {_i} total energy in GeV", _positive)
    _neutral(f"polbeam{_i}", "float", 0.0, "polarised beams", comment=f"beam polarization for beam {_i}")
    _neutral(f"nb_proton{_i}", "int", 1, "heavy-ion beams")
    _neutral(f"nb_neutron{_i}", "int", 0, "heavy-ion beams")
    _neutral(f"mass_ion{_i}", "float", -1.0, "heavy-ion beams")

# PDF and scales
_core("pdlabel", "str", "nn23lo1", "PDF set", _one_of("nn23lo1", "lhapdf", "none"), lower=True)
_core("pdlabel1", "str", "nn23lo1", "PDF set for beam 1", _one_of("nn23lo1", "lhapdf", "none"), lower=True)
_core("pdlabel2", "str", "nn23lo1", "PDF set for beam 2", _one_of("nn23lo1", "lhapdf", "none"), lower=True)
_core("lhaid", "int", 230000, "if pdlabel=lhapdf, this is the lhapdf number", _positive)
_core("fixed_ren_scale", "bool", False, "if .true. use fixed ren scale")
_core("fixed_fac_scale", "bool", False, "if .true. use fixed fac scale")
_core("scale", "float", 91.188, "fixed ren scale", _positive)
_core("dsqrt_q2fact1", "float", 91.188, "fixed fact scale for pdf1", _positive)
_core("dsqrt_q2fact2", "float", 91.188, "fixed fact scale for pdf2", _positive)
# 0 is a user-written Fortran scale: there is no Fortran to hook into here.
_core("dynamical_scale_choice", "int", -1, "Choose one of the preselected dynamical choices",
      _one_of(-1, 1, 2, 3, 4))
_core("scalefact", "float", 1.0, "scale factor for event-by-event scales", _positive)
_neutral("fixed_extra_scale", "bool", False, "a separate emission scale (fixed_extra_scale)")
_inert("mue_ref_fixed", "float", 91.188, "scale used when fixed_extra_scale is True")
_neutral("mue_over_ref", "float", 1.0, "a separate emission scale (mue_over_ref)")

# matching / merging: all only meaningful with ickkw > 0 or a merging cut
_neutral("ickkw", "int", 0, "MLM/CKKW matching (ickkw != 0)", comment="0 no matching, 1 MLM")
_inert("highestmult", "int", 1, "for ickkw=2, highest mult coupled to the PS")
_inert("ktscheme", "int", 1, "for ickkw=1, 1 Durham kT, 2 Pythia pTE")
_inert("alpsfact", "float", 1.0, "scale factor for QCD emission vx")
_inert("chcluster", "bool", False, "cluster only according to channel diag")
_inert("pdfwgt", "bool", True, "for ickkw=1, perform pdf reweighting")
_inert("asrwgtflavor", "int", 5, "highest quark flavor for a_s reweight")
_inert("clusinfo", "bool", True, "include clustering tag in output")
_inert("lhe_version", "float", 3.0, "Change the way clustering information pass to shower.")
_inert("auto_ptj_mjj", "bool", True, "Automatic setting of ptj and mjj if xqcut >0")
_neutral("xqcut", "float", 0.0, "MLM matching (xqcut > 0)", _off_if_not_positive,
         "minimum kt jet measure between partons")
_neutral("ktdurham", "float", -1.0, "CKKW-L merging cut (ktdurham > 0)", _off_if_not_positive)
_inert("dparameter", "float", 0.4)
_neutral("ptlund", "float", -1.0, "CKKW-L merging cut (ptlund > 0)", _off_if_not_positive)
_inert("pdgs_for_merging_cut", "int_list", [1, 2, 3, 4, 5, 6, 21], "PDGs for two cuts above")

# output and phase-space steering
_core("event_norm", "str", "average", "average/sum. Normalization of the weight in the LHEF",
      _one_of("average", "sum", "unity"), lower=True)
_core("bwcutoff", "float", 15.0, "(M+/-bwcutoff*Gamma)", _positive)
_core("cut_decays", "bool", False, "Cut decay products")  # per-leg cuts on decay-chain products (integrand/build.py)
_core("nhel", "int", 0, "using helicities importance sampling or not.", _one_of(0, 1))
# single-diagram-enhancement channel weights: 1 |A_c|², 2 propagator denominators (integrand/channel_weights.py)
_core("sde_strategy", "int", 1, "default integration strategy (hep-ph/2021.00773)", _one_of(1, 2))
_inert("hard_survey", "int", 0, "force to have better estimate of the integral at survey")
_inert("tmin_for_channel", "float", -1.0, "MadEvent t-channel integration setting")
_inert("survey_splitting", "int", -1, "for loop-induced control how many core are used at survey")
_inert("survey_nchannel_per_job", "int", 2, "control how many Channel are integrated inside a single job")
_inert("refine_evt_by_job", "int", -1, "control the maximal number of events for the first iteration")
_inert("job_strategy", "int", 0, "see appendix of 1507.00020 (page 26)")
# madnis uses widths as given; a smaller threshold than MG5's only makes MG5 do the same.
_neutral("small_width_treatment", "float", 1e-6, "a larger small_width_treatment",
         lambda value: value <= 1e-6)
_inert("global_flag", "str", "-O", "fortran optimization flag use for the all code.")
_inert("aloha_flag", "str", "", "fortran optimization flag for aloha function.")
_inert("matrix_flag", "str", "", "fortran optimization flag for matrix.f function.")
_inert("vector_size", "int", 1, "MadEvent vectorisation (SIMD) size")
_inert("nb_warp", "int", 1, "MadEvent GPU warps")
_inert("limhel", "float", 0.0, "MadEvent helicity filtering threshold")
_inert("hel_recycling", "bool", False, "MadEvent helicity recycling")
_inert("hel_filtering", "bool", True, "MadEvent helicity filtering")
_inert("hel_splitamp", "bool", True, "MadEvent helicity recycling")
_inert("hel_zeroamp", "bool", True, "MadEvent helicity recycling")
_inert("frame_id", "int", 6, "frame of the LHE event")
_inert("me_frame", "int_list", [1, 2], "frame for the matrix element (phase-space optimisation)")
_inert("xmtcentral", "float", 0.0, "MadEvent phase-space setting")
_inert("d", "float", 1.0, "MadEvent phase-space setting")
_inert("issgridfile", "str", "", "Sudakov grid file for ickkw=2")
_inert("fixed_couplings", "bool", True, "MadEvent internal")
_inert("mc_grouped_subproc", "bool", True, "MadEvent internal")
_neutral("bias_module", "str", "none", "event generation bias modules",
         comment="Bias type of bias, [None, ptj_bias, -custom_folder-]", lower=True)
_inert("bias_parameters", "dict", {}, "Specifies the parameters of the module.")
_neutral("custom_fcts", "str_list", [], "user Fortran hook functions (custom_fcts)", _empty,
         "List of files containing user hook function")

# systematics: a post-processing step on the LHE file, no effect on the run itself
_inert("use_syst", "bool", True, "Enable systematics studies")
_inert("systematics_program", "str", "systematics", "none, systematics [python], SysCalc [depreceted, C++]",
       lower=True)
_inert("systematics_arguments", "str_list", ["--mur=0.5,1,2", "--muf=0.5,1,2", "--pdf=errorset"],
       "see: https://cp3.irmp.ucl.ac.be/projects/madgraph/wiki/Systematics#Systematicspythonmodule")
_inert("sys_scalefact", "str", "0.5 1 2", "factorization/renormalization scale factor")
_inert("sys_alpsfact", "str", "None", "alpha_s emission scale factors")
_inert("sys_matchscale", "str", "auto", "variation of merging scale")
_inert("sys_pdf", "str", "NNPDF23_lo_as_0130_qed", "list of pdf sets")
_inert("sys_scalecorrelation", "int", -1, "SysCalc scale correlation")

# standard cuts: madnis applies these
_CUT_MIN = [
    ("ptj", 20.0, "minimum pt for the jets"), ("ptb", 0.0, "minimum pt for the b"),
    ("pta", 10.0, "minimum pt for the photons"), ("ptl", 10.0, "minimum pt for the charged leptons"),
    ("misset", 0.0, "minimum missing Et (sum of neutrino's momenta)"),
    ("ptheavy", 0.0, "minimum pt for at least one heavy final state"),
    ("etajmin", 0.0, "min rap for the jets"), ("etabmin", 0.0, "min rap for the b"),
    ("etaamin", 0.0, "min rap for the photons"), ("etalmin", 0.0, "main rap for the charged leptons"),
    ("drjj", 0.4, "min distance between jets"), ("drbb", 0.0, "min distance between b's"),
    ("drll", 0.4, "min distance between leptons"), ("draa", 0.4, "min distance between gammas"),
    ("drbj", 0.0, "min distance between b and jet"), ("draj", 0.4, "min distance between gamma and jet"),
    ("drjl", 0.4, "min distance between jet and lepton"), ("drab", 0.0, "min distance between gamma and b"),
    ("drbl", 0.0, "min distance between b and lepton"), ("dral", 0.4, "min distance between gamma and lepton"),
    ("mmjj", 0.0, "min invariant mass of a jet pair"), ("mmbb", 0.0, "min invariant mass of a b pair"),
    ("mmaa", 0.0, "min invariant mass of gamma gamma pair"),
    ("mmll", 0.0, "min invariant mass of l+l- (same flavour) lepton pair"),
    ("mmnl", 0.0, "min invariant mass for all letpons (l+- and vl)"),
    ("ptllmin", 0.0, "Minimum pt for 4-momenta sum of leptons(l and vl)"),
    ("xptj", 0.0, "minimum pt for at least one jet"), ("xptb", 0.0, "minimum pt for at least one b"),
    ("xpta", 0.0, "minimum pt for at least one photon"),
    ("xptl", 0.0, "minimum pt for at least one charged lepton"),
    ("ihtmin", 0.0, "inclusive Ht for all partons (including b)"),
    ("dsqrt_shat", 0.0, "minimal shat for full process"),
]
for _name, _default, _comment in _CUT_MIN:
    _core(_name, "float", _default, _comment, _non_negative)
for _name, _comment in [
    ("ptjmax", "maximum pt for the jets"), ("ptbmax", "maximum pt for the b"),
    ("ptamax", "maximum pt for the photons"), ("ptlmax", "maximum pt for the charged leptons"),
    ("missetmax", "maximum missing Et (sum of neutrino's momenta)"),
    ("drjjmax", "max distance between jets"), ("drbbmax", "max distance between b's"),
    ("drllmax", "max distance between leptons"), ("draamax", "max distance between gammas"),
    ("drbjmax", "max distance between b and jet"), ("drajmax", "max distance between gamma and jet"),
    ("drjlmax", "max distance between jet and lepton"), ("drabmax", "max distance between gamma and b"),
    ("drblmax", "max distance between b and lepton"), ("dralmax", "maxdistance between gamma and lepton"),
    ("mmjjmax", "max invariant mass of a jet pair"), ("mmbbmax", "max invariant mass of a b pair"),
    ("mmaamax", "max invariant mass of gamma gamma pair"),
    ("mmllmax", "max invariant mass of l+l- (same flavour) lepton pair"),
    ("mmnlmax", "max invariant mass for all letpons (l+- and vl)"),
    ("ptllmax", "Maximum pt for 4-momenta sum of leptons(l and vl)"),
    ("ihtmax", "inclusive Ht for all partons (including b)"),
    ("dsqrt_shatmax", "maximal shat for full process"),
]:
    _max_cut(_name, _comment, core=True)
# |eta| maxima: -1 means no cut
for _name, _default, _comment in [
    ("etaj", 5.0, "max rap for the jets"), ("etab", -1.0, "max rap for the b"),
    ("etaa", 2.5, "max rap for the photons"), ("etal", 2.5, "max rap for the charged leptons"),
]:
    _core(_name, "float", _default, _comment)
_core("maxjetflavor", "int", 4, "Maximum jet pdg code", _one_of(0, 1, 2, 3, 4, 5))

# cuts madnis does not implement: accepted only when switched off
for _name, _comment in [("ej", "jets"), ("eb", "the b"), ("ea", "the photons"), ("el", "the charged leptons")]:
    _min_cut(_name, 0.0, f"minimum E for {_comment}", core=False, reason="energy cuts")
    _max_cut(f"{_name}max", f"maximum E for {_comment}", core=False, reason="energy cuts")
for _k in range(1, 5):
    _min_cut(f"ptj{_k}min", 0.0, "minimum pt of a pt-ordered jet", core=False, reason="pt-ordered jet cuts")
    _max_cut(f"ptj{_k}max", "maximum pt of a pt-ordered jet", core=False, reason="pt-ordered jet cuts")
    _min_cut(f"ptl{_k}min", 0.0, "minimum pt of a pt-ordered lepton", core=False,
             reason="pt-ordered lepton cuts")
    _max_cut(f"ptl{_k}max", "maximum pt of a pt-ordered lepton", core=False, reason="pt-ordered lepton cuts")
_inert("cutuse", "int", 0, "reject event if fails any (0) / all (1) jet pt cuts")
_min_cut("htjmin", 0.0, "minimum jet HT=Sum(jet pt)", core=False, reason="HT cuts")
_max_cut("htjmax", "maximum jet HT=Sum(jet pt)", core=False, reason="HT cuts")
for _k in (2, 3, 4):
    _min_cut(f"ht{_k}min", 0.0, f"minimum Ht for the {_k} leading jets", core=False, reason="HT cuts")
    _max_cut(f"ht{_k}max", f"maximum Ht for the {_k} leading jets", core=False, reason="HT cuts")
_min_cut("ptgmin", 0.0, "Min photon transverse momentum", core=False, reason="photon isolation (ptgmin > 0)")
_inert("r0gamma", "float", 0.4, "Radius of isolation code")
_inert("xn", "float", 1.0, "n parameter of eq.(3.4) in hep-ph/9801442")
_inert("epsgamma", "float", 1.0, "epsilon_gamma parameter of eq.(3.4) in hep-ph/9801442")
_inert("isoem", "bool", True, "isolate photons from EM energy (photons and leptons)")
_min_cut("xetamin", 0.0, "minimum rapidity for two jets in the WBF case", core=False, reason="WBF cuts")
_min_cut("deltaeta", 0.0, "minimum rapidity for two jets in the WBF case", core=False, reason="WBF cuts")
for _name, _comment in [
    ("pt_min_pdg", "pt cut for other particles (use pdg code). Applied on particle and anti-particle"),
    ("pt_max_pdg", "pt cut for other particles (syntax e.g. {6: 100, 25: 50})"),
    ("e_min_pdg", "E cut for other particles (use pdg code). Applied on particle and anti-particle"),
    ("e_max_pdg", "E cut for other particles (syntax e.g. {6: 100, 25: 50})"),
    ("eta_min_pdg", "rap cut for other particles (use pdg code). Applied on particle and anti-particle"),
    ("eta_max_pdg", "rap cut for other particles (syntax e.g. {6: 2.5, 23: 5})"),
    ("mxx_min_pdg", "min invariant mass of a pair of particles X/X~ (e.g. {6:250})"),
]:
    _neutral(_name, "dict", {}, f"per-PDG cuts ({_name})", _empty, _comment)
_inert("mxx_only_part_antipart", "dict", {"default": False},
       "if True the invariant mass is applied only to pairs of particle/antiparticle")
_inert("ptonium", "float", 1.0, "legacy")
_inert("etaonium", "float", 0.6, "legacy")

# --- madnis_* : MadNIS neural importance sampling (madnis only; MG5 has no such names) ---------
# Read by madnis_plugin.nis.config.MadnisConfig. A card without them takes these defaults;
# `madnis integrate --sampler` overrides madnis_enable.
_MADNIS_LOSSES = ("stratified_variance", "variance", "kl")
_core("madnis_enable", "bool", False, "sample with MadNIS (True) or multi-channel VEGAS (False)")
_core("madnis_steps", "int", 300, "MadNIS online training steps", _non_negative)
_core("madnis_batch_size", "int", 4096, "integrand calls per online step", _positive)
_core("madnis_learning_rate", "float", 3e-3, "Adam learning rate (cosine decay)", _positive)
_core("madnis_buffer_size", "int", 200000, "points kept for buffered training", _non_negative)
_core("madnis_buffered_steps", "int", 3, "buffered steps after each online step", _non_negative)
_core("madnis_loss", "str", "stratified_variance", "stratified_variance, variance or kl",
      _one_of(*_MADNIS_LOSSES), lower=True)
_core("madnis_channel_weights", "bool", True, "learn the channel weights (False: MG5's |A|^2 prior)")
_core("madnis_drop_threshold", "float", 1e-4, "drop channels below this share of sigma (0: never)",
      lambda v: None if 0 <= v < 1 else "expected a number in [0, 1)")
_core("madnis_vegas_iterations", "int", 5, "VEGAS pretraining iterations (the flows' first layer)",
      _non_negative)
# Not MadNIS: how the -1 scale treats channels (madnis_plugin/integrand/scales.py). MG5 reclusters
# an event along its phase-space channel's diagram, and so does ours by default (False: cluster
# freely, which puts w+ j j and e+ e- j j 7 % above MG5), see madnis_plugin/integrand/build.py.
_core("madnis_channel_scales", "bool", True,
      "dynamical_scale_choice -1: recluster per channel as MG5 (True) or cluster freely (False)")
# --- end of madnis_* ----------------------------------------------------------------------------

# MG5 sets nb_core in me5_configuration.txt, not the run_card; madnis reads it here, MG5's name
# and syntax (None: all the CPUs the process may use). `madnis integrate --threads` overrides it.
_core("nb_core", "count", None, "CPU threads (None: the CPUs this process may use)",
      lambda v: None if v is None or v >= 1 else "expected a positive integer or None")

# madgraph4gpu's run_card setting, with its name and values: the precision of the generated
# matrix elements (d double, f single, m double amplitudes with a single-precision colour sum).
_core("floating_type", "str", "d", "matrix-element precision: d (double), f (single) or m (mixed)",
      _one_of("d", "f", "m"), lower=True)

PARAMETERS: dict[str, Parameter] = {p.name: p for p in _P}

_KIND_TEXT = {
    "int": "an integer",
    "float": "a number",
    "bool": "a logical (True/False, T/F, .true./.false.)",
    "str": "a word",
    "int_list": "a list of integers (e.g. 1, 2, 21)",
    "str_list": "a list (e.g. ['a', 'b'])",
    "dict": "a dictionary (e.g. {6: 100})",
    "count": "a positive integer or None",
}
_TRUE = {"true", "t", ".true.", "1", "on", "yes", "y"}
_FALSE = {"false", "f", ".false.", "0", "off", "no", "n"}
_NAME_RE = re.compile(r"^[A-Za-z_]\w*$")


# --- value conversion -----------------------------------------------------------------------


def default_card_text() -> str:
    """MG5's default LO run_card with the madnis_* settings appended at their defaults:
    the run_card ``output madnis`` writes."""
    lines = [DEFAULT_TEMPLATE.read_text().rstrip("\n"),
             "#*********************************************************************",
             "# madnis: MadNIS neural importance sampling (madnis only)             *",
             "#*********************************************************************"]
    for param in PARAMETERS.values():
        if param.name.startswith("madnis_"):
            lines.append(f"  {_format(param, param.default)} = {param.name} ! {param.comment}")
    return "\n".join(lines) + "\n"


def _to_float(text: str) -> float:
    # Fortran writes exponents as 1d3 / 1D3
    value = float(re.sub(r"(?<=[0-9.])[dD](?=[+-]?\d)", "e", text))
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _convert(param: Parameter, raw: Any) -> Any:
    """Convert a card string (or a Python value from with_overrides) to the parameter's type."""
    kind = param.kind
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise ValueError(raw)
    if kind == "int":
        if isinstance(raw, bool):
            raise ValueError(raw)
        if isinstance(raw, int):
            return raw
        text = str(raw).strip()
        if re.fullmatch(r"[+-]?\d+", text):  # exactly, however long (a float would round 20-digit seeds)
            return int(text)
        value = _to_float(text) if not isinstance(raw, float) else raw
        if value != int(value):  # 1e4 and 10000.0 are fine, 2.5 is not
            raise ValueError(raw)
        return int(value)
    if kind == "count":  # an int, or None / "None" for "not set"
        if raw is None or (isinstance(raw, str) and raw.strip().lower() == "none"):
            return None
        return _convert(Parameter(param.name, "int", 0, "core"), raw)
    if kind == "float":
        if isinstance(raw, bool):
            raise ValueError(raw)
        if isinstance(raw, (int, float)):
            return float(raw)
        return _to_float(str(raw).strip())
    if kind == "str":
        if not isinstance(raw, str):
            raise ValueError(raw)
        text = raw.strip()
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
            text = text[1:-1]
        return text.lower() if param.lower else text
    if kind in ("int_list", "str_list"):
        items = _split_list(raw)
        if kind == "int_list":
            return [_convert(Parameter("item", "int", 0, "inert"), x) for x in items]
        return [str(x) for x in items]
    if kind == "dict":
        if isinstance(raw, dict):
            return dict(raw)
        value = ast.literal_eval(str(raw).strip())  # literals only: safe
        if not isinstance(value, dict):
            raise ValueError(raw)
        return value
    raise AssertionError(kind)


def _split_list(raw: Any) -> list[Any]:
    if isinstance(raw, (list, tuple)):
        return list(raw)
    text = str(raw).strip()
    if text.startswith("["):
        value = ast.literal_eval(text)
        if not isinstance(value, list):
            raise ValueError(raw)
        return value
    return [x.strip("'\"") for x in re.split(r"[,\s]+", text) if x]


def _format(param: Parameter, value: Any) -> str:
    """MG5's way of writing a value into the card."""
    kind = param.kind
    if kind == "bool":
        return "True" if value else "False"
    if kind == "float":
        return repr(float(value))
    if kind == "int":
        return str(int(value))
    if kind == "count":
        return "None" if value is None else str(int(value))
    if kind == "int_list":
        return ", ".join(str(v) for v in value)
    if kind == "str_list":
        return repr(list(value)) if value else ""
    if kind == "dict":
        return repr(dict(value))
    return str(value)


def _check(param: Parameter, value: Any) -> str | None:
    """Error text for a well-typed value madnis cannot run with, or None."""
    if param.status == "core" and param.check is not None:
        problem = param.check(value)
        if problem:
            return f"{param.name} = {_format(param, value)}: {problem}"
    if param.status == "neutral" and param.neutral is not None and not param.neutral(value):
        return (
            f"{param.name} = {_format(param, value)} is not supported by madnis: {param.reason} would change "
            f"the physics and is not implemented; use {_format(param, param.default)} (MG5's default)"
        )
    return None


def _closest(name: str) -> str:
    close = difflib.get_close_matches(name, list(PARAMETERS), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


# --- the card -------------------------------------------------------------------------------


class RunCard:
    """A checked LO run_card: every MG5 name with its value (MG5 default when not set).

    Access values as ``card["ptj"]`` or ``card.ptj``. ``card.line_of(name)`` is the line a
    name was set on (None when it took its default). Cards are immutable: use
    :meth:`with_overrides` for a changed copy, :meth:`write` to save in MG5 format.
    """

    def __init__(
        self,
        values: dict[str, Any],
        lines: list[str],
        set_at: dict[str, int],
        path: str = "<string>",
    ) -> None:
        object.__setattr__(self, "_values", values)
        object.__setattr__(self, "_lines", lines)
        object.__setattr__(self, "_set_at", set_at)
        object.__setattr__(self, "path", path)

    # --- construction -----------------------------------------------------------------

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> RunCard:
        """Read an MG5 run_card; CardError (file, line, what was expected) when it is invalid."""
        return cls.from_string(read_card_text(path, "run_card"), path=os.fspath(path))

    @classmethod
    def from_string(cls, text: str, path: str = "<string>") -> RunCard:
        """Parse run_card text; ``path`` is used in error messages."""
        values = {name: _copy(p.default) for name, p in PARAMETERS.items()}
        set_at: dict[str, int] = {}
        lines = text.splitlines()
        for number, raw_line in enumerate(lines, start=1):
            parsed = _parse_line(raw_line, path, number)
            if parsed is None:
                continue
            raw_value, name = parsed
            param = PARAMETERS.get(name)
            if param is None:
                raise CardError(path, number, f"unknown run_card parameter '{name}'{_closest(name)}")
            if name in set_at:
                raise CardError(path, number, f"'{name}' is set twice (first at line {set_at[name]})")
            try:
                value = _convert(param, raw_value)
            except (ValueError, SyntaxError, TypeError):
                raise CardError(
                    path, number, f"'{raw_value.strip()}' is not a valid value for {name}: "
                    f"expected {_KIND_TEXT[param.kind]}"
                ) from None
            problem = _check(param, value)
            if problem:
                raise CardError(path, number, problem)
            values[name] = value
            set_at[name] = number
        card = cls(values, lines, set_at, path)
        card._check_consistency()
        return card

    @classmethod
    def default(cls) -> RunCard:
        """MG5 3.5's default LO run_card (the bundled template)."""
        return cls.from_file(DEFAULT_TEMPLATE)

    def with_overrides(self, **overrides: Any) -> RunCard:
        """A copy with some values changed (Python values or card strings), checked like a card."""
        values = {k: _copy(v) for k, v in self._values.items()}
        for key, raw in overrides.items():
            name = key.lower()
            param = PARAMETERS.get(name)
            if param is None:
                raise CardError(self.path, None, f"unknown run_card parameter '{key}'{_closest(name)}")
            try:
                value = _convert(param, raw)
            except (ValueError, SyntaxError, TypeError):
                raise CardError(
                    self.path, None, f"{raw!r} is not a valid value for {name}: expected {_KIND_TEXT[param.kind]}"
                ) from None
            problem = _check(param, value)
            if problem:
                raise CardError(self.path, None, problem)
            values[name] = value
        card = RunCard(values, list(self._lines), dict(self._set_at), self.path)
        card._check_consistency()
        return card

    # --- access -----------------------------------------------------------------------

    def __getitem__(self, name: str) -> Any:
        try:
            return _copy(self._values[name.lower()])
        except KeyError:
            raise KeyError(f"unknown run_card parameter '{name}'{_closest(name.lower())}") from None

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("_values")
        if values is not None and name in values:
            return _copy(values[name])
        raise AttributeError(f"RunCard has no attribute '{name}'{_closest(name.lower())}")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("RunCard is immutable; use card.with_overrides(...)")

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RunCard) and self._values == other._values

    def __repr__(self) -> str:
        changed = {k: v for k, v in self._values.items() if v != PARAMETERS[k].default}
        return f"RunCard({self.path!r}, non-default={changed})"

    def as_dict(self) -> dict[str, Any]:
        """All values, by name (a copy)."""
        return {k: _copy(v) for k, v in self._values.items()}

    def line_of(self, name: str) -> int | None:
        """Line of the card that set ``name``, or None when it has MG5's default."""
        return self._set_at.get(name.lower())

    def non_default(self) -> dict[str, Any]:
        """Values that differ from MG5's defaults."""
        return {k: _copy(v) for k, v in self._values.items() if v != PARAMETERS[k].default}

    @property
    def pdf_lhaid(self) -> int | None:
        """LHAPDF id of the PDF set in use (None for ``pdlabel = none`` or two lepton/no-PDF beams)."""
        if self._values["lpp1"] == 0 and self._values["lpp2"] == 0:
            return None
        label = self._values["pdlabel"]
        if label == "lhapdf":
            return self._values["lhaid"]
        if label == "nn23lo1":
            return NN23LO1_LHAID
        return None

    # --- writing ----------------------------------------------------------------------

    def write(self, path: str | os.PathLike[str]) -> None:
        """Write the card in MG5 format, keeping the layout and comments it was read with."""
        Path(path).write_text(self.to_string())

    def to_string(self) -> str:
        """The card as MG5-format text."""
        out: list[str] = []
        written: set[str] = set()
        for raw_line in self._lines:
            parsed = _parse_line(raw_line, self.path, 0)
            if parsed is None:
                out.append(raw_line)
                continue
            raw_value, name = parsed
            value = self._values[name]
            param = PARAMETERS[name]
            try:
                unchanged = _convert(param, raw_value) == value
            except (ValueError, SyntaxError, TypeError):  # pragma: no cover - the card was checked
                unchanged = False
            if unchanged:
                out.append(raw_line)
            else:  # keep indentation, name and comment; swap the value
                eq = _value_end(raw_line)
                lead = raw_line[: len(raw_line) - len(raw_line.lstrip())]
                out.append(f"{lead}{_format(param, value)} {raw_line[eq:].lstrip()}")
            written.add(name)
        extra = [n for n, v in self._values.items() if n not in written and v != PARAMETERS[n].default]
        if extra:
            out.append("#*********************************************************************")
            out.append("# Settings not in the original card                                  *")
            out.append("#*********************************************************************")
            for name in extra:
                param = PARAMETERS[name]
                comment = f" ! {param.comment}" if param.comment else ""
                out.append(f"  {_format(param, self._values[name])} = {name}{comment}")
        return "\n".join(out) + "\n"

    # --- consistency ------------------------------------------------------------------

    def _check_consistency(self) -> None:
        v = self._values
        for i in (1, 2):
            label = f"pdlabel{i}"
            chosen = label in self._set_at or v[label] != PARAMETERS[label].default
            if chosen and v[label] != v["pdlabel"]:
                raise CardError(
                    self.path, self._set_at.get(label),
                    f"{label} = {v[label]} differs from pdlabel = {v['pdlabel']}: a different PDF per beam "
                    "is not supported by madnis",
                )
        if v["pdlabel"] == "none" and (v["lpp1"] != 0 or v["lpp2"] != 0):
            raise CardError(
                self.path, self._set_at.get("pdlabel"),
                "pdlabel = none needs lpp1 = lpp2 = 0 (no PDF); proton beams need a PDF set",
            )


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def _value_end(line: str) -> int:
    """Index of the `=` separating value and name (the last one before any `!` comment)."""
    body = line.split("#", 1)[0].split("!", 1)[0]
    return body.rindex("=")


def _parse_line(raw_line: str, path: str, number: int) -> tuple[str, str] | None:
    """(value text, lower-case name) of a setting line, None for blank/comment lines."""
    body = raw_line.split("#", 1)[0].split("!", 1)[0]
    if not body.strip():
        return None
    if "=" not in body:
        raise CardError(path, number, f"expected 'value = name ! comment', got '{raw_line.strip()}'")
    value, _, name = body.rpartition("=")  # values may hold '=' (systematics_arguments)
    name = name.strip()
    if not _NAME_RE.match(name):
        left = value.strip()
        if left.lower() in PARAMETERS:
            raise CardError(
                path, number, f"run_card lines read 'value = name': write '{name} = {left}', not '{body.strip()}'"
            )
        raise CardError(path, number, f"expected 'value = name ! comment', got '{raw_line.strip()}'")
    return value, name.lower()
