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
