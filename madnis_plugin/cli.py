"""The ``madnis`` command: subcommands for physicists, MG5-style messages.

Errors a user can fix (bad cards, unknown PDF sets, bad arguments, an output folder
that cannot be written, parameters that make the physics meaningless) are printed as
one clear line and exit with status 2; they never show a traceback and leave no run
folder. SIGINT and SIGTERM end a run cleanly (its temporary files and unfinished run
folder removed) with the shell's status 130 and 143 (madnis_plugin/interrupt.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from madnis_plugin import __version__

console = Console()
err_console = Console(stderr=True)

_PDG_NAMES = {-6: "t~", -5: "b~", -4: "c~", -3: "s~", -2: "u~", -1: "d~", 1: "d", 2: "u", 3: "s",
              4: "c", 5: "b", 6: "t", 21: "g", 22: "a"}


def _fail(message: str) -> None:
    message = " ".join(str(message).split())  # one line, whatever the exception's text
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    sys.exit(2)


def _user_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean "an input is wrong" (or the machine is: a compiler that fails
    says where its log is): one line and status 2, no traceback."""
    from madnis_plugin.checkpoint import CheckpointError
    from madnis_plugin.checks import CrossSectionTooSmall
    from madnis_plugin.codegen.build import BuildError
    from madnis_plugin.errors import CardError, PhysicsInputError
    from madnis_plugin.events.run_dir import OutputDirError
    from madnis_plugin.integrate import ZeroCrossSection
    from madnis_plugin.process.limits import TooManyDiagrams

    return (CardError, ZeroCrossSection, FloatingPointError, CheckpointError, OutputDirError, PhysicsInputError,
            TooManyDiagrams, CrossSectionTooSmall, BuildError)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="madnis")
def main() -> None:
    """madnis: LHC event generation from MadGraph cards with MadNIS sampling."""


_threads_option = click.option(
    "--threads", type=click.IntRange(min=1),
    help="CPU threads (overrides the run_card's nb_core; default: the CPUs this process may use)")


def _integration_options(command):
    """The options `madnis integrate` and `madnis mg5-run` share."""
    options = [
        click.option("--nevents", type=click.IntRange(min=1), help="unweighted events (overrides the run_card)"),
        click.option("--seed", type=click.IntRange(min=0),
                     help="random seed (overrides the run_card's iseed; 0, like iseed = 0: a fresh seed, recorded)"),
        click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True),
        click.option("--accuracy", type=click.FloatRange(min=0, min_open=True),
                     help="target relative error of the cross section "
                          "(default: 0.12/√nevents, 0.12 % for 10⁴ events)"),
        click.option("--sampler", type=click.Choice(["vegas", "madnis"]),
                     help="multi-channel VEGAS or MadNIS neural importance sampling "
                          "(default: the run_card's madnis_enable, else vegas)"),
        click.option("--max-diagrams", type=click.IntRange(min=1),
                     help="stop with an error when the process has more diagrams than this (default: no limit)"),
        _threads_option,
    ]
    for option in reversed(options):
        command = option(command)
    return command


@main.command()
@click.argument("proc_card", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--run-card", type=click.Path(dir_okay=False, path_type=Path),
              help="run_card.dat (default: the one beside PROC_CARD, else MG5's defaults)")
@click.option("--param-card", type=click.Path(dir_okay=False, path_type=Path),
              help="param_card.dat (default: the one beside PROC_CARD, else the model's defaults)")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path),
              help="process folder for Events/run_NN (default: the folder of PROC_CARD)")
@click.option("--resume", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="continue from the sampler saved in this run folder (Events/run_NN), into a new run folder")
@_integration_options
def integrate(proc_card: Path, run_card: Path | None, param_card: Path | None, nevents: int | None,
              seed: int | None, device: str, output: Path | None, accuracy: float | None, sampler: str | None,
              resume: Path | None, max_diagrams: int | None, threads: int | None) -> None:
    """Integrate the process of PROC_CARD and write unweighted LHE events.

    Prints σ ± δσ, writes Events/run_NN/unweighted_events.lhe.gz and results.json
    and madnis_checkpoint.pt (the sampler, for --resume and `madnis generate`).
    """
    from madnis_plugin.integrate import RunOptions

    options = RunOptions(nevents=nevents, seed=seed, device=device, output=output, rel_accuracy=accuracy,
                         sampler=sampler, resume=resume, threads=threads)
    _run_integration(proc_card, run_card, param_card, options, max_diagrams)


