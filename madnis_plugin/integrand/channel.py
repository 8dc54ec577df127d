"""The cross-section integrand of the phase-space channels of a subprocess, in pb, for a batch of r.

A :class:`ChannelGroup` evaluates points of all channels of one subprocess in one call, each
point with its channel index (the map, the -1 scale and MG5's ``$`` vetoes depend on it); a
:class:`ChannelIntegrand` is one channel of a group, an integrand of its own. Per point:

    r ──channel map──► momenta, x1, x2, Φ-weight  (ME frame, see luminosity.py)
      ──cuts──► pass mask
      ──scales──► μR, μF1, μF2 ──► αs(μR)
      ──matrix element──► |M|², per-diagram |A_i|²
      ──channel weight──► α_c = P_c / Σ_{channels} P_j   (MG5's single-diagram enhancement:
                          P = |A|² or propagator denominators, channel_weights.py)
      ──PDFs──► L = Σ_flavour terms f·f
    w = Φ-weight · α_c · |M|² · L / (2ŝ) · 0.3894×10⁹ pb/GeV⁻² · pass

For a learned channel weight (MadNIS, madnis_plugin/nis) the point also carries the
weight without α_c (`weight_no_alpha`) and the |A_i|²-prior of every channel of the
subprocess (`alpha_prior` [B, n_channels], rows summing to 1; column `channel_index`
is α_c), so that any α(x) with Σ_c α_c(x) = 1 can replace MG5's.

Every step is a batched call on the tensors' device, with no host round trip.
`evaluate` also returns what event generation needs (momenta, scales, the
luminosity terms to pick flavour and mirror orientation). This module combines
existing pieces; the physics of each lives in its own module.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from madnis_plugin.integrand.channel_weights import AmplitudeWeights

GEV2_TO_PB = 0.3893793721e9


@dataclass
class ChannelPoint:
    """Everything known about a batch of points of one channel."""

    r: torch.Tensor
    momenta: torch.Tensor  # [B, n, 4] ME frame
    x1: torch.Tensor
    x2: torch.Tensor
    weight: torch.Tensor  # [B] pb
    mu_r: torch.Tensor
    mu_f1: torch.Tensor
    mu_f2: torch.Tensor
    alpha_s: torch.Tensor
    lumi_terms: torch.Tensor  # [B, n_terms] share of each flavour term
    weight_no_alpha: torch.Tensor | None = None  # [B] pb: weight / α_c (0 where cuts fail)
    alpha_prior: torch.Tensor | None = None  # [B, n_channels] P_i/Σ_j P_j (uniform where all vanish)


class ChannelGroup:
    """The channels of one subprocess, evaluated together: each point carries its channel.

    One call maps every point by its own channel (phasespace.ChannelSet), and evaluates the
    scales, cuts, the matrix element and the PDFs once for the whole batch, whatever the
    number of channels; no host round trip on a GPU.
    """

    def __init__(self, channels, diagrams: list[int], matrix_element, luminosity, cuts, scales, alphas,
                 s_collider: float, channel_weights=None, channel_scales: bool = False):
        """`channels`: the phase-space Channel of each channel, whose diagrams are `diagrams` (the
        denominator of α_c); `cuts`: one cut object, or one per channel (MG5's ``$``
        vetoes depend on the channel's diagram); `scales`: the subprocess's, evaluated with each
        point's diagram when `channel_scales` (MG5's channel-dependent -1 clustering);
        `channel_weights`: the P's of the channels (channel_weights.py; default |A|², MG5's
        sde_strategy = 1)."""
        from madnis_plugin.phasespace import ChannelSet

        self.channels = ChannelSet(channels)
        self.dim = self.channels.dim
        self.diagrams = list(diagrams)
        self.matrix_element = matrix_element
        self.luminosity = luminosity
        self.cuts = list(cuts) if isinstance(cuts, list | tuple) else [cuts] * len(self.diagrams)
        if len(self.cuts) != len(self.diagrams):
            raise ValueError(f"cuts: expected one per channel ({len(self.diagrams)}), got {len(self.cuts)}")
        self.scales = scales
        self.channel_scales = channel_scales
        self.alphas = alphas
        self.s_collider = s_collider
        self.channel_weights = channel_weights or AmplitudeWeights(self.diagrams)
        self._diagram_of: dict[torch.device, torch.Tensor] = {}

    def __len__(self) -> int:
        return len(self.diagrams)

    def _diagrams_on(self, device: torch.device) -> torch.Tensor:
        if device not in self._diagram_of:
            self._diagram_of[device] = torch.tensor(self.diagrams, dtype=torch.int64, device=device)
        return self._diagram_of[device]

    def _passes(self, channel: torch.Tensor, momenta: torch.Tensor) -> torch.Tensor:
        """The cuts of each point's channel; one call when all channels share them (no ``$``)."""
        distinct = {id(c): c for c in self.cuts}
        if len(distinct) == 1:
            return self.cuts[0].passes(momenta)
        passed = torch.zeros(channel.shape, dtype=torch.bool, device=channel.device)
        for cuts in distinct.values():
            mine = torch.tensor([c is cuts for c in self.cuts], device=channel.device)[channel]
            passed |= mine & cuts.passes(momenta)
        return passed

    def _physics(self, passed, momenta, alpha_s, x1, x2, mu_f1, mu_f2):
        """|M|², per-diagram |A|² and luminosity terms; on the CPU only where the cuts pass
        (zeros elsewhere), which saves the matrix element of every point a cut removes. On a
        GPU every point is evaluated: compacting would cost a host sync per call."""
        if momenta.device.type != "cpu" or bool(passed.all()):
            me2, amp2 = self.matrix_element.evaluate(momenta, alpha_s)
            return me2, amp2, self.luminosity.terms_at(x1, x2, mu_f1, mu_f2)
        idx = passed.nonzero().squeeze(1)
        n = momenta.shape[0]
        if idx.numel() == 0:
            me2, amp2 = self.matrix_element.evaluate(momenta[:1], alpha_s[:1])
            lumi = self.luminosity.terms_at(x1[:1], x2[:1], mu_f1[:1], mu_f2[:1])
            return (me2.new_zeros(n), amp2.new_zeros((n, amp2.shape[1])), lumi.new_zeros((n, lumi.shape[1])))
        me2_in, amp2_in = self.matrix_element.evaluate(momenta[idx].contiguous(), alpha_s[idx].contiguous())
        lumi_in = self.luminosity.terms_at(x1[idx], x2[idx], mu_f1[idx], mu_f2[idx])
        me2 = me2_in.new_zeros(n).index_copy_(0, idx, me2_in)
        amp2 = amp2_in.new_zeros((n, amp2_in.shape[1])).index_copy_(0, idx, amp2_in)
        lumi = lumi_in.new_zeros((n, lumi_in.shape[1])).index_copy_(0, idx, lumi_in)
        return me2, amp2, lumi

    def evaluate(self, channel: torch.Tensor, r: torch.Tensor) -> ChannelPoint:
        """Points r [B, dim] of the channels `channel` [B] (int64 indices into this group)."""
        channel = channel.to(device=r.device, dtype=torch.int64)
        momenta, x1, x2, ps_weight = self.channels.map(channel, r)
        if self.channel_scales:
            mu_r, mu_f1, mu_f2 = self.scales.compute(momenta, diagrams=self._diagrams_on(r.device)[channel])
        else:
            mu_r, mu_f1, mu_f2 = self.scales.compute(momenta)
        passed = self._passes(channel, momenta) & (ps_weight > 0) & self.scales.fac_scale_ok(mu_f1, mu_f2)
        alpha_s = self.alphas(mu_r)
        me2, amp2, lumi_terms = self._physics(passed, momenta, alpha_s, x1, x2, mu_f1, mu_f2)
        p_channels = self.channel_weights(momenta, amp2)
        denominator = p_channels.sum(1)
        own = p_channels.gather(1, channel[:, None]).squeeze(1)
        alpha_c = torch.where(denominator > 0, own / torch.where(denominator > 0, denominator, 1.0), 0.0)
        s_hat = x1 * x2 * self.s_collider
        weight_no_alpha = ps_weight * me2 * lumi_terms.sum(-1) / (2 * s_hat) * GEV2_TO_PB
        weight_no_alpha = torch.where(passed, weight_no_alpha, torch.zeros_like(weight_no_alpha))
        weight = alpha_c * weight_no_alpha
        positive = denominator > 0
        alpha_prior = torch.where(positive[:, None], p_channels / torch.where(positive, denominator, 1.0)[:, None],
                                  1.0 / p_channels.shape[1])
        return ChannelPoint(r, momenta, x1, x2, weight, mu_r, mu_f1, mu_f2, alpha_s, lumi_terms,
                            weight_no_alpha, alpha_prior)


class ChannelIntegrand:
    """One channel of a ChannelGroup, as an integrand of its own: ``evaluate(r)``, ``f(r)``."""

    def __init__(self, group: ChannelGroup, index: int):
        self.group = group
        self.index = index  # the channel's place in its group, and its column of alpha_prior
        self.channel = group.channels.channels[index]
        self.dim = group.dim
        self.diagram = group.diagrams[index]
        self.channel_index = index
        self.matrix_element = group.matrix_element

    def __call__(self, r: torch.Tensor) -> torch.Tensor:
        return self.evaluate(r).weight

    def evaluate(self, r: torch.Tensor) -> ChannelPoint:
        channel = torch.full((r.shape[0],), self.index, dtype=torch.int64, device=r.device)
        return self.group.evaluate(channel, r)
