"""`madnis integrate`: cards in; σ ± δσ, unweighted LHE events and results.json out.

    run = IntegrationRun.from_cards("processes/drell_yan/proc_card.dat", nevents=1000)
    summary = run.run()

Stages, each batched on one device:
1. cards → Process (subprocesses, diagrams, channels) and compiled matrix elements;
2. the sampler (sampling/protocol.py: multi-channel VEGAS, or MadNIS with RunOptions.sampler
   or the run_card's madnis_enable) prepares — VEGAS survey, or MadNIS pretraining and
   training — with checkpoints in the run folder;
3. the refine: σ from the frozen sampler, calls by variance, to the requested accuracy
   (sampling/refine.py), with the heavy-tail and accuracy warnings;
4. each channel's maximum weight from its refine weights (events/unweight.py);
5. events in blocks: channels drawn ∝ σ_c, unweighted, given flavours (∝ their luminosity
   terms, mirrored events z-reflected), colour flows and helicities (from the matrix
   element), shuffled (events/mixing.py) and streamed to
   Events/run_NN/unweighted_events.lhe.gz (atomically);
6. results.json with σ, δσ, efficiency, per-channel and per-subprocess parts (which add
   up to σ), warnings and timings.

The driver does not know which sampler it drives. Memory stays bounded by the batch
size whatever the number of events. A failure or interruption leaves no partial event
file. This module orchestrates; the physics is in integrand/, the sampling in
sampling/ and nis/, the output in events/.
"""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from madnis_plugin.cards.run_card import RunCard
from madnis_plugin.checkpoint import CheckpointError, checkpoint_path, load_checkpoint, save_checkpoint
from madnis_plugin.checks import check_cross_section, check_output_dir, start_run
from madnis_plugin.errors import CardError
from madnis_plugin.events.candidates import EventCandidates
from madnis_plugin.events.leftovers import mark_incomplete
from madnis_plugin.events.lhe import EventBatch, InitInfo, LHEWriter, ProcessInfo, Resonance, make_header
from madnis_plugin.events.mixing import concat, shuffled_order, take
from madnis_plugin.events.run_dir import EVENTS_FILE, RESULTS_FILE, new_run_dir, write_results
from madnis_plugin.events.unweight import ChannelMaxWeights, hit_or_miss
from madnis_plugin.integrand.build import build_integrands
from madnis_plugin.interrupt import Terminated
from madnis_plugin.process.process import Process
from madnis_plugin.sampling.estimate import KEEP_LARGEST, ChannelStats, IntegrationResult
from madnis_plugin.sampling.protocol import Progress, Sampler
from madnis_plugin.sampling.refine import RefineSettings, allocate
from madnis_plugin.sampling.vegas_sampler import SurveySettings, VegasSampler
from madnis_plugin.seeds import resolve_seed
from madnis_plugin.threads import choose_threads, use_threads


def default_accuracy(nevents: int) -> float:
    """The refine's default δσ/σ for a run of nevents events: 0.12/√N, within [0.05 %, 1 %].

    MG5 3.5.7's errors on the reference processes are 0.14-0.41 % for 10⁴ events and
    0.09-0.28 % for 2·10⁴ (tests/data/mg5/cross_sections.json), falling like 1/√N; 0.12/√N
    is at or below all of them (0.12 % for 10⁴ events)."""
    return min(max(0.12 / math.sqrt(max(nevents, 1)), 5e-4), 1e-2)


class ZeroCrossSection(RuntimeError):
    """No phase-space point passed the cuts (or every weight vanished)."""


