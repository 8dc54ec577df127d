"""`madnis integrate`: cards in; σ ± δσ, unweighted LHE events and results.json out.

    run = IntegrationRun.from_cards("processes/drell_yan/proc_card.dat", nevents=1000)
    summary = run.run()

Stages, each batched on one device:
1. cards → Process (subprocesses, diagrams, channels) and compiled matrix elements;
2. multi-channel VEGAS over every (subprocess, channel) integrand until the requested
   accuracy (σ ± δσ, χ²/dof) — or, with the MadNIS sampler (RunOptions.sampler or the
   run_card's madnis_enable), VEGAS pretraining, flow and channel-weight training with
   checkpoints in the run folder (madnis_plugin.nis), then σ from fresh samples and
   the later training batches;
3. a weighted sample sets the maximum weight (madnis_plugin.events.unweight);
4. events are drawn batch by batch, unweighted, given flavours (∝ their luminosity
   terms, mirrored events z-reflected), colour flows and helicities (from the matrix
   element), and streamed to Events/run_NN/unweighted_events.lhe.gz (atomically);
5. results.json with σ, δσ, efficiency, per-channel contributions and timings.

Memory stays bounded by the batch size whatever the number of events. A failure or
interruption leaves no partial event file. This module orchestrates; the physics
is in integrand/, the sampling in sampling/, the output in events/.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from madnis_plugin.cards.run_card import RunCard
from madnis_plugin.errors import CardError
from madnis_plugin.events.lhe import EventBatch, InitInfo, LHEWriter, ProcessInfo, Resonance, make_header
from madnis_plugin.events.run_dir import EVENTS_FILE, new_run_dir, write_results
from madnis_plugin.events.unweight import MaxWeight, unweight
from madnis_plugin.integrand.build import build_integrands
from madnis_plugin.process.process import Process
from madnis_plugin.sampling.vegas_multichannel import MultiChannelVegas, VegasResult


class ZeroCrossSection(RuntimeError):
    """No phase-space point passed the cuts (or every weight vanished)."""


@dataclass
class RunOptions:
    nevents: int | None = None  # None: the run_card's
    seed: int | None = None  # None: the run_card's iseed (0 → 1)
    device: str = "cpu"
    output: Path | None = None  # process folder holding Events/; default: beside the proc_card
    calls_per_iteration: int = 20_000
    warmup_iterations: int = 3
    max_iterations: int = 10
    rel_accuracy: float = 0.005
    batch_size: int = 50_000
    max_weight_eps: float = 1e-3
    sampler: str | None = None  # "vegas" or "madnis"; None: the run_card's madnis_enable
    resume: Path | None = None  # a MadNIS run folder whose checkpoint training continues from


@dataclass
class Summary:
    cross_section_pb: float
    error_pb: float
    chi2_dof: float
    unweighting_efficiency: float
    n_events: int
    run_dir: Path
    events_file: Path
    channels: list[dict] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


class IntegrationRun:
    def __init__(self, proc_card: Path, process: Process, run_card: RunCard, options: RunOptions,
                 matrix_element_of: Callable | None = None):
        self.proc_card = Path(proc_card)
        self.run_card = run_card
        self.options = options
        self.nevents = int(options.nevents if options.nevents is not None else run_card["nevents"])
        seed = options.seed if options.seed is not None else int(run_card["iseed"])
        self.seed = seed if seed > 0 else 1
        self.device = torch.device(options.device)
        self.sampler_name = options.sampler or ("madnis" if run_card["madnis_enable"] else "vegas")
        if self.sampler_name not in ("vegas", "madnis"):
            raise ValueError(f"unknown sampler '{self.sampler_name}' (expected vegas or madnis)")
        if options.resume is not None and self.sampler_name != "madnis":
            raise ValueError("--resume continues a MadNIS training: use it with the madnis sampler")
        if matrix_element_of is None:
            from madnis_plugin.integrand.matrix_elements import SubprocessMatrixElement

            elements = process.matrix_elements(self.device)

            def matrix_element_of(sub):
                return SubprocessMatrixElement(elements[sub.index])

        self.entries, self.process = build_integrands(process, run_card, matrix_element_of)

    @classmethod
    def from_cards(cls, proc_card: str | Path, run_card: str | Path | None = None,
                   param_card: str | Path | None = None, options: RunOptions | None = None,
                   **overrides) -> IntegrationRun:
        """Cards beside the proc_card (run_card.dat, param_card.dat) are used unless given."""
        proc_card = Path(proc_card)
        if not proc_card.is_file():
            raise CardError(str(proc_card), None, "no such proc_card")
        beside = proc_card.parent / "run_card.dat"
        if run_card is None and beside.is_file():
            run_card = beside
        card = RunCard.from_file(run_card) if run_card else RunCard.default()
        options = options or RunOptions(**overrides)
        if options.nevents is not None:
            card = card.with_overrides(nevents=options.nevents)
        process = Process.from_card(proc_card, param_card=param_card)
        return cls(proc_card, process, card, options)

    # --- stages ----------------------------------------------------------------------

    def integrate(self, progress: Callable | None = None) -> tuple[MultiChannelVegas, VegasResult]:
        o = self.options
        sampler = MultiChannelVegas([e.integrand for e in self.entries], device=self.device, seed=self.seed)
        result = sampler.integrate(o.calls_per_iteration, warmup=o.warmup_iterations,
                                   max_iterations=o.max_iterations, rel_accuracy=o.rel_accuracy,
                                   progress=progress)
        if not result.value > 0:
            raise ZeroCrossSection(
                f"the cross section is {result.value:g} pb: no phase-space point passed the cuts "
                "(check the run_card cuts and the beam energies)")
        return sampler, result

    def _draw(self, sampler: MultiChannelVegas, n: int):
        """Weighted points from every channel, calls ∝ the channels' integrals.
        Yields (entry, point, W) with mean(W over all) estimating σ."""
        counts = sampler.allocate(n, by=sampler.means)
        total = int(counts.sum())
        for c, m in enumerate(counts):
            if m == 0:  # a channel MadNIS dropped
                continue
            if hasattr(sampler, "weighted_points"):  # MadNIS: learned α_c(x) and flow density
                point, w = sampler.weighted_points(c, int(m))
            else:
                _, r, jac = sampler.draw(c, int(m))
                point = self.entries[c].integrand.evaluate(r)
                w = point.weight * jac
            yield c, point, w * (total / int(m))

    def max_weight(self, sampler: MultiChannelVegas, n: int) -> MaxWeight:
        weights = torch.cat([w for _, _, w in self._draw(sampler, n)])
        if not bool(torch.all(torch.isfinite(weights))):
            raise FloatingPointError("the integrand returned NaN or infinite weights "
                                     "(check the param_card: masses, widths, couplings)")
        return MaxWeight.estimate(weights, self.options.max_weight_eps)

    def resonances(self) -> dict[int, list[Resonance]]:
        """Per channel: the massive s-channel propagators of its diagram that are decays.

        A propagator whose particle reappears among its own daughters (t* → t g) is
        radiation off a final-state line, not a resonance decay, and is not written."""
        out = {}
        model = self.process.model
        for c, entry in enumerate(self.entries):
            sub = entry.subprocess
            diagram = sub.diagrams[sub.channel_info[entry.channel].diagram]
            out[c] = [
                Resonance(p.pdg, tuple(p.legs), float(abs(model.param(p.mass))), float(abs(model.param(p.width))))
                for p in diagram.s_channels
                if p.width != "ZERO" and p.mass != "ZERO"
                and not any(abs(sub.pdg_ids[leg]) == abs(p.pdg) for leg in p.legs)
            ]
        return out

    def events(self, sampler: MultiChannelVegas, w_max: MaxWeight, sigma: float, writer: LHEWriter,
               progress: Callable[[int], None] | None = None) -> int:
        gen = torch.Generator(device=self.device).manual_seed(self.seed + 1)
        unit = w_max.unit_weight(sigma)
        aqed = 1.0 / float(self.process.model.param("aEWM1"))
        written = 0
        while written < self.nevents:
            for c, point, weights in self._draw(sampler, self.options.batch_size):
                kept = unweight(weights, w_max, gen)
                if kept.n_kept == 0:
                    continue
                idx = kept.keep.nonzero().squeeze(1)[: self.nevents - written]
                batch = self._event_batch(c, point, idx, kept.weight[idx] * unit, aqed, gen)
                writer.write(batch)
                written += len(idx)
                if progress:
                    progress(len(idx))
                if written >= self.nevents:
                    break
        return written

    def _event_batch(self, c: int, point, idx: torch.Tensor, weight: torch.Tensor, aqed: float,
                     gen: torch.Generator) -> EventBatch:
        entry = self.entries[c]
        sub = entry.subprocess
        integrand = entry.integrand
        momenta = point.momenta[idx]
        alpha_s = point.alpha_s[idx]
        terms = point.lumi_terms[idx]
        colour, helicity = integrand.matrix_element.sample_colour_helicity(momenta, alpha_s, gen)
        # Flavour assignment ∝ its luminosity term; mirrored ones are the z-reflected event.
        choice = torch.multinomial(terms, 1, generator=gen).squeeze(1)
        flavours = torch.tensor(sub.flavours, dtype=torch.int64, device=momenta.device)
        mirrored = torch.tensor(sub.mirrored, device=momenta.device)[choice]
        pdg = flavours[choice]
        reflected = momenta.clone()
        reflected[..., 3] = -reflected[..., 3]
        swap = torch.arange(momenta.shape[1], device=momenta.device)
        swap[0], swap[1] = 1, 0
        m = mirrored[:, None, None]
        momenta = torch.where(m, reflected[:, swap], momenta)
        colour = torch.where(m, colour[:, swap], colour)
        helicity = torch.where(mirrored[:, None], helicity[:, swap], helicity)
        return EventBatch(momenta=momenta, pdg=pdg, colour=colour, weight=weight, scale=point.mu_f1[idx],
                          aqcd=alpha_s, aqed=aqed, process_id=sub.index + 1, helicity=helicity,
                          resonance_set=c)

    # --- the whole run ---------------------------------------------------------------

    @staticmethod
    def _progress(console):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        return Progress(*columns, console=console, transient=False)

    def _integrate_vegas(self, bar) -> tuple[MultiChannelVegas, VegasResult, dict]:
        n_iter = self.options.warmup_iterations + self.options.max_iterations
        task = bar.add_task("VEGAS iterations", total=n_iter)
        calls = []

        def step(k, est, combined):
            calls.append(est.n_calls)
            text = f"VEGAS: σ = {est.value:.5g} ± {est.error:.2g} pb"
            if combined is not None:
                text = f"VEGAS: σ = {combined.value:.5g} ± {combined.error:.2g} pb (χ²/dof {combined.chi2_dof:.2f})"
            bar.update(task, completed=k + 1, description=text)

        sampler, result = self.integrate(step)
        return sampler, result, {"iterations": len(calls), "integrand_calls": sum(calls)}

    def _train_madnis(self, bar):
        from madnis_plugin.nis.driver import train_and_integrate

        steps = int(self.run_card["madnis_steps"])
        task = bar.add_task("MadNIS training", total=steps)

        def on_step(record):
            bar.update(task, completed=record["step"] + 1,
                       description=f"MadNIS training: loss {record['loss']:.4g}, σ ≈ {record['integral']:.5g} pb")

        task2 = bar.add_task("MadNIS integration", total=self.options.max_iterations)

        def on_iteration(k, est, combined):
            bar.update(task2, completed=k + 1, description=f"MadNIS: σ = {combined.value:.5g} ± "
                       f"{combined.error:.2g} pb (χ²/dof {combined.chi2_dof:.2f})")

        return train_and_integrate(self, on_step=on_step, on_iteration=on_iteration)

    def run(self, console=None) -> Summary:
        timings = {}
        t0 = time.perf_counter()
        run_dir = None
        with self._progress(console) as bar:
            if self.sampler_name == "madnis":
                run_dir, sampler, result, training = self._train_madnis(bar)
                timings["training"] = training["wall_time_s"]
                timings["integration"] = training["integration_time_s"]
            else:
                sampler, result, training = self._integrate_vegas(bar)
                timings["integration"] = time.perf_counter() - t0
            self.sampler, self.result = sampler, result
            t1 = time.perf_counter()
            w_max = self.max_weight(sampler, max(2 * self.options.batch_size, 50_000))
            self.w_max = w_max
            if self.sampler_name == "madnis":
                from madnis_plugin.nis.driver import finish

                finish(self, run_dir, sampler, result, w_max)
            timings["max_weight"] = time.perf_counter() - t1
            run_dir = run_dir or new_run_dir(self.options.output or self.proc_card.parent)
            return self.write_run(run_dir, sampler, result, w_max, bar=bar, timings=timings, t0=t0,
                                  extra={"sampler": self.sampler_name, "training": training})

    def write_run(self, run_dir: Path, sampler, result: VegasResult, w_max: MaxWeight, *, console=None,
                  bar=None, timings: dict | None = None, t0: float | None = None,
                  extra: dict | None = None) -> Summary:
        """Unweighted events of an integrated sampler into run_dir: the LHE file and results.json."""
        if bar is None:
            with self._progress(console) as progress:
                return self.write_run(run_dir, sampler, result, w_max, bar=progress, timings=timings, t0=t0,
                                      extra=extra)
        timings = dict(timings or {})
        t0 = time.perf_counter() if t0 is None else t0
        t1 = time.perf_counter()
        sigma = result.value
        events_path = run_dir / EVENTS_FILE
        header = make_header(self.proc_card, self.run_card, self.process.model.param_card(),
                             generation_info={"Number of Events": self.nevents,
                                              "Integrated weight (pb)": sigma})
        per_sub = self._per_subprocess(result)
        init = InitInfo.from_run_card(self.run_card, [
            ProcessInfo(xs, err, w_max.unit_weight(sigma), i + 1) for i, (xs, err) in enumerate(per_sub)])
        task2 = bar.add_task("unweighted events", total=self.nevents)
        with LHEWriter(events_path, init, header=header, resonances=self.resonances(),
                       bwcutoff=float(self.run_card["bwcutoff"])) as writer:
            n = self.events(sampler, w_max, sigma, writer, lambda k: bar.advance(task2, k))
        timings["unweighting"] = time.perf_counter() - t1
        channels = [
            {"subprocess": e.subprocess.subprocess.process_string, "channel": e.channel,
             "diagram": e.subprocess.channel_info[e.channel].diagram + 1,
             "cross_section_pb": v, "error_pb": err}
            for e, v, err in zip(self.entries, *self._channel_values(result), strict=True)]
        timings["total"] = time.perf_counter() - t0
        write_results(run_dir, cross_section_pb=sigma, error_pb=result.error,
                      unweighting_efficiency=w_max.efficiency, n_events=n, events_file=events_path,
                      channels=channels, timings=timings,
                      extra={"chi2_dof": result.chi2_dof, "sampler": self.sampler_name,
                             "overweight_fraction": w_max.overweight_fraction,
                             "seed": self.seed, "device": str(self.device), **(extra or {})})
        return Summary(sigma, result.error, result.chi2_dof, w_max.efficiency, n, run_dir, events_path,
                       channels, timings)

    @staticmethod
    def _channel_values(result: VegasResult) -> tuple[list[float], list[float]]:
        """Per-channel σ and δσ: inverse-variance combination over the kept iterations."""
        its = result.iterations
        values, errors = [], []
        for c in range(len(its[0].channel_values)):
            w = [1 / e.channel_errors[c] ** 2 if e.channel_errors[c] > 0 else 0.0 for e in its]
            if sum(w) == 0:
                values.append(sum(e.channel_values[c] for e in its) / len(its))
                errors.append(0.0)
            else:
                values.append(sum(wi * e.channel_values[c] for wi, e in zip(w, its)) / sum(w))
                errors.append(1 / math.sqrt(sum(w)))
        return values, errors

    def _per_subprocess(self, result: VegasResult) -> list[tuple[float, float]]:
        values, errors = self._channel_values(result)
        out = [[0.0, 0.0] for _ in self.process.subprocesses]
        for e, v, err in zip(self.entries, values, errors, strict=True):
            out[e.subprocess.index][0] += v
            out[e.subprocess.index][1] += err * err
        return [(v, math.sqrt(e2)) for v, e2 in out]
