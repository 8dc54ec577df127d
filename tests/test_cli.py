"""The madnis command: help everywhere, real output, clear errors with exit status 2."""

from __future__ import annotations

from click.testing import CliRunner

from madnis_plugin.cli import main


def test_help_for_every_subcommand():
    runner = CliRunner()
    for args in ([], ["integrate"], ["pdf"]):
        result = runner.invoke(main, [*args, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output


def test_pdf_prints_values_of_the_core(default_pdf):
    result = CliRunner().invoke(main, ["pdf", "-x", "0.1", "-q", "100", "--pid", "21"])
    assert result.exit_code == 0
    expected = default_pdf.xfxQ(21, 0.1, 100.0).item()
    assert f"{expected:.6e}" in result.output


def test_pdf_unknown_set_is_a_clear_error():
    result = CliRunner().invoke(main, ["pdf", "--set", "NoSuchSet", "-x", "0.1", "-q", "10"])
    assert result.exit_code == 2 and "not found" in result.output


def test_pdf_bad_x_is_a_clear_error():
    result = CliRunner().invoke(main, ["pdf", "-x", "1.5", "-q", "10"])
    assert result.exit_code == 2 and "0 < x <= 1" in result.output


def test_diagrams_prints_subprocesses_and_counts():
    result = CliRunner().invoke(main, ["diagrams", "processes/drell_yan_zprime/proc_card.dat"])
    assert result.exit_code == 0
    assert "u u~ > e+ e-" in result.output and "d d~ > e+ e-" in result.output
    assert "│        3 │" in result.output  # three diagrams (γ, Z, Z′) per subprocess


def test_diagrams_bad_card_is_a_clear_error(tmp_path):
    card = tmp_path / "proc_card.dat"
    card.write_text("import model sm\ngenerate p p > e+ e- foo\n")
    result = CliRunner().invoke(main, ["diagrams", str(card)])
    assert result.exit_code == 2 and "proc_card.dat:2:" in result.output