@dataclass
class RunOptions:
    nevents: int | None = None  # None: the run_card's
    seed: int | None = None  # None: the run_card's iseed; 0 or iseed = 0: a fresh seed (seeds.py)
    device: str = "cpu"
    output: Path | None = None  # process folder holding Events/; default: beside the proc_card
    calls_per_iteration: int = 50_000  # survey iterations, and the refine's smallest iteration
    survey_iterations: int = 5
    min_calls_per_channel: int = 2000  # per survey iteration, so every channel's grid adapts
    rel_accuracy: float | None = None  # the refine's target δσ/σ; None: default_accuracy(nevents)
    min_iterations: int = 3
    max_calls_per_iteration: int = 1_000_000
    max_calls: int = 20_000_000  # the refine stops here, with a warning if short of the target
    batch_size: int = 50_000  # most points evaluated at once (survey, refine and unweighting): bounds memory
    events_per_block: int = 5000  # events shuffled together before they are written
    max_weight_eps: float = 1e-3
    max_weight_sample: int = KEEP_LARGEST  # largest refine weights kept per channel for its w_max
    sampler: str | None = None  # "vegas" or "madnis"; None: the run_card's madnis_enable
    resume: Path | None = None  # a run folder whose checkpoint the sampler continues from
    threads: int | None = None  # CPU threads (--threads); None: the run_card's nb_core, else the CPUs available


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
    warnings: list[str] = field(default_factory=list)


