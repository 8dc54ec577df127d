"""Events of many channels in one random order, so that every prefix of a file is a fair sample.

Unweighted events are made channel by channel (each channel its own batch of tensors).
Written in that order, a file read up to any point but its end would hold the channels
in the wrong proportions. :func:`shuffled_order` concatenates a block's batches and
permutes them with a seeded generator; batches with different numbers of legs (processes
of different multiplicity) cannot share tensors, so it returns one batch per multiplicity
and the permuted order as (batch, position) pairs, which the LHE writer follows.
:func:`shuffled` cuts that order into runs of one multiplicity instead.

This module moves events around; it neither makes nor writes them.
"""

from __future__ import annotations

import dataclasses
import itertools

import torch

from madnis_plugin.events.lhe import EventBatch

__all__ = ["concat", "shuffled", "shuffled_order", "take"]

_PER_LEG = ("pdg", "helicity", "masses")  # [B, n] or [n]
_PER_EVENT = ("weight", "scale", "aqcd", "aqed", "process_id", "resonance_set")  # [B] or scalar


def _full(value, shape: tuple[int, ...], device, dtype=None) -> torch.Tensor:
    t = torch.as_tensor(value, device=device, dtype=dtype)
    return t.expand(shape).clone() if tuple(t.shape) != shape else t


def _expanded(b: EventBatch) -> dict:
    n_ev, n_leg = b.momenta.shape[0], b.momenta.shape[1]
    dev = b.momenta.device
    out = {"momenta": b.momenta, "colour": _full(b.colour, (n_ev, n_leg, 2), dev)}
    for name in _PER_LEG:
        v = getattr(b, name)
        out[name] = None if v is None else _full(v, (n_ev, n_leg), dev)
    for name in _PER_EVENT:
        v = getattr(b, name)
        if v is None:
            out[name] = None
        else:
            dtype = torch.float64 if name in ("weight", "scale", "aqcd", "aqed") else torch.int64
            out[name] = _full(v, (n_ev,), dev, dtype)
    return out


def concat(batches: list[EventBatch]) -> EventBatch:
    """One batch of all events (same number of legs; a field None in one must be None in all)."""
    parts = [_expanded(b) for b in batches]
    fields = {}
    for f in dataclasses.fields(EventBatch):
        values = [p[f.name] for p in parts]
        if any(v is None for v in values):
            if not all(v is None for v in values):
                raise ValueError(f"cannot concatenate events: '{f.name}' is missing in some batches")
            fields[f.name] = None
        else:
            fields[f.name] = torch.cat(values)
    return EventBatch(**fields)


def take(b: EventBatch, idx: torch.Tensor | slice) -> EventBatch:
    """The events idx of a batch (an index tensor or a slice)."""
    fields = _expanded(b)
    return EventBatch(**{name: None if v is None else v[idx] for name, v in fields.items()})


def shuffled_order(batches: list[EventBatch], generator: torch.Generator
                   ) -> tuple[list[EventBatch], torch.Tensor, torch.Tensor]:
    """The events of all batches in a uniformly random order, as (groups, group, position):
    one batch per number of legs, and event k of the order is groups[group[k]][position[k]]
    (LHEWriter.write_interleaved writes them so, at the speed of one batch)."""
    batches = [b for b in batches if len(b) > 0]
    by_legs: dict[int, list[EventBatch]] = {}
    for b in batches:
        by_legs.setdefault(int(b.momenta.shape[1]), []).append(b)
    groups = [concat(bs) for bs in by_legs.values()]
    if not groups:
        return [], torch.zeros(0, dtype=torch.int64), torch.zeros(0, dtype=torch.int64)
    # A label per event (group, position), permuted together.
    labels = torch.cat([torch.full((len(g),), k, dtype=torch.int64) for k, g in enumerate(groups)])
    positions = torch.cat([torch.arange(len(g)) for g in groups])
    perm = torch.randperm(len(labels), generator=generator, device=generator.device).cpu()
    return groups, labels[perm], positions[perm]


def shuffled(batches: list[EventBatch], generator: torch.Generator) -> list[EventBatch]:
    """The events of all batches in a uniformly random order, as consecutive batches."""
    groups, labels, positions = shuffled_order(batches, generator)
    if not groups:
        return []
    if len(groups) == 1:
        return [take(groups[0], positions.to(groups[0].momenta.device))]
    out = []
    cuts = torch.nonzero(labels[1:] != labels[:-1]).squeeze(1) + 1
    bounds = [0, *cuts.tolist(), len(labels)]
    for a, b in itertools.pairwise(bounds):
        g = groups[int(labels[a])]
        out.append(take(g, positions[a:b].to(g.momenta.device)))
    return out
