"""An analytic q q̄ → ℓ⁻ℓ⁺ matrix element with the interface of madnis_plugin.matrix_element,
for testing the integration pipeline independently of the generated code.

|M|² from tests/dy_reference.py (textbook helicity form); per-diagram |A_i|² as the
squares of the single-boson amplitudes. Colour flow of q q̄ (501 on the quark), no
helicity information (SPINUP 9).
"""

from __future__ import annotations

import torch
from dy_reference import partonic_matrix, sm_couplings

QUARKS = {1: (-0.5, -1 / 3), 2: (0.5, 2 / 3), 3: (-0.5, -1 / 3), 4: (0.5, 2 / 3)}


class AnalyticDrellYan:
    def __init__(self, pdg_ids, vectors):
        self.t3, self.charge = QUARKS[abs(pdg_ids[0])]
        # legs: q q~ e+ e- (MG5 order of p p > e+ e-): the ℓ⁻ is leg 3
        self.vectors = list(vectors)
        self.coup = sm_couplings()

    def _me(self, momenta, vectors, photon=True):
        p1, p4 = momenta[:, 0], momenta[:, 3]
        shat = 2 * (p1[:, 0] * momenta[:, 1, 0] - (p1[:, 1:] * momenta[:, 1, 1:]).sum(-1))
        # cosθ between quark and ℓ⁻ in the partonic frame: t = (p1 - p4)² = -ŝ(1 - c)/2
        t = -2 * (p1[:, 0] * p4[:, 0] - (p1[:, 1:] * p4[:, 1:]).sum(-1))
        c = 1 + 2 * t / shat
        e_q = self.charge if photon else 0.0
        me = partonic_matrix(shat.numpy(), c.numpy(), self.t3, e_q, vectors, self.coup)
        return torch.from_numpy(me)

    def evaluate(self, momenta, alpha_s):
        me2 = self._me(momenta, self.vectors)
        amps = [self._me(momenta, [], photon=True)] + [self._me(momenta, [v], photon=False) for v in self.vectors]
        return me2, torch.stack(amps, dim=1)

    def sample_colour_helicity(self, momenta, alpha_s, generator):
        b = momenta.shape[0]
        colour = torch.tensor([[501, 0], [0, 501], [0, 0], [0, 0]]).expand(b, 4, 2).clone()
        return colour, torch.full((b, 4), 9)