class IntegrationRun:
    def __init__(self, proc_card: Path, process: Process, run_card: RunCard, options: RunOptions,
                 matrix_element_of: Callable | None = None):
        self.proc_card = Path(proc_card)
        self.run_card = run_card
        self.options = options
        self.nevents = int(options.nevents if options.nevents is not None else run_card["nevents"])
        self.output_dir = Path(options.output or self.proc_card.parent)
        check_output_dir(self.output_dir)  # before anything is compiled or integrated
        # iseed = 0 and no seed: a fresh one (madnis_plugin/seeds.py); the banner records it
        self.seed_info = resolve_seed(options.seed, int(run_card["iseed"]), self.output_dir / "Events")
        self.seed = self.seed_info.value
        run_card = self.run_card = run_card.with_overrides(iseed=self.seed)
        self.device = torch.device(options.device)
        self.threads = choose_threads(options.threads, run_card["nb_core"])
        use_threads(self.threads)  # before the matrix elements are compiled and evaluated
        self.candidates: EventCandidates | None = None  # the refine's event candidates, used once
        self.refine_event_pool = 0  # events the refine's candidates gave
        self.sampler_name = options.sampler or ("madnis" if run_card["madnis_enable"] else "vegas")
        if options.resume is not None and options.sampler is None:  # the saved run's sampler
            self.sampler_name = load_checkpoint(options.resume).get("sampler", self.sampler_name)
        if self.sampler_name not in ("vegas", "madnis"):
            raise ValueError(f"unknown sampler '{self.sampler_name}' (expected vegas or madnis)")
        if matrix_element_of is None:
            from madnis_plugin.integrand.matrix_elements import SubprocessMatrixElement

            elements = process.matrix_elements(self.device)

            def matrix_element_of(sub):
                return SubprocessMatrixElement(elements[sub.index], str(run_card["floating_type"]))

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

    # --- the sampler ------------------------------------------------------------------

    def make_sampler(self) -> Sampler:
        """The run's sampler (sampling/protocol.py): multi-channel VEGAS or MadNIS."""
        o = self.options
        if self.sampler_name == "madnis":
            from madnis_plugin.nis.config import MadnisConfig
            from madnis_plugin.nis.sampler import MadnisSampler

            config = MadnisConfig.from_run_card(self.run_card)
            config.vegas_calls = o.calls_per_iteration
            return MadnisSampler(self.entries, self.process.sqrt_s**2, config, device=self.device, seed=self.seed,
                                 batch_size=o.batch_size)
        survey = SurveySettings(o.calls_per_iteration, o.survey_iterations, o.min_calls_per_channel)
        return VegasSampler([e.integrand for e in self.entries], survey, device=self.device, seed=self.seed,
                            batch_size=o.batch_size)

    def refine_settings(self) -> RefineSettings:
        o = self.options
        eps = o.rel_accuracy if o.rel_accuracy is not None else default_accuracy(self.nevents)
        return RefineSettings(rel_accuracy=eps, calls_per_iteration=o.calls_per_iteration,
                              max_calls_per_iteration=o.max_calls_per_iteration, min_iterations=o.min_iterations,
                              max_calls=o.max_calls, keep_largest=o.max_weight_sample,
                              batch_size=o.batch_size)

    def integrate(self, sampler: Sampler | None = None, progress: Progress | None = None,
                  checkpoint: Callable[[], None] | None = None
                  ) -> tuple[Sampler, IntegrationResult, list[ChannelStats], dict]:
        """Survey (or training), then the refine: (sampler, result, channel stats, figures)."""
        sampler = sampler or self.make_sampler()
        figures = sampler.prepare(progress, checkpoint)
        self.candidates = EventCandidates(len(self.entries), self.nevents, self.options.max_weight_eps, self.seed)
        result, stats = sampler.refine(self.refine_settings(), progress, self.candidates)
        check_cross_section(result.value, result.error)  # σ ≤ 0 stays a ZeroCrossSection below
        if not result.value > 0:
            raise ZeroCrossSection(
                f"the cross section is {result.value:g} pb: no phase-space point passed the cuts "
                "(check the run_card cuts and the beam energies)")
        return sampler, result, stats, figures

    def weighted_sample(self, sampler: Sampler, n: int, result: IntegrationResult):
        """Fresh weighted points of every channel, calls ∝ σ_c: yields (c, point, W) with
        mean(W over all points) estimating σ (for checks of the unweighted events)."""
        counts = allocate(n, np.maximum(np.array(result.channel_values), 0.0), sampler.active, 0.0)
        total = int(counts.sum())
        for c in np.flatnonzero(counts):
            point, w = sampler.weighted_points(int(c), int(counts[c]))
            yield int(c), point, w * (total / int(counts[c]))

    def max_weights(self, stats: list[ChannelStats]) -> ChannelMaxWeights:
        """Each channel's w_max from its refine weights (MG5 unweights channel by channel too)."""
        return ChannelMaxWeights.from_stats(stats, self.options.max_weight_eps)

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

    # --- events -----------------------------------------------------------------------

    def events(self, sampler: Sampler, w_max: ChannelMaxWeights, result: IntegrationResult, writer: LHEWriter,
               progress: Callable[[int], None] | None = None) -> int:
        """Write self.nevents unweighted events, a fair sample in every prefix.

        Blocks of events: the channel of each event is drawn ∝ its σ_c (multinomial), each
        channel's events come from hit-or-miss against its own w_max, and the block is
        shuffled before it is written. Events are made a subprocess at a time for all its
        channels (sampler.weighted_batches) and pooled per subprocess; each channel takes its
        first events from the pool (the surplus waits for later blocks: it is as fair a sample
        of the channel as fresh events, and which events are taken depends on their order, not
        their values). No loop over channels."""
        gen = torch.Generator(device=self.device).manual_seed(self.seed + 1)
        rng = np.random.default_rng(self.seed + 2)
        sigma = result.value
        shares = np.array([max(v, 0.0) if w is not None else 0.0
                           for v, w in zip(result.channel_values, w_max.per_channel, strict=True)])
        shares = shares / shares.sum()
        aqed = 1.0 / float(self.process.model.param("aEWM1"))
        pools = self._refine_events(sampler, w_max, sigma, aqed, gen)
        self.refine_event_pool = sum(len(b) for b in pools.values())
        written = 0
        while written < self.nevents:
            block = min(self.options.events_per_block, self.nevents - written)
            batches = self._block_events(sampler, rng.multinomial(block, shares), w_max, sigma, aqed, gen, pools)
            writer.write_interleaved(*shuffled_order(batches, gen))
            written += block
            if progress:
                progress(block)
        return written

    def _refine_events(self, sampler: Sampler, w_max: ChannelMaxWeights, sigma: float, aqed: float,
                       gen: torch.Generator) -> dict[int, EventBatch]:
        """Events from the refine's kept candidates (events/candidates.py), pooled per subprocess."""
        pools: dict[int, EventBatch] = {}
        candidates = self.candidates
        if candidates is None:
            return pools
        for c, m in enumerate(w_max.per_channel):
            kept = candidates.events(c, m, gen)
            if kept is None:
                continue
            r, rel = kept
            point = sampler.point_at(c, r)
            idx = torch.arange(r.shape[0], device=point.momenta.device)
            channel = torch.full((r.shape[0],), c, dtype=torch.int64, device=point.momenta.device)
            self._pool(pools, self._event_batch(channel, point, idx, rel * m.unit_weight(sigma), aqed, gen))
        self.candidates = None  # used once
        return pools

    def _pool(self, pools: dict[int, EventBatch], events: EventBatch) -> None:
        key = int(events.process_id)
        pools[key] = concat([pools[key], events]) if key in pools else events

    def _block_events(self, sampler: Sampler, counts: np.ndarray, w_max: ChannelMaxWeights, sigma: float,
                      aqed: float, gen: torch.Generator, pools: dict[int, EventBatch]) -> list[EventBatch]:
        """counts[c] unweighted events of every channel c: from the pools first, then fresh points."""
        device = self.device
        n_channels = len(counts)
        maxima = w_max.per_channel
        acceptance = np.array([m.acceptance if m is not None else 1.0 for m in maxima])
        w_max_of = torch.tensor([m.value if m is not None else math.inf for m in maxima], dtype=torch.float64,
                                device=device)
        unit_of = torch.tensor([m.unit_weight(sigma) if m is not None else 0.0 for m in maxima],
                               dtype=torch.float64, device=device)
        need = counts.astype(np.int64)
        out: list[EventBatch] = []
        while True:
            for key in list(pools):
                pool = pools.pop(key)
                channel = torch.as_tensor(pool.resonance_set, device=device)
                chosen = _first_of_each(channel, torch.from_numpy(need).to(device), n_channels)
                taken = torch.bincount(channel[chosen], minlength=n_channels).cpu().numpy()
                if taken.any():
                    out.append(take(pool, chosen.nonzero().squeeze(1)))
                    need -= taken
                rest = (~chosen).nonzero().squeeze(1)
                if rest.numel():
                    pools[key] = take(pool, rest)
            if not need.any():
                return out
            # enough points for the missing events at each channel's acceptance, plus a margin
            draw = np.where(need > 0, np.ceil(1.2 * need / np.maximum(acceptance, 1e-6)) + 64, 0).astype(np.int64)
            for channel, point, weights in sampler.weighted_batches(draw):
                keep, rel = hit_or_miss(weights, w_max_of[channel], gen)
                idx = keep.nonzero().squeeze(1)
                if idx.numel():
                    self._pool(pools, self._event_batch(channel, point, idx, rel[idx] * unit_of[channel[idx]],
                                                        aqed, gen))

    def _event_batch(self, channel: torch.Tensor, point, idx: torch.Tensor, weight: torch.Tensor, aqed: float,
                     gen: torch.Generator) -> EventBatch:
        """Events of the points idx of one subprocess's batch (channel [B]: each point's channel)."""
        entry = self.entries[int(channel[0])]
        sub = entry.subprocess
        integrand = entry.integrand
        momenta = point.momenta[idx]
        alpha_s = point.alpha_s[idx]
        terms = point.lumi_terms[idx]
        colour, helicity = integrand.matrix_element.sample_colour_helicity(momenta, alpha_s, gen)
        # Flavour assignment ∝ its luminosity term; mirrored ones are the z-reflected event.
        # (a PDF interpolated at x → 1 can dip below zero: such a flavour is never chosen)
        choice = torch.multinomial(terms.clamp_min(0), 1, generator=gen).squeeze(1)
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
                          resonance_set=channel[idx])

    # --- the whole run ---------------------------------------------------------------

    @staticmethod
    def _progress(console):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        return Progress(*columns, console=console, transient=False)

    @staticmethod
    def _stage_bars(bar) -> Progress:
        """A Progress callback that keeps one rich bar per stage."""
        tasks: dict[str, int] = {}

        def update(stage: str, done: int, total: int, text: str) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(text, total=total or None)
            bar.update(tasks[stage], completed=done, description=text, total=total or None)

        return update

    def _cards(self) -> dict[str, str]:
        return {"proc_card": str(self.proc_card.resolve()), "proc_card_text": self.proc_card.read_text(),
                "run_card": self.run_card.to_string(), "param_card": self.process.model.param_card().to_string()}

    def _save(self, run_dir: Path, sampler: Sampler, final: dict | None = None) -> None:
        save_checkpoint(checkpoint_path(run_dir), {
            "sampler": self.sampler_name, "state": sampler.state_dict(), "cards": self._cards(),
            "seed": self.seed, "device": str(self.device), "final": final})

    def _resume(self, sampler: Sampler) -> dict:
        """Load the checkpoint of options.resume into sampler, refusing one made for other cards."""
        state = load_checkpoint(self.options.resume)
        if state.get("sampler") != self.sampler_name:
            raise CheckpointError(f"{self.options.resume}: the checkpoint is of the {state.get('sampler')} "
                                  f"sampler, not {self.sampler_name}")
        changed = changed_cards(state["cards"], self._cards())
        if changed:
            raise CheckpointError(f"{self.options.resume}: the checkpoint was made for other cards ({changed}); "
                                  "start a new run instead of resuming")
        sampler.load_state_dict(state["state"])
        return state

    def run(self, console=None) -> Summary:
        timings = {}
        t0 = time.perf_counter()
        start_run(self.output_dir, self.seed_info, console)
        sampler = self.make_sampler()
        resumed = self._resume(sampler) if self.options.resume is not None else None
        run_dir = new_run_dir(self.output_dir)
        try:
            with self._progress(console) as bar:
                sampler, result, stats, figures = self.integrate(
                    sampler, self._stage_bars(bar), checkpoint=lambda: self._save(run_dir, sampler))
                timings["integration"] = time.perf_counter() - t0
                t1 = time.perf_counter()
                w_max = self.max_weights(stats)
                timings["max_weight"] = time.perf_counter() - t1
                self.sampler, self.result, self.w_max = sampler, result, w_max
                self._save(run_dir, sampler, {"result": result.as_dict(), "w_max": w_max.as_dict()})
                extra = {"sampler": self.sampler_name, ("training" if self.sampler_name == "madnis" else "survey"): figures}
                if resumed is not None:
                    extra["resumed_from"] = str(Path(self.options.resume).resolve())
                return self.write_run(run_dir, sampler, result, w_max, bar=bar, timings=timings, t0=t0,
                                      extra=extra)
        except BaseException as err:
            if any(p.name == RESULTS_FILE for p in run_dir.iterdir()):
                raise
            if isinstance(err, (KeyboardInterrupt, Terminated)) and self.sampler_name == "madnis" \
                    and checkpoint_path(run_dir).is_file():
                # an interrupted training is worth keeping: the folder says what it holds
                mark_incomplete(run_dir, f"interrupted ({type(err).__name__}) during the run")
            else:
                shutil.rmtree(run_dir, ignore_errors=True)
            raise

    def write_run(self, run_dir: Path, sampler: Sampler, result: IntegrationResult, w_max: ChannelMaxWeights, *,
                  console=None, bar=None, timings: dict | None = None, t0: float | None = None,
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
            ProcessInfo(xs, err, sigma, i + 1) for i, (xs, err) in enumerate(per_sub)])
        task2 = bar.add_task("unweighted events", total=self.nevents)
        with LHEWriter(events_path, init, header=header, resonances=self.resonances(),
                       bwcutoff=float(self.run_card["bwcutoff"])) as writer:
            n = self.events(sampler, w_max, result, writer, lambda k: bar.advance(task2, k))
        timings["unweighting"] = time.perf_counter() - t1
        channels = [
            {"subprocess": e.subprocess.subprocess.process_string, "channel": e.channel,
             "diagram": e.subprocess.channel_info[e.channel].diagram + 1,
             "cross_section_pb": v, "error_pb": err}
            for e, v, err in zip(self.entries, result.channel_values, result.channel_errors, strict=True)]
        timings["total"] = time.perf_counter() - t0
        shares = np.maximum(np.array(result.channel_values), 0.0) / sigma
        efficiency = w_max.efficiency(shares)
        write_results(run_dir, cross_section_pb=sigma, error_pb=result.error,
                      unweighting_efficiency=efficiency, n_events=n, events_file=events_path,
                      channels=channels, timings=timings,
                      extra={"chi2_dof": result.chi2_dof, "sampler": self.sampler_name,
                             "integrand_calls": result.n_calls, "refine_iterations": len(result.iterations),
                             "target_accuracy": result.target_accuracy,
                             "tail_sigma_share": result.tail_sigma_share,
                             "tail_variance_share": result.tail_variance_share,
                             "warnings": list(result.warnings),
                             "overweight_fraction": w_max.overweight_fraction(shares),
                             "refine_events_available": self.refine_event_pool,
                             "subprocesses": [{"subprocess": sub.subprocess.process_string,
                                               "cross_section_pb": xs, "error_pb": err}
                                              for sub, (xs, err) in zip(self.process.subprocesses, per_sub,
                                                                        strict=True)],
                             "seed": self.seed, "device": str(self.device),
                             "threads": self.threads.count, "threads_from": self.threads.source, **(extra or {})})
        return Summary(sigma, result.error, result.chi2_dof, efficiency, n, run_dir, events_path,
                       channels, timings, list(result.warnings))

    def _per_subprocess(self, result: IntegrationResult) -> list[tuple[float, float]]:
        """σ ± δσ per subprocess: sums of its channels' parts (so they add up to σ)."""
        out = [[0.0, 0.0] for _ in self.process.subprocesses]
        for e, v, err in zip(self.entries, result.channel_values, result.channel_errors, strict=True):
            out[e.subprocess.index][0] += v
            out[e.subprocess.index][1] += err * err
        return [(v, math.sqrt(e2)) for v, e2 in out]