def _run_integration(proc_card: Path, run_card: Path | None, param_card: Path | None, options,
                     max_diagrams: int | None, check_process=None) -> None:
    """Build, (check,) run and summarise one integration; input errors are one line, status 2."""
    from madnis_plugin.events.leftovers import remove_own_unfinished
    from madnis_plugin.integrate import IntegrationRun
    from madnis_plugin.interrupt import exit_on_signals
    from madnis_plugin.process.limits import diagram_limit

    _check_device(options.device)
    process_dir = options.output or proc_card.parent
    with exit_on_signals(err_console):
        try:
            with diagram_limit(max_diagrams, progress=_diagram_progress):
                run = IntegrationRun.from_cards(proc_card, run_card, param_card, options)
            if check_process is not None:
                check_process(run.process)
            summary = run.run(console=console)
        except _user_errors() as err:
            remove_own_unfinished(process_dir)  # (the run removes its own; this covers the moment before)
            _fail(str(err))
        except BaseException:
            remove_own_unfinished(process_dir)
            raise
    _print_summary(str(proc_card), summary)


def _diagram_progress(text: str) -> None:
    err_console.print(text, highlight=False, soft_wrap=True)


def _check_device(device: str) -> None:
    if device == "cuda":
        from madnis_plugin.core import cuda_unavailable_reason

        reason = cuda_unavailable_reason()
        if reason:
            _fail(f"--device cuda: {reason}")


@main.command()
@click.argument("run_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--nevents", type=click.IntRange(min=1), required=True, help="unweighted events to generate")
@click.option("--seed", type=click.IntRange(min=0),
              help="random seed (default: a fresh one, never one the process folder used before)")
@click.option("--device", type=click.Choice(["cpu", "cuda"]),
              help="default: the trained run's device (the CPU where that GPU is not)")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path),
              help="process folder for Events/run_NN (default: the trained run's)")
@_threads_option
def generate(run_dir: Path, nevents: int, seed: int | None, device: str | None, output: Path | None,
             threads: int | None) -> None:
    """More unweighted events from the sampler saved in RUN_DIR, without training or integrating.

    RUN_DIR is a run folder of `madnis integrate` (Events/run_NN); the events go to a new
    run folder with the saved run's σ and maximum weights.
    """
    from madnis_plugin.integrate import generate as generate_events
    from madnis_plugin.interrupt import exit_on_signals

    if device:
        _check_device(device)
    from madnis_plugin.events.leftovers import remove_own_unfinished

    process_dir = output or run_dir.resolve().parent.parent  # where generate puts its run folder
    with exit_on_signals(err_console):
        try:
            seed = _generate_seed(seed, process_dir)
            summary = generate_events(run_dir, nevents, seed=seed, device=device, output=output, console=console,
                                      threads=threads)
        except _user_errors() as err:
            remove_own_unfinished(process_dir)
            _fail(str(err))
        except BaseException:
            remove_own_unfinished(process_dir)  # an unfinished run folder is not a record
            raise
    _print_summary(str(run_dir), summary)


def _generate_seed(seed: int | None, process_dir: Path) -> int:
    """The seed of a `madnis generate` run: as given, or fresh (never one the process folder
    used before); recorded in Events/used_seeds.txt like an integration's."""
    from madnis_plugin.events.run_dir import check_output_dir
    from madnis_plugin.seeds import record_seed, resolve_seed

    events = check_output_dir(process_dir)
    chosen = resolve_seed(seed, 0, events)
    record_seed(events, chosen, note="(madnis generate)")
    return chosen.value


