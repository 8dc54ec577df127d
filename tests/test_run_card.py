"""run_card.dat parsing: MG5 names/defaults, MG5-written cards accepted, physics-changing settings refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from madnis_plugin.cards.run_card import DEFAULT_TEMPLATE, PARAMETERS, RunCard, _format
from madnis_plugin.errors import CardError

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).with_name("data") / "cards"
PROCESS_DIRS = ["drell_yan", "drell_yan_zprime", "ttbar", "ttbar_j", "w_jj"]


def parse(text: str) -> RunCard:
    return RunCard.from_string(text, path="run_card.dat")


def error_of(text: str) -> CardError:
    with pytest.raises(CardError) as info:
        parse(text)
    return info.value


# --- defaults ------------------------------------------------------------------------------------


MG5_35_DEFAULTS = {
    "nevents": 10000, "iseed": 0, "lpp1": 1, "lpp2": 1, "ebeam1": 6500.0, "ebeam2": 6500.0,
    "polbeam1": 0.0, "polbeam2": 0.0, "pdlabel": "nn23lo1", "lhaid": 230000,
    "fixed_ren_scale": False, "fixed_fac_scale": False, "scale": 91.188,
    "dsqrt_q2fact1": 91.188, "dsqrt_q2fact2": 91.188, "dynamical_scale_choice": -1, "scalefact": 1.0,
    "ptj": 20.0, "ptb": 0.0, "pta": 10.0, "ptl": 10.0, "misset": 0.0,
    "ptjmax": -1.0, "ptbmax": -1.0, "ptamax": -1.0, "ptlmax": -1.0,
    "etaj": 5.0, "etab": -1.0, "etaa": 2.5, "etal": 2.5,
    "drjj": 0.4, "drbb": 0.0, "drll": 0.4, "draa": 0.4, "drbj": 0.0, "draj": 0.4, "drjl": 0.4,
    "drab": 0.0, "drbl": 0.0, "dral": 0.4, "mmjj": 0.0, "mmbb": 0.0, "mmaa": 0.0, "mmll": 0.0,
    "mmnl": 0.0, "mmnlmax": -1.0, "ihtmin": 0.0, "ihtmax": -1.0, "ptheavy": 0.0, "maxjetflavor": 4,
    "bwcutoff": 15.0, "cut_decays": False, "event_norm": "average", "xqcut": 0.0, "ickkw": 0,
    "gridpack": False, "time_of_flight": -1.0, "nhel": 0, "use_syst": True,
    "systematics_program": "systematics",
}


def test_defaults_are_mg5_35_lo_defaults() -> None:
    card = RunCard.default()
    for name, value in MG5_35_DEFAULTS.items():
        assert card[name] == value, name
        assert type(card[name]) is type(value), name


def test_bundled_template_sets_every_value_to_the_table_default() -> None:
    card = RunCard.from_file(DEFAULT_TEMPLATE)
    assert card.non_default() == {}
    assert card.path == str(DEFAULT_TEMPLATE)
    assert card.line_of("ptj") is not None and card.line_of("python_seed") is None


def test_empty_card_takes_every_default() -> None:
    assert parse("# nothing set\n") == RunCard.default()


def test_default_pdf_is_nnpdf23_lo_as_0130_qed() -> None:
    card = RunCard.default()
    assert card.pdf_lhaid == 247000
    assert card.with_overrides(pdlabel="lhapdf", lhaid=230000).pdf_lhaid == 230000
    assert card.with_overrides(lpp1=0, lpp2=0, pdlabel="none").pdf_lhaid is None


# --- MG5-written cards -------------------------------------------------------------------------


def test_mg5_written_drell_yan_card_is_accepted_as_is() -> None:
    card = RunCard.from_file(DATA / "run_card_mg5_dy.dat")
    assert card.non_default() == {}
    assert card["ptl"] == 10.0 and card.line_of("ptl") is not None
    assert card["systematics_arguments"] == ["--mur=0.5,1,2", "--muf=0.5,1,2", "--pdf=errorset"]
    assert card["custom_fcts"] == [] and card["mxx_only_part_antipart"] == {"default": False}


@pytest.mark.parametrize("name", PROCESS_DIRS)
def test_shipped_run_cards_parse_with_mg5_defaults(name: str) -> None:
    card = RunCard.from_file(ROOT / "processes" / name / "run_card.dat")
    assert card.non_default() == {}
    assert card["ebeam1"] + card["ebeam2"] == 13000.0


@pytest.mark.parametrize(
    "text, name, value",
    [
        (".true. = fixed_ren_scale", "fixed_ren_scale", True),
        ("T = fixed_fac_scale", "fixed_fac_scale", True),
        ("F = use_syst", "use_syst", False),
        (".false. = gridpack", "gridpack", False),
        ("1d3 = ptj", "ptj", 1000.0),
        ("6.5E3 = ebeam1", "ebeam1", 6500.0),
        ("1e4 = nevents", "nevents", 10000),
        ("'lhapdf' = pdlabel", "pdlabel", "lhapdf"),
        ("LHAPDF = pdlabel", "pdlabel", "lhapdf"),
        ("0.5 = R0gamma", "r0gamma", 0.5),
        ("1 2 21 = pdgs_for_merging_cut", "pdgs_for_merging_cut", [1, 2, 21]),
        ("  = custom_fcts", "custom_fcts", []),
        ("{} = pt_min_pdg", "pt_min_pdg", {}),
        ("7 = iseed # hidden", "iseed", 7),
    ],
)
def test_mg5_value_spellings_are_understood(text: str, name: str, value: object) -> None:
    assert parse(text + " ! comment\n")[name] == value


def test_attribute_and_item_access_agree() -> None:
    card = parse(" 30 = ptj\n")
    assert card.ptj == card["ptj"] == card["PTJ"] == 30.0
    assert "ptj" in card and "no_such" not in card
    with pytest.raises(AttributeError):
        card.ptj = 10.0


# --- rules for MG5 settings madnis does not implement ---------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "0 = ickkw", "0.0 = xqcut", "-1 = xqcut", "0 = polbeam1", "-1 = ktdurham", "0 = ptgmin",
        "{} = pt_min_pdg", "0 = ptj1min", "-1 = ptj1max", "None = bias_module", "1 = sde_strategy",
        "2 = sde_strategy", "True = gridpack", "False = cut_decays", "tag_2 = run_tag",
        "30 = survey_splitting", "1 = nhel", "sum = event_norm", "-1 = lpp1", "0 = lpp2",
    ],
)
def test_unimplemented_mg5_settings_at_neutral_values_are_accepted(text: str) -> None:
    parse(text + "\n")


@pytest.mark.parametrize(
    "text, needle",
    [
        ("1 = ickkw", "matching"),
        ("30 = xqcut", "MLM matching"),
        ("80 = polbeam1", "polarised beams"),
        ("-80 = polbeam2", "polarised beams"),
        ("50 = ktdurham", "merging"),
        ("20 = ptgmin", "photon isolation"),
        ("{6: 100} = pt_min_pdg", "per-PDG cuts"),
        ("50 = ptj1min", "pt-ordered jet cuts"),
        ("ptj_bias = bias_module", "bias"),
        ("cuts.f = custom_fcts", "hook"),
        ("True = fixed_extra_scale", "emission scale"),
    ],
)
def test_physics_changing_unimplemented_settings_say_not_supported(text: str, needle: str) -> None:
    err = error_of("# header\n" + text + " ! comment\n")
    assert err.line == 2 and "not supported by madnis" in err.message and needle in err.message, err.message


@pytest.mark.parametrize(
    "text, needle",
    [
        ("2 = lpp1", "expected one of 1, -1, 0"),
        ("3 = lpp2", "expected one of 1, -1, 0"),
        ("0 = dynamical_scale_choice", "expected one of"),
        ("2 = nhel", "expected one of 0, 1"),
        ("cteq6l1 = pdlabel", "expected one of nn23lo1, lhapdf, none"),
        ("bias = event_norm", "expected one of"),
        ("0 = nevents", "positive"),
        ("-10 = ebeam1", "positive"),
        ("6 = maxjetflavor", "expected one of"),
        ("-5 = ptj", ">= 0"),
    ],
)
def test_out_of_range_values_are_errors_with_line(text: str, needle: str) -> None:
    err = error_of(text + "\n")
    assert err.line == 1 and needle in err.message, err.message


def test_pdf_none_with_proton_beams_is_an_error() -> None:
    err = error_of("none = pdlabel\n")
    assert "lpp1 = lpp2 = 0" in err.message and err.line == 1
    parse("0 = lpp1\n0 = lpp2\nnone = pdlabel\n")


def test_different_pdf_per_beam_is_an_error() -> None:
    err = error_of("lhapdf = pdlabel\nnn23lo1 = pdlabel1\n")
    assert err.line == 2 and "not supported" in err.message


# --- errors ----------------------------------------------------------------------------------


def test_unknown_name_gives_line_and_closest_valid_name() -> None:
    err = error_of(" 10000 = nevents\n 20 = ptjj ! typo\n")
    assert (err.path, err.line) == ("run_card.dat", 2)
    assert "unknown run_card parameter 'ptjj'" in err.message and "did you mean 'ptj'" in err.message
    assert str(err).startswith("run_card.dat:2: ")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("abc = ptj", "a number"),
        ("2.5 = nevents", "an integer"),
        ("maybe = fixed_ren_scale", "a logical"),
        ("{6: 100 = pt_min_pdg", "a dictionary"),
        ("[1, 2 = pdgs_for_merging_cut", "a list of integers"),
        ("nan = ptj", "a number"),
    ],
)
def test_malformed_values_name_the_expected_type(text: str, expected: str) -> None:
    err = error_of("\n" + text + "\n")
    assert err.line == 2 and f"expected {expected}" in err.message, err.message


def test_line_without_equals_is_an_error() -> None:
    err = error_of("  10000 nevents\n")
    assert err.line == 1 and "value = name" in err.message


def test_reversed_name_and_value_is_explained() -> None:
    err = error_of("ptj = 20\n")
    assert err.line == 1 and "'20 = ptj'" in err.message


def test_name_set_twice_is_an_error() -> None:
    err = error_of("20 = ptj\n30 = ptj\n")
    assert err.line == 2 and "line 1" in err.message


def test_missing_file_is_a_card_error() -> None:
    with pytest.raises(CardError) as info:
        RunCard.from_file(DATA / "no_such_run_card.dat")
    assert info.value.line is None


# --- overrides and writing ---------------------------------------------------------------------


def test_with_overrides_returns_a_checked_copy() -> None:
    card = RunCard.default()
    new = card.with_overrides(ptj=30, mmll="50", fixed_ren_scale="T", ebeam1=7000)
    assert (new["ptj"], new["mmll"], new["fixed_ren_scale"], new["ebeam1"]) == (30.0, 50.0, True, 7000.0)
    assert card["ptj"] == 20.0  # original unchanged
    with pytest.raises(CardError, match="did you mean 'ptj'"):
        card.with_overrides(ptjj=30)
    with pytest.raises(CardError, match="not supported"):
        card.with_overrides(ickkw=1)
    with pytest.raises(CardError, match="an integer"):
        card.with_overrides(nevents="many")


def test_write_round_trips_values_and_keeps_layout(tmp_path: Path) -> None:
    card = RunCard.from_file(DATA / "run_card_mg5_dy.dat").with_overrides(
        ptl=25, mmll=60.0, python_seed=12, lpp2=-1, systematics_arguments=["--mur=1"], ptj=35,
        pdgs_for_merging_cut=[1, 21],
    )
    out = tmp_path / "run_card.dat"
    card.write(out)
    again = RunCard.from_file(out)
    assert again == card
    text = out.read_text()
    assert "25.0 = ptl       ! minimum pt for the charged leptons" in text
    assert "35.0 = ptj" in text  # not in the original card: appended
    original = (DATA / "run_card_mg5_dy.dat").read_text().splitlines()
    assert text.splitlines()[: len(original)][:8] == original[:8]  # header kept


def test_default_card_writes_every_parameter_back_unchanged(tmp_path: Path) -> None:
    out = tmp_path / "run_card.dat"
    RunCard.default().write(out)
    assert out.read_text() == DEFAULT_TEMPLATE.read_text()


def test_a_card_listing_every_name_at_its_default_equals_the_default_card() -> None:
    text = "\n".join(f" {_format(p, p.default)} = {name}" for name, p in PARAMETERS.items())
    card = parse(text)
    assert card == RunCard.default()
    assert all(card.line_of(name) is not None for name in PARAMETERS)


def test_per_beam_pdf_override_is_refused_without_a_line() -> None:
    with pytest.raises(CardError, match="different PDF per beam") as info:
        RunCard.default().with_overrides(pdlabel1="lhapdf")
    assert info.value.line is None
    assert RunCard.default().with_overrides(pdlabel="lhapdf", pdlabel1="lhapdf")["pdlabel1"] == "lhapdf"


def test_smaller_small_width_treatment_is_accepted_larger_is_not() -> None:
    assert parse("1e-12 = small_width_treatment\n")["small_width_treatment"] == 1e-12
    assert "not supported" in error_of("1e-3 = small_width_treatment\n").message


def test_card_survives_pickling() -> None:
    import pickle

    card = RunCard.default().with_overrides(ptj=33)
    assert pickle.loads(pickle.dumps(card)) == card


def test_unreadable_cards_name_the_file_and_the_kind(tmp_path):
    from madnis_plugin.cards.proc_card import ProcCard
    from madnis_plugin.models.param_card import ParamCard

    missing = tmp_path / "nothing.dat"
    for read, kind in ((ProcCard.from_file, "proc_card"), (RunCard.from_file, "run_card"),
                       (ParamCard.read, "param_card")):
        with pytest.raises(CardError, match=f"nothing.dat: cannot read (the )?{kind}"):
            read(missing)