# Run-card entries that do not change the physics a sampler was trained for.
_NOT_PHYSICS = {"nevents", "iseed", "run_tag", "madnis_steps", "madnis_enable", "use_syst", "event_norm",
                "nb_core", "floating_type"}


def _first_of_each(channel: torch.Tensor, need: torch.Tensor, n_channels: int) -> torch.Tensor:
    """Mask of the first need[c] entries of each channel c in `channel` (in order), on its device."""
    order = torch.sort(channel, stable=True).indices
    sorted_channel = channel[order]
    first = torch.searchsorted(sorted_channel, torch.arange(n_channels, device=channel.device))
    rank = torch.empty_like(order)
    rank[order] = torch.arange(channel.numel(), device=channel.device) - first[sorted_channel]
    return rank < need[channel]


def changed_cards(old: dict[str, str], new: dict[str, str]) -> str:
    """What differs between two runs' cards in a way that changes the integrand ('' if nothing)."""
    from madnis_plugin.cards.proc_card import ProcCard

    changes = []
    pa, pb = ProcCard.from_string(old["proc_card_text"]), ProcCard.from_string(new["proc_card_text"])
    if [str(p) for p in pa.processes] != [str(p) for p in pb.processes] or pa.model != pb.model:
        changes.append("the process or model of the proc_card")
    a, b = RunCard.from_string(old["run_card"]).as_dict(), RunCard.from_string(new["run_card"]).as_dict()
    for key in sorted(set(a) | set(b)):
        if key not in _NOT_PHYSICS and a.get(key) != b.get(key):
            changes.append(f"run_card {key}: {a.get(key)} -> {b.get(key)}")
    va, vb = _param_values(old["param_card"]), _param_values(new["param_card"])
    for key in sorted(set(va) | set(vb), key=str):
        if va.get(key) != vb.get(key):
            changes.append(f"param_card {key[0]} {' '.join(map(str, key[1]))}: {va.get(key)} -> {vb.get(key)}")
    return "; ".join(changes)


