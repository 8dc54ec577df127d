# Test plugin model for madnis (tests/test_lorentz_codegen.py): effective couplings of a
# CP-even h and a CP-odd a0 to gluons in the heavy-top limit, in UFO form, to be added to
# a base model with `add model` (as MG5's hgg_plugin is). Written by hand for madnis.

from object_library import all_lorentz, Lorentz

# g^{mu nu} (p1.p2) - p2^mu p1^nu, transverse in both gluons
VVS_T = Lorentz(name='VVS_T', spins=[3, 3, 1], structure='P(1,2)*P(2,1) - P(-1,1)*P(-1,2)*Metric(1,2)')

# epsilon^{mu nu rho sigma} p1_rho p2_sigma, antisymmetrised as the field strengths give it
VVS_E = Lorentz(name='VVS_E', spins=[3, 3, 1],
                structure='4*Epsilon(1,2,-1,-2)*P(-1,2)*P(-2,1) - 4*Epsilon(1,2,-1,-2)*P(-1,1)*P(-2,2)')

VVVS_T = Lorentz(name='VVVS_T', spins=[3, 3, 3, 1],
                 structure='Metric(1,2)*(P(3,1) - P(3,2)) + Metric(2,3)*(P(1,2) - P(1,3)) '
                           '+ Metric(1,3)*(P(2,3) - P(2,1))')

VVVS_E = Lorentz(name='VVVS_E', spins=[3, 3, 3, 1], structure='Epsilon(1,2,3,-1)*(P(-1,1) + P(-1,2) + P(-1,3))')

VVVVS_A = Lorentz(name='VVVVS_A', spins=[3, 3, 3, 3, 1], structure='Metric(1,4)*Metric(2,3) - Metric(1,3)*Metric(2,4)')
VVVVS_B = Lorentz(name='VVVVS_B', spins=[3, 3, 3, 3, 1], structure='Metric(1,4)*Metric(2,3) - Metric(1,2)*Metric(3,4)')
VVVVS_C = Lorentz(name='VVVVS_C', spins=[3, 3, 3, 3, 1], structure='Metric(1,3)*Metric(2,4) - Metric(1,2)*Metric(3,4)')
