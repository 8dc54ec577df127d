"""proc_card.dat parsing: MG5 syntax accepted, unsupported syntax refused with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from madnis_plugin.cards.proc_card import ProcCard, default_multiparticles
from madnis_plugin.errors import CardError

ROOT = Path(__file__).resolve().parents[1]
PROCESSES = ROOT / "processes"
DATA = Path(__file__).with_name("data") / "cards"

SM_NAMES = {
    "g", "a", "z", "w+", "w-", "h", "d", "u", "s", "c", "b", "t", "d~", "u~", "s~", "c~", "b~", "t~",
    "e-", "e+", "mu-", "mu+", "ta-", "ta+", "ve", "vm", "vt", "ve~", "vm~", "vt~",
}


def parse(text: str) -> ProcCard:
    return ProcCard.from_string(text, path="proc_card.dat")


def error_of(text: str) -> CardError:
    with pytest.raises(CardError) as info:
        parse(text)
    return info.value


# --- cards shipped in processes/ ----------------------------------------------------------


@pytest.mark.parametrize(
    "name, model, initial, final",
    [
        ("drell_yan", "sm", ["p", "p"], ["e+", "e-"]),
        ("drell_yan_zprime", "sm_zprime", ["p", "p"], ["e+", "e-"]),
        ("ttbar", "sm", ["p", "p"], ["t", "t~"]),
        ("ttbar_j", "sm", ["p", "p"], ["t", "t~", "j"]),
        ("w_jj", "sm", ["p", "p"], ["w+", "j", "j"]),
        ("ttbar_jj", "sm", ["p", "p"], ["t", "t~", "j", "j"]),
        ("w_jjj", "sm", ["p", "p"], ["w+", "j", "j", "j"]),
        ("gg_ttgg", "sm", ["g", "g"], ["t", "t~", "g", "g"]),
    ],
)
def test_shipped_proc_cards_parse_to_their_process(name: str, model: str, initial: list, final: list) -> None:
    card = ProcCard.from_file(PROCESSES / name / "proc_card.dat")
    assert card.model.name == model and card.model.restriction is None
    assert len(card.processes) == 1
    proc = card.processes[0]
    assert (proc.initial, proc.final) == (initial, final)
    assert card.output is not None and card.output.directory == name
    card.validate_names(SM_NAMES)


def test_mg5_written_proc_card_with_header_and_settings_is_accepted() -> None:
    card = ProcCard.from_file(DATA / "proc_card_mg5.dat")
    assert card.model.spec == "sm-no_b_mass"
    assert [s.name for s in card.settings][:3] == ["group_subprocesses", "ignore_six_quark_processes",
                                                  "loop_optimized_output"]
    assert "b" in card.expand("p") and "b~" in card.expand("j")
    assert [p.tag for p in card.processes] == [1, 2]
    assert card.output is not None and card.output.format == "madevent"
    assert card.output.directory == "PROC_sm_0" and card.output.options == ("-f",)


# --- multiparticles --------------------------------------------------------------------------


def test_sm_default_proton_is_four_flavour() -> None:
    card = parse("import model sm\ngenerate p p > e+ e-\n")
    assert card.expand("p") == ["g", "u", "c", "d", "s", "u~", "c~", "d~", "s~"]
    assert card.expand("j") == card.expand("p")
    assert card.expand("l+") == ["e+", "mu+"] and card.expand("l-") == ["e-", "mu-"]
    assert card.expand("vl") == ["ve", "vm", "vt"] and card.expand("vl~") == ["ve~", "vm~", "vt~"]


def test_no_b_mass_restriction_gives_five_flavour_proton() -> None:
    card = parse("import model sm-no_b_mass\ngenerate p p > e+ e-\n")
    assert card.model.name == "sm" and card.model.restriction == "no_b_mass"
    assert card.expand("p")[-2:] == ["b", "b~"] and card.expand("j")[-2:] == ["b", "b~"]
    assert default_multiparticles("sm_zprime") == default_multiparticles("sm")


def test_define_may_refer_to_existing_labels_without_duplicates() -> None:
    card = parse("import model sm\ndefine p = p b b~ g\ndefine q u d\ngenerate p p > e+ e-\n")
    assert card.expand("p") == ["g", "u", "c", "d", "s", "u~", "c~", "d~", "s~", "b", "b~"]
    assert card.expand("q") == ["u", "d"]
    assert card.definition_lines["p"] == 2 and card.definition_lines["l+"] is None


def test_expand_of_a_particle_name_is_the_name_itself() -> None:
    assert parse("generate e+ e- > mu+ mu-\n").expand("mu+") == ["mu+"]


def test_import_model_resets_definitions_like_mg5() -> None:
    card = parse("import model sm\ndefine p = u\nimport model sm-no_b_mass\ngenerate p p > e+ e-\n")
    assert len(card.expand("p")) == 11


def test_card_without_import_uses_sm() -> None:
    assert parse("generate p p > e+ e-\n").model.name == "sm"


# --- process syntax ------------------------------------------------------------------------------


def test_process_with_forbidden_propagators_s_channels_orders_and_tag() -> None:
    card = parse("generate p p > e+ e- / h $ a QED=2 QCD<=0 @3\nadd process p p > mu+ mu- QED==2 @ 4\n")
    first, second = card.processes
    assert first.initial == ["p", "p"] and first.final == ["e+", "e-"]
    assert first.forbidden_propagators == ["h"] and first.forbidden_s_channels == ["a"]
    assert first.orders == {"QED": ("<=", 2), "QCD": ("<=", 0)}
    assert first.tag == 3 and first.line == 1
    assert second.orders == {"QED": ("==", 2)} and second.tag == 4 and second.line == 2
    assert str(first) == "p p > e+ e- / h $ a QED=2 QCD=0 @3"


def test_arrow_and_slash_without_spaces_are_understood() -> None:
    proc = parse("generate p p>e+ e-/h\n").processes[0]
    assert (proc.initial, proc.final, proc.forbidden_propagators) == (["p", "p"], ["e+", "e-"], ["h"])


def test_comments_and_blank_lines_are_skipped() -> None:
    card = parse("# a comment\n\n   \ngenerate p p > e+ e-  # trailing comment\n")
    assert card.processes[0].final == ["e+", "e-"] and card.processes[0].line == 4


def test_harmless_set_options_are_recorded() -> None:
    text = (
        "set group_subprocesses Auto\nset ignore_six_quark_processes False\n"
        "set loop_optimized_output True\nset complex_mass_scheme False\n"
        "set automatic_html_opening False\nset gauge unitary\ngenerate p p > e+ e-\n"
    )
    card = parse(text)
    first = card.settings[0]
    assert (first.name, first.value, first.line) == ("group_subprocesses", "Auto", 1)
    assert len(card.settings) == 6


def test_complex_mass_scheme_on_is_refused() -> None:
    err = error_of("set complex_mass_scheme True\ngenerate p p > e+ e-\n")
    assert err.line == 1 and "not supported" in err.message


def test_output_and_launch_are_recorded_with_launch_answers() -> None:
    card = parse("generate p p > e+ e-\noutput madnis dy\nlaunch dy\nset nevents 500\ndone\n")
    assert card.output is not None and (card.output.format, card.output.directory) == ("madnis", "dy")
    assert card.launch is not None and card.launch.directory == "dy"
    assert card.launch.answers == ((4, "set nevents 500"),)
    assert card.settings == []


def test_output_without_format_is_madevent_like_mg5() -> None:
    card = parse("generate p p > e+ e-\noutput drell_yan\n")
    assert card.output is not None and (card.output.format, card.output.directory) == ("madevent", "drell_yan")


# --- errors ------------------------------------------------------------------------------------


def test_card_error_names_file_line_and_problem() -> None:
    err = error_of("import model sm\ngenerat p p > e+ e-\n")
    assert (err.path, err.line) == ("proc_card.dat", 2)
    assert str(err).startswith("proc_card.dat:2: ") and "did you mean 'generate'" in str(err)


def test_missing_generate_is_an_error() -> None:
    err = error_of("import model sm\noutput dy\n")
    assert "generate" in err.message


def test_no_process_at_all_is_an_error() -> None:
    err = error_of("import model sm\n")
    assert err.line is None and "generate" in err.message


def test_add_process_before_generate_is_an_error() -> None:
    err = error_of("add process p p > e+ e-\ngenerate p p > mu+ mu-\n")
    assert err.line == 1 and "before 'generate'" in err.message


def test_second_generate_is_an_error_not_a_silent_reset() -> None:
    err = error_of("generate p p > e+ e-\ngenerate p p > mu+ mu-\n")
    assert err.line == 2 and "add process" in err.message


@pytest.mark.parametrize(
    "process, needle",
    [
        ("p p e+ e-", "missing '>'"),
        ("> e+ e-", "empty initial state"),
        ("p p >", "empty final state"),
        ("p p > / h", "empty final state"),
        ("p p > e+ e- /", "followed by the particles"),
        ("p p > e+ e- QCD=x", "bad coupling order"),
        ("p p > e+ e- QED<2", "only '=', '<=' and '=='"),
        ("p p > e+ e- @x", "bad process tag"),
        ("p p > e+ e- @1 h", "unexpected 'h'"),
        ("u u u > e+ e-", "at most 2"),
        ("p p > e+ e- QED = x", "without spaces"),
    ],
)
def test_process_syntax_errors_are_reported_at_their_line(process: str, needle: str) -> None:
    err = error_of(f"import model sm\ngenerate {process}\n")
    assert err.line == 2 and needle in err.message, err.message


@pytest.mark.parametrize(
    "process, needle",
    [
        ("p p > z > e+ e-", "required s-channel"),
        ("p p > t t~ QED=0, t > w+ b QED=1", "inside the decay"),
        ("p p > t t~ QCD^2==4", "squared coupling orders"),
        ("p p > t t~ [QCD]", "NLO"),
        ("p p > w+{0} j", "polarised"),
    ],
)
def test_unsupported_mg5_syntax_says_not_supported(process: str, needle: str) -> None:
    err = error_of(f"generate {process}\n")
    assert err.line == 1 and needle in err.message and "not supported" in err.message, err.message


def test_unsupported_mg5_command_is_refused_by_name() -> None:
    err = error_of("generate p p > e+ e-\ncompute_widths t\n")
    assert err.line == 2 and "compute_widths" in err.message and "not supported" in err.message


def test_bad_define_is_an_error() -> None:
    assert error_of("define = u d\ngenerate p p > e+ e-\n").line == 1
    assert "lists no particles" in error_of("define q =\ngenerate p p > e+ e-\n").message


def test_import_model_after_generate_is_an_error() -> None:
    err = error_of("generate p p > e+ e-\nimport model sm_zprime\n")
    assert err.line == 2


def test_missing_file_is_a_card_error() -> None:
    with pytest.raises(CardError) as info:
        ProcCard.from_file(DATA / "no_such_card.dat")
    assert info.value.line is None and "no_such_card.dat" in str(info.value)


# --- names against a model -------------------------------------------------------------------


def test_validate_names_points_at_the_process_line_and_closest_name() -> None:
    card = parse("import model sm\ngenerate p p > e+ e-\nadd process p p > mu+ mu- / hh\n")
    card.processes[0]  # the first process is fine
    with pytest.raises(CardError) as info:
        card.validate_names(SM_NAMES)
    assert info.value.line == 3 and "'hh'" in info.value.message and "did you mean 'h'" in info.value.message


def test_validate_names_checks_user_definitions() -> None:
    card = parse("define q = u d s\ngenerate q q > e+ e-\n")
    card.validate_names(SM_NAMES)
    card = parse("define q = u dd\ngenerate q q > e+ e-\n")
    with pytest.raises(CardError) as info:
        card.validate_names(SM_NAMES)
    assert info.value.line == 1 and "did you mean 'd'" in info.value.message


def test_coupling_orders_may_have_spaces_around_the_operator_as_in_mg5() -> None:
    # MG5's order pattern (madgraph_interface.py extract_process) allows `\s*` around it.
    proc = ProcCard.from_string("generate p p > e+ e- QED = 2 QCD <= 0 WEIGHTED== 4\n").processes[0]
    assert proc.orders == {"QED": ("<=", 2), "QCD": ("<=", 0), "WEIGHTED": ("==", 4)}
    assert proc.final == ["e+", "e-"]
