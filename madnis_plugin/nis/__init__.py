"""MadNIS: neural multi-channel importance sampling (arXiv:2212.06172, arXiv:2311.01548).

Modules, one concept each:

- splines.py        monotone rational-quadratic splines on [0, 1]
- vegas_layer.py    a VEGAS grid as a bijection of the unit cube (a flow's first layer)
- flow.py           a channel's flow: VEGAS grid ∘ spline couplings, exact float64 log q
- mlp.py            the small network inside couplings and channel weights
- features.py       channel-weight inputs from the momenta
- channel_weights.py  α_c(x) = softmax(log prior + NN) over a subprocess's channels
- losses.py         variance, stratified variance and KL from importance-weighted samples
- buffer.py         stored samples for buffered training
- config.py         settings (the run_card's madnis_* block)
- integrator.py     pretraining, online + buffered training, allocation, dropping, σ
- sampler.py        MadNIS as a Sampler (sampling/protocol.py) for the run driver

This package does not evaluate physics: it drives the channel integrands it is given.
"""

from madnis_plugin.nis.config import MadnisConfig
from madnis_plugin.nis.flow import ChannelFlow
from madnis_plugin.nis.integrator import MadnisIntegrator, NisChannel

__all__ = ["ChannelFlow", "MadnisConfig", "MadnisIntegrator", "NisChannel"]
