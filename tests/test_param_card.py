"""SLHA param_card reading and writing, and applying a card to a model."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pytest

from madnis_plugin.errors import CardError
from madnis_plugin.models import load
from madnis_plugin.models.param_card import ParamCard, read_param_card

DATA = Path(__file__).parent / "data"
MG5_DEFAULT_CARD = DATA / "param_card_sm_default.dat"


def test_mg5_default_card_gives_the_sm_defaults():
    card = read_param_card(MG5_DEFAULT_CARD)
    assert card.get("MASS", 23) == 91.188
    assert card.get("mass", 24) == 80.419  # a dependent entry, read but not used
    assert card.get("SMINPUTS", 1) == 132.507
    assert card.get("DECAY", 23) == 2.441404
    assert card.get("decay", 5) == 0.0
    assert card.get("MASS", 32) is None
    model = load("sm")
    model.set_param("MZ", 90.0)  # make sure the card, not the defaults, sets it
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        missing = model.set_param_card(MG5_DEFAULT_CARD)
    assert missing == []
    fresh = load("sm")
    assert model.values == fresh.values
    assert model.param("MW") == pytest.approx(80.41900244575616, rel=1e-12)


def test_written_card_carries_every_mg5_entry_with_the_same_value():
    ref = read_param_card(MG5_DEFAULT_CARD)
    ours = ParamCard.parse(load("sm").param_card().to_string())
    for name, block in ref.blocks.items():
        for index, entry in block.entries.items():
            assert ours.get(name, index) == pytest.approx(entry.value, rel=5e-7), (name, index)
    assert set(ours.decays) == set(ref.decays)
    for pdg, d in ref.decays.items():
        assert ours.get("DECAY", pdg) == d.width
    assert {k: set(b.entries) for k, b in ours.blocks.items()} == {
        k: set(b.entries) for k, b in ref.blocks.items()
    }


def test_written_card_reads_back_exactly(tmp_path):
    model = load("sm_zprime")
    model.set_param("MT", 172.5)
    model.set_param("MZp", 400.123456789)  # a value %e would round
    path = tmp_path / "param_card.dat"
    model.param_card().write(path)
    text = path.read_text()
    assert "DECAY  32 5.000000e-01 # WZp" in text
    (mzp_line,) = [line for line in text.splitlines() if line.endswith("# MZp ")]
    assert float(mzp_line.split()[1]) == 400.123456789
    other = load("sm_zprime")
    other.set_param_card(path)
    assert other.values == model.values


def test_block_names_are_case_insensitive_and_comments_ignored():
    card = ParamCard.parse(
        "# a comment line\n"
        "BLOCK MASS  # masses\n"
        "  6  1.725d+02   # MT (Fortran exponent)\n"
        "bLoCk SMINPUTS Q= 91.188\n"
        "   1 1.279e+02\n"
        "Block yukawa\n"
        "  6 172.5\n"
        "decay 6 1.50 # WT\n"
        "   0.5  2   5  24   # BR(t -> b w+)\n"
        "   0.5  2   3  24\n"
    )
    assert card.get("mass", 6) == 172.5
    assert card.get("sminputs", 1) == 127.9
    assert card.blocks["sminputs"].scale == 91.188
    assert card.get("DECAY", 6) == 1.5
    assert card.decays[6].channels[0] == (0.5, (5, 24), "BR(t -> b w+)")
    assert card.get("Yukawa", 6) == 172.5
    again = ParamCard.parse(card.to_string())
    assert again.get("sminputs", 1) == 127.9 and again.decays[6].channels == card.decays[6].channels
    assert again.blocks["sminputs"].scale == 91.188


def test_multi_index_blocks_and_text_blocks():
    card = ParamCard.parse("BLOCK CKM\n 1 1 0.97\n 1 2 0.22\nBLOCK SPINFO\n 1 SOFTSUSY\n 2 3.4.0\n")
    assert card.get("ckm", (1, 2)) == 0.22
    assert card.get("spinfo", 1) == "SOFTSUSY"


def test_qnumbers_blocks_of_new_particles_are_skipped():
    # MG5 writes them for particles outside the SM (hgg_plugin's h1); they hold no parameters
    card = ParamCard.parse("BLOCK MASS\n 25 125.0\nBlock QNUMBERS 9000006  # h1\n 1 0\n 2 1\n 3 1\n 4 0\n"
                           "DECAY 9000006 5.75e-03\nBLOCK SMINPUTS\n 3 0.118\n")
    assert card.get("mass", 25) == 125.0 and card.get("sminputs", 3) == 0.118
    assert card.decays[9000006].width == 5.75e-03
    assert "qnumbers" not in card.blocks


def test_auto_width_is_rejected_naming_file_and_line(tmp_path):
    path = tmp_path / "param_card.dat"
    path.write_text(MG5_DEFAULT_CARD.read_text().replace("DECAY  23 2.441404e+00", "DECAY  23 Auto"))
    lineno = next(
        i for i, line in enumerate(path.read_text().splitlines(), 1) if "Auto" in line and "DECAY" in line
    )
    with pytest.raises(CardError, match="not supported yet") as err:
        read_param_card(path)
    assert err.value.line == lineno
    assert str(err.value).startswith(f"param_card.dat:{lineno}: ")
    assert "23" in err.value.message
    with pytest.raises(CardError, match="not supported yet"):
        load("sm").set_param_card(path)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("  6 173.0\n", 1, "expected 'BLOCK name'"),
        ("BLOCK MASS\n  6 one-seventy-three\n", 2, "expected a number"),
        ("BLOCK MASS\n  six 173.0\n", 2, "expected integer indices"),
        ("BLOCK\n", 1, "expected a block name"),
        ("BLOCK MASS Z= 3\n", 1, "Q= scale"),
        ("DECAY 23\n", 1, "expected 'DECAY pdg width'"),
        ("DECAY z 2.4\n", 1, "integer PDG id"),
        ("DECAY 23 wide\n", 1, "expected a number for the width"),
        ("DECAY 6 1.5\n  1.0 3 5 24\n", 2, "announces 3 daughters but lists 2"),
        ("BLOCK MASS\n 6 173\n 6 172\n", 3, "given twice"),
        ("BLOCK MASS\n 6 173\nBLOCK mass\n", 3, "defined twice"),
        ("BLOCK MASS\n 6 nan\n", 2, "not finite"),
    ],
)
def test_malformed_lines_raise_card_error_with_line(text, line, fragment):
    with pytest.raises(CardError) as err:
        ParamCard.parse(text, path="param_card.dat")
    assert err.value.line == line
    assert fragment in err.value.message
    assert str(err.value).startswith(f"param_card.dat:{line}: ")
    assert isinstance(err.value, ValueError)


def test_missing_file_is_a_card_error(tmp_path):
    with pytest.raises(CardError, match="cannot read"):
        read_param_card(tmp_path / "nope.dat")


def test_missing_parameter_keeps_default_and_warns():
    card = ParamCard.parse(MG5_DEFAULT_CARD.read_text().replace("   23 9.118800e+01 # MZ", ""))
    model = load("sm_zprime")  # the sm card also lacks MZp and WZp
    with pytest.warns(UserWarning, match="MZ, MZp, WZp"):
        missing = model.set_param_card(card)
    assert missing == ["MZ", "MZp", "WZp"]
    assert model.param("MZ") == 91.188 and model.param("MZp") == 400.0


def test_card_value_changes_derived_parameters():
    text = MG5_DEFAULT_CARD.read_text().replace("   23 9.118800e+01 # MZ", "   23 9.000000e+01 # MZ")
    model = load("sm")
    with pytest.warns(UserWarning, match="mass 24 = 80.419 is fixed by the model to 78.94"):
        model.set_param_card(ParamCard.parse(text))
    assert model.param("MZ") == 90.0
    assert model.param("MW") == pytest.approx(model.param("MZ") * model.param("cw"))
    assert model.param("MW") < 80.0


def test_dependent_entry_that_disagrees_with_the_model_warns():
    text = MG5_DEFAULT_CARD.read_text().replace("\n  2 0.000000e+00 # u : 0.0", "\n  2 3.000000e-01 # u : 0.0")
    with pytest.warns(UserWarning, match="mass 2 = 0.3 is fixed by the model"):
        load("sm").set_param_card(ParamCard.parse(text, path="param_card.dat"))


def test_no_b_mass_card_has_no_mb_and_lists_b_as_dependent():
    card = load("sm-no_b_mass").param_card()
    assert card.blocks["mass"].entries[(5,)].dependent
    assert card.get("mass", 5) == 0.0
    assert card.get("yukawa", 5) is None


def test_every_external_parameter_is_taken_from_the_card():
    # Each value moved off its default (a card equal to the defaults would pass unread).
    model = load("sm")
    card = read_param_card(MG5_DEFAULT_CARD)
    wanted = {}
    for k, p in enumerate(model.external_parameters, start=1):
        value = float(p.value) * (1 + 0.01 * k)
        card.set(p.block, p.index, value)
        wanted[p.name] = value
    mw_default = load("sm").param("MW")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the card's MW entry no longer matches: warned, ignored
        model.set_param_card(ParamCard.parse(card.to_string()))
    got = {p.name: float(p.value) for p in model.external_parameters}
    assert got == pytest.approx(wanted, rel=1e-12)
    assert all(got[name] != float(p.default) for name, p in model.parameters.items() if name in got)
    # MW is derived: MW² = MZ²/2 + √(MZ⁴/4 − π α MZ²/(√2 Gf)) with α = 1/aEWM1
    mz, aew, gf = wanted["MZ"], 1 / wanted["aEWM1"], wanted["Gf"]
    mw = math.sqrt(mz**2 / 2 + math.sqrt(mz**4 / 4 - math.pi * aew * mz**2 / (math.sqrt(2) * gf)))
    assert model.param("MW") == pytest.approx(mw, rel=1e-12) and abs(mw - mw_default) > 0.1


@pytest.mark.parametrize("edit,name,message", [
    (("mass", 23, 0.0), "MZ", r"mass 23 \(MZ of z\) = 0: a massive vector boson needs a mass > 0"),
    (("DECAY", 6, -1.0), "WT", r"DECAY 6 \(WT of t\) = -1: a width must be a finite number >= 0"),
    (("mass", 25, -125.0), "MH", r"mass 25 \(MH of h\) = -125: a mass must be a finite number >= 0"),
])
def test_non_physical_masses_and_widths_are_refused_naming_the_line(edit, name, message):
    card = read_param_card(MG5_DEFAULT_CARD)
    card.set(*edit)
    text = card.to_string()
    (line,) = [i for i, t in enumerate(text.splitlines(), 1) if t.rstrip().endswith(f"# {name}")]
    with pytest.raises(CardError, match=rf"^param_card\.dat:{line}: {message}"):
        load("sm").set_param_card(ParamCard.parse(text, path="param_card.dat"))


def test_set_param_refuses_what_a_card_would_refuse():
    from madnis_plugin.errors import PhysicsInputError

    model = load("sm")
    with pytest.raises(PhysicsInputError, match=r"model sm: mass 23 \(MZ of z\) = 0: a massive vector boson"):
        model.set_param("MZ", 0.0)
    with pytest.raises(PhysicsInputError, match=r"DECAY 23 \(WZ of z\) = -1: a width must be"):
        model.set_param("WZ", -1.0)
    assert model.param("MZ") == 91.188 and model.param("WZ") == 2.441404  # unchanged
    model.set_param("WT", 0.0)  # a zero width is fine
