"""MadNIS inside `madnis integrate` and `madnis generate`: the glue to runs, folders and cards.

- `nis_channels(entries, s)`: the run's channel integrands as MadNIS channels (α groups
  = subprocesses, shared flows = symmetry groups, features from the momenta);
- `train_and_integrate(run, ...)`: VEGAS pretraining, training with checkpoints in the
  run folder (or resuming from one), then σ from fresh samples combined with the
  later training batches;
- `finish(...)`: the final checkpoint, with σ and w_max, from which
- `generate(run_dir, nevents)` writes more unweighted events without any training.

The checkpoint (checkpoint.py) carries the proc_card path and the run_card and
param_card texts, so `generate` rebuilds the same integrand. This module decides
nothing about sampling; the integrator does.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from madnis_plugin.events.run_dir import new_run_dir
from madnis_plugin.events.unweight import MaxWeight
from madnis_plugin.nis.checkpoint import CheckpointError, checkpoint_path, load_checkpoint, save_checkpoint
from madnis_plugin.nis.config import MadnisConfig
from madnis_plugin.nis.features import physics_features
from madnis_plugin.nis.integrator import MadnisIntegrator, NisChannel
from madnis_plugin.sampling.vegas_multichannel import Estimate, VegasResult

if TYPE_CHECKING:
    from madnis_plugin.integrate import IntegrationRun, Summary


def nis_channels(entries: list, s_collider: float) -> list[NisChannel]:
    """One NisChannel per `ChannelEntry` of a run (madnis_plugin.integrand.build)."""

    def features(point):
        return physics_features(point.momenta, point.x1, point.x2, s_collider)

    out = []
    for e in entries:
        sub = e.subprocess
        group = sub.channel_info[e.channel].symmetry_group
        out.append(NisChannel(e.integrand, sub.index, e.integrand.channel_index, (sub.index, group), features))
    return out


def make_integrator(run: IntegrationRun, config: MadnisConfig | None = None) -> MadnisIntegrator:
    config = config or MadnisConfig.from_run_card(run.run_card)
    config.vegas_calls = run.options.calls_per_iteration
    return MadnisIntegrator(nis_channels(run.entries, run.process.sqrt_s**2), config, device=run.device,
                            seed=run.seed)


def _cards(run: IntegrationRun) -> dict[str, str]:
    return {"proc_card": str(run.proc_card.resolve()), "run_card": run.run_card.to_string(),
            "param_card": run.process.model.param_card().to_string()}


def _state(run: IntegrationRun, integrator: MadnisIntegrator, final: dict | None = None) -> dict[str, Any]:
    return {"trainer": integrator.state_dict(), "cards": _cards(run), "seed": run.seed,
            "device": str(run.device), "final": final}


def train_and_integrate(run: IntegrationRun, *, on_step: Callable[[dict], None] | None = None,
                        on_iteration: Callable[[int, Estimate, VegasResult], None] | None = None
                        ) -> tuple[Path, MadnisIntegrator, VegasResult, dict]:
    """Train (or resume) and integrate; returns (run folder, integrator, result, training figures)."""
    o = run.options
    integrator = make_integrator(run)
    resumed_from = None
    if o.resume is not None:
        run_dir = Path(o.resume)
        integrator.load_state_dict(load_checkpoint(run_dir)["trainer"])
        resumed_from = integrator.step
    else:
        run_dir = new_run_dir(o.output or run.proc_card.parent)
    path = checkpoint_path(run_dir)
    t0 = time.perf_counter()
    if not integrator.pretrained:
        integrator.pretrain()
        integrator.train_seconds += time.perf_counter() - t0
    integrator.train(progress=on_step, checkpoint=lambda: save_checkpoint(path, _state(run, integrator)))
    save_checkpoint(path, _state(run, integrator))
    t1 = time.perf_counter()
    result = integrator.integrate(o.calls_per_iteration, iterations=o.max_iterations, min_iterations=3,
                                  rel_accuracy=o.rel_accuracy, with_training=True,
                                  progress=on_iteration)
    if not result.value > 0:
        from madnis_plugin.integrate import ZeroCrossSection

        raise ZeroCrossSection(f"the cross section is {result.value:g} pb: no phase-space point passed the cuts "
                               "(check the run_card cuts and the beam energies)")
    trained = integrator.training_estimates(o.calls_per_iteration)
    cfg = integrator.config
    training = {
        "online_steps": integrator.step,
        "buffered_steps": integrator.optimizer_steps - integrator.step,
        "integrand_calls": integrator.n_calls,
        "pretraining_calls": integrator.pretrain_calls,
        "integration_calls": sum(e.n_calls for e in result.iterations) - sum(e.n_calls for e in trained),
        "training_calls_in_estimate": sum(e.n_calls for e in trained),
        "wall_time_s": integrator.train_seconds,
        "integration_time_s": time.perf_counter() - t1,
        "final_loss": integrator.final_loss,
        "loss": cfg.loss,
        "channel_weights": cfg.channel_weights,
        "dropped_channels": [int(c) for c in (~integrator.active).nonzero()[0]],
        "resumed_from_step": resumed_from,
        "checkpoint": path.name,
    }
    return run_dir, integrator, result, training


def _result_state(result: VegasResult) -> dict:
    return {"value": result.value, "error": result.error, "chi2_dof": result.chi2_dof,
            "iterations": [dataclasses.asdict(e) for e in result.iterations]}


def _result_from_state(state: dict) -> VegasResult:
    return VegasResult(state["value"], state["error"], state["chi2_dof"],
                       [Estimate(**e) for e in state["iterations"]])


def finish(run: IntegrationRun, run_dir: Path, integrator: MadnisIntegrator, result: VegasResult,
           w_max: MaxWeight) -> None:
    """The final checkpoint: the trained sampler with σ and w_max, what `generate` needs."""
    final = {"result": _result_state(result), "w_max": dataclasses.asdict(w_max)}
    save_checkpoint(checkpoint_path(run_dir), _state(run, integrator, final))


def generate(run_dir: str | Path, nevents: int, *, seed: int | None = None, device: str | None = None,
             output: Path | None = None, matrix_element_of: Callable | None = None, console=None) -> Summary:
    """Unweighted events from the trained sampler of `run_dir`, into a new run folder, with no
    training and no integration (σ and w_max are the trained run's)."""
    from madnis_plugin.cards.run_card import RunCard
    from madnis_plugin.integrate import IntegrationRun, RunOptions
    from madnis_plugin.models.param_card import ParamCard
    from madnis_plugin.process.process import Process

    run_dir = Path(run_dir)
    state = load_checkpoint(run_dir)
    if state.get("final") is None:
        raise CheckpointError(f"{run_dir}: training did not finish; continue it with "
                           f"`madnis integrate PROC_CARD --resume {run_dir}`")
    cards = state["cards"]
    proc_card = Path(cards["proc_card"])
    if not proc_card.is_file():
        raise CheckpointError(f"{proc_card}: the proc_card of the trained run is gone")
    process = Process.from_card(proc_card)
    process.model.set_param_card(ParamCard.parse(cards["param_card"]))
    run_card = RunCard.from_string(cards["run_card"], path=str(run_dir / "run_card (checkpoint)"))
    # A new seed by default: new events, not the trained run's again.
    seed = seed if seed is not None else int(state["seed"]) + 7919 * (1 + len(list(run_dir.parent.iterdir())))
    options = RunOptions(nevents=nevents, seed=seed, device=device or state["device"],
                         output=output or run_dir.parent.parent, sampler="madnis")
    run = IntegrationRun(proc_card, process, run_card.with_overrides(nevents=nevents), options, matrix_element_of)
    integrator = make_integrator(run, MadnisConfig.from_dict(state["trainer"]["config"]))
    integrator.load_state_dict(state["trainer"], restore_config=True)
    integrator.generator.manual_seed(run.seed)
    result = _result_from_state(state["final"]["result"])
    w_max = MaxWeight(**state["final"]["w_max"])
    out_dir = new_run_dir(options.output)
    return run.write_run(out_dir, integrator, result, w_max, console=console,
                         extra={"sampler": "madnis", "generated_from": str(run_dir.resolve()),
                                "training": None})