def _print_summary(title: str, summary) -> None:
    table = Table(title=title, show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    table.add_row("cross section", f"{summary.cross_section_pb:.6g} ± {summary.error_pb:.2g} pb")
    table.add_row("χ²/dof of the iterations", f"{summary.chi2_dof:.2f}")
    table.add_row("unweighting efficiency", f"{summary.unweighting_efficiency:.3%}")
    table.add_row("unweighted events", f"{summary.n_events}")
    table.add_row("events file", str(summary.events_file))
    record = _results_of(summary)
    if record.get("seed") is not None:
        table.add_row("seed", str(record["seed"]))
    if record.get("threads") is not None:
        table.add_row("CPU threads", f"{record['threads']} ({record.get('threads_from', '')})")
    table.add_row("time", ", ".join(f"{k} {v:.1f} s" for k, v in summary.timings.items()))
    for text in getattr(summary, "warnings", []):
        table.add_row("[yellow]warning[/]", text)
    console.print(table)
    for text in getattr(summary, "warnings", []):
        err_console.print(f"[yellow]warning:[/] {text}", highlight=False, soft_wrap=True)


def _results_of(summary) -> dict:
    from madnis_plugin.events.run_dir import read_results

    try:
        return read_results(summary.run_dir)
    except (OSError, ValueError):
        return {}


@main.command()
@click.argument("proc_card", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-v", "--verbose", is_flag=True, help="print every diagram and channel topology")
@click.option("--max-diagrams", type=click.IntRange(min=1),
              help="stop with an error when the process has more diagrams than this (default: no limit)")
def diagrams(proc_card: Path, verbose: bool, max_diagrams: int | None) -> None:
    """Print the subprocesses of PROC_CARD with their diagram and channel counts."""
    from madnis_plugin.errors import CardError
    from madnis_plugin.process.limits import TooManyDiagrams
    from madnis_plugin.process.process import Process

    if not proc_card.is_file():
        _fail(f"{proc_card}: no such proc_card")
    try:
        proc = Process.from_card(proc_card, max_diagrams=max_diagrams)
    except (CardError, TooManyDiagrams) as err:
        _fail(str(err))
    table = Table(title=f"{proc_card} — model {proc.model.name}")
    for col in ("#", "subprocess", "flavours", "diagrams", "channels", "symmetry groups"):
        table.add_column(col, justify="left" if col in ("subprocess", "flavours") else "right")
    for sub in proc.subprocesses:
        infos = sub.channel_info
        names = [" ".join(proc.model.particle(p).name for p in f) for f in sub.flavours]
        table.add_row(str(sub.index + 1), sub.subprocess.process_string, "\n".join(names),
                      str(len(sub.diagrams)), str(len(infos)), str(len({c.symmetry_group for c in infos})))
    console.print(table)
    if verbose:
        for sub in proc.subprocesses:
            console.print(f"[bold]{sub.subprocess.process_string}[/]")
            channel_of = {c.diagram: c for c in sub.channel_info}
            for i, d in enumerate(sub.diagrams):
                console.print(f"  diagram {i + 1}: {d}", highlight=False)
                if i in channel_of:
                    console.print(f"    channel: {channel_of[i].topology}", highlight=False)


@main.command("pdf")
@click.option("--set", "set_name", default="NNPDF23_lo_as_0130_qed", show_default=True,
              help="PDF set name or LHAPDF ID")
@click.option("--member", default=0, show_default=True, help="member of the set")
@click.option("-x", "xs", multiple=True, type=float, help="momentum fraction (repeatable)")
@click.option("-q", "qs", multiple=True, type=float, help="scale Q in GeV (repeatable)")
@click.option("--pid", "pids", multiple=True, type=int, help="PDG id (repeatable; default: all in the set)")
@click.option("--list", "list_sets", is_flag=True, help="list the PDF sets found and where")
def pdf_command(set_name: str, member: int, xs: tuple[float, ...], qs: tuple[float, ...],
                pids: tuple[int, ...], list_sets: bool) -> None:
    """Print x·f(x, Q) and αs(Q) of a PDF set, as the core interpolates them."""
    import torch

    from madnis_plugin import pdf

    if list_sets:
        for folder in pdf.data_paths():
            names = sorted({p.name[:-9] for p in folder.glob("*_0000.dat")}
                           | {p.name for p in folder.iterdir() if (p / f"{p.name}.info").is_file()})
            console.print(f"[bold]{folder}[/]: {', '.join(names) or '(none)'}")
        return
    if not xs or not qs:
        _fail("give at least one -x and one -q (e.g. madnis pdf -x 0.01 -q 100)")
    try:
        pdf_set = pdf.load(int(set_name) if set_name.isdigit() else set_name, member)
        flavours = list(pids) or list(pdf_set.flavours)
        x = torch.tensor([a for a in xs for _ in qs], dtype=torch.float64)
        q = torch.tensor([b for _ in xs for b in qs], dtype=torch.float64)
        values = pdf_set.xfxQ_flavours(flavours, x, q)
        alphas = pdf_set.alphasQ(q)
    except (pdf.PDFError, ValueError, TypeError) as err:
        _fail(str(err))
    table = Table(title=f"x·f(x, Q) — {pdf_set.name} member {member} (LHAPDF ID {pdf_set.lhapdf_id})")
    table.add_column("x", justify="right")
    table.add_column("Q [GeV]", justify="right")
    for f in flavours:
        table.add_column(f"{_PDG_NAMES.get(f, f)} ({f})", justify="right")
    table.add_column("αs(Q)", justify="right")
    for i in range(len(x)):
        table.add_row(f"{x[i].item():.6g}", f"{q[i].item():.6g}",
                      *(f"{v:.6e}" for v in values[i].tolist()), f"{alphas[i].item():.6f}")
    console.print(table)


def _mg5_dir_arguments(command):
    """MG5_DIR and --python, shared by mg5-install and mg5-check."""
    command = click.option("--python", default="python3", show_default=True, help="the Python MG5 runs with")(command)
    return click.argument("mg5_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))(command)


@main.command("mg5-install")
@_mg5_dir_arguments
def mg5_install(mg5_dir: Path, python: str) -> None:
    """Link madnis into MG5_DIR/PLUGIN (for `output madnis DIR` in MG5) and check MG5 loads it."""
    from madnis_plugin.mg5.install import PluginError, install

    try:
        info = install(mg5_dir, python=python)
    except PluginError as err:
        _fail(str(err))
    console.print(f"installed: {info['link']} (MG5 {info['version']}: `output madnis DIR` available)",
                  highlight=False)


@main.command("mg5-check")
@_mg5_dir_arguments
def mg5_check(mg5_dir: Path, python: str) -> None:
    """Check that MG5 in MG5_DIR loads the madnis plugin (status 2 and the reason if not)."""
    from madnis_plugin.mg5.install import PluginError, check

    try:
        info = check(mg5_dir, python=python)
    except PluginError as err:
        _fail(str(err))
    console.print(f"ok: MG5 {info['version']} loads {info['link']}; output formats {info['new_output']}",
                  highlight=False)


@main.command("mg5-run")
@click.argument("process_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@_integration_options
def mg5_run(process_dir: Path, nevents: int | None, seed: int | None, device: str, accuracy: float | None,
            sampler: str | None, max_diagrams: int | None, threads: int | None) -> None:
    """Integrate a process folder written by MG5's `output madnis` (its bin/generate_events).

    Uses the folder's Cards/ and writes Events/run_NN there; stops if madnis's
    subprocesses differ from the ones MG5 generated.
    """
    import json

    from madnis_plugin.integrate import RunOptions
    from madnis_plugin.mg5 import folder
    from madnis_plugin.mg5.install import subprocess_mismatch

    marker = process_dir / folder.MARKER
    if not marker.is_file():
        _fail(f"{process_dir} is not a folder written by `output madnis` (no {folder.MARKER})")
    record = json.loads(marker.read_text())
    recorded = json.loads((process_dir / record["subprocesses"]).read_text())

    def same_subprocesses(process) -> None:
        difference = subprocess_mismatch(recorded, process)
        if difference:
            _fail(f"{process_dir}: madnis and MG5 expand the process differently ({difference})")

    options = RunOptions(nevents=nevents, seed=seed, device=device, output=process_dir, rel_accuracy=accuracy,
                         sampler=sampler, threads=threads)
    _run_integration(process_dir / record["proc_card"], None, None, options, max_diagrams,
                     check_process=same_subprocesses)


@main.command("mg5-run-card", hidden=True)
def mg5_run_card() -> None:
    """Print the run_card `output madnis` writes (called by the MG5 plugin)."""
    from madnis_plugin.cards.run_card import default_card_text

    click.echo(default_card_text(), nl=False)


if __name__ == "__main__":  # pragma: no cover
    main()