def _param_values(text: str) -> dict:
    from madnis_plugin.models.param_card import ParamCard

    card = ParamCard.parse(text)
    out = {(name, idx): e.value for name, block in card.blocks.items() for idx, e in block.entries.items()}
    out.update({("decay", (pdg,)): d.width for pdg, d in card.decays.items()})
    return out


def _saved_device(device: str) -> str:
    """The device a saved run trained on, or the CPU where that GPU is not (a CUDA run generating
    on a laptop): the saved sampler is the same on both."""
    from madnis_plugin.core import cuda_available

    return "cpu" if torch.device(device).type == "cuda" and not cuda_available() else device


def generate(run_dir: str | Path, nevents: int, *, seed: int | None = None, device: str | None = None,
             output: Path | None = None, matrix_element_of: Callable | None = None, console=None,
             threads: int | None = None) -> Summary:
    """Unweighted events from the sampler saved in `run_dir`, into a new run folder, with no
    training and no integration (σ and the maximum weights are the saved run's)."""
    from madnis_plugin.models.param_card import ParamCard

    run_dir = Path(run_dir)
    state = load_checkpoint(run_dir)
    if state.get("final") is None:
        raise CheckpointError(f"{run_dir}: the run did not finish; continue it with "
                              f"`madnis integrate PROC_CARD --resume {run_dir}`")
    cards = state["cards"]
    proc_card = Path(cards["proc_card"])
    if not proc_card.is_file():
        raise CheckpointError(f"{proc_card}: the proc_card of the saved run is gone")
    process = Process.from_card(proc_card)
    process.model.set_param_card(ParamCard.parse(cards["param_card"]))
    run_card = RunCard.from_string(cards["run_card"], path=str(run_dir / "run_card (checkpoint)"))
    # A new seed by default: new events, not the saved run's again.
    seed = seed if seed is not None else int(state["seed"]) + 7919 * (1 + len(list(run_dir.parent.iterdir())))
    options = RunOptions(nevents=nevents, seed=seed, device=device or _saved_device(state["device"]),
                         output=output or run_dir.parent.parent, sampler=state["sampler"], threads=threads)
    run = IntegrationRun(proc_card, process, run_card.with_overrides(nevents=nevents), options, matrix_element_of)
    changed = changed_cards(cards, run._cards())
    if changed:
        raise CheckpointError(f"{run_dir}: the proc_card changed since the run ({changed})")
    sampler = run.make_sampler()
    if state["sampler"] == "madnis":
        sampler.load_state_dict(state["state"], restore_config=True)
        sampler.integrator.generator.manual_seed(run.seed)
    else:
        sampler.load_state_dict(state["state"])
        sampler.vegas.generator.manual_seed(run.seed)
    result = IntegrationResult.from_dict(state["final"]["result"])
    w_max = ChannelMaxWeights.from_dict(state["final"]["w_max"])
    out_dir = new_run_dir(options.output)
    return run.write_run(out_dir, sampler, result, w_max, console=console,
                         extra={"sampler": state["sampler"], "generated_from": str(run_dir.resolve()),
                                "checkpoint": str(checkpoint_path(run_dir).resolve())})
