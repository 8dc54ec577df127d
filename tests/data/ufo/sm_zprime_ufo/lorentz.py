# Test model for madnis (tests/test_ufo.py): the SM in MG5's sm conventions plus a Z'
# (MZp = 400, WZp = 0.5) with the Z's couplings to fermions. Written by hand for madnis.

from object_library import all_lorentz, Lorentz

FFV1 = Lorentz(name='FFV1',
    spins=[2, 2, 3],
    structure='Gamma(3,2,1)')

FFV2 = Lorentz(name='FFV2',
    spins=[2, 2, 3],
    structure='Gamma(3,2,-1)*ProjM(-1,1)')

FFV3 = Lorentz(name='FFV3',
    spins=[2, 2, 3],
    structure='Gamma(3,2,-1)*ProjM(-1,1) - 2*Gamma(3,2,-1)*ProjP(-1,1)')

FFV4 = Lorentz(name='FFV4',
    spins=[2, 2, 3],
    structure='Gamma(3,2,-1)*ProjM(-1,1) + 2*Gamma(3,2,-1)*ProjP(-1,1)')

FFV5 = Lorentz(name='FFV5',
    spins=[2, 2, 3],
    structure='Gamma(3,2,-1)*ProjM(-1,1) + 4*Gamma(3,2,-1)*ProjP(-1,1)')

FFS4 = Lorentz(name='FFS4',
    spins=[2, 2, 1],
    structure='ProjM(2,1) + ProjP(2,1)')

VVV1 = Lorentz(name='VVV1',
    spins=[3, 3, 3],
    structure='P(3,1)*Metric(1,2) - P(3,2)*Metric(1,2) - P(2,1)*Metric(1,3) + P(2,3)*Metric(1,3) + P(1,2)*Metric(2,3) - P(1,3)*Metric(2,3)')

VVS1 = Lorentz(name='VVS1',
    spins=[3, 3, 1],
    structure='Metric(1,2)')

VVSS1 = Lorentz(name='VVSS1',
    spins=[3, 3, 1, 1],
    structure='Metric(1,2)')

SSS1 = Lorentz(name='SSS1',
    spins=[1, 1, 1],
    structure='1')

SSSS1 = Lorentz(name='SSSS1',
    spins=[1, 1, 1, 1],
    structure='1')

VVVV1 = Lorentz(name='VVVV1',
    spins=[3, 3, 3, 3],
    structure='Metric(1,4)*Metric(2,3) - Metric(1,3)*Metric(2,4)')

VVVV2 = Lorentz(name='VVVV2',
    spins=[3, 3, 3, 3],
    structure='2*Metric(1,3)*Metric(2,4) - Metric(1,2)*Metric(3,4) - Metric(1,4)*Metric(2,3)')

VVVV3 = Lorentz(name='VVVV3',
    spins=[3, 3, 3, 3],
    structure='Metric(1,4)*Metric(2,3) - Metric(1,2)*Metric(3,4)')

VVVV4 = Lorentz(name='VVVV4',
    spins=[3, 3, 3, 3],
    structure='Metric(1,3)*Metric(2,4) - Metric(1,2)*Metric(3,4)')

VVVV5 = Lorentz(name='VVVV5',
    spins=[3, 3, 3, 3],
    structure='2*Metric(1,2)*Metric(3,4) - Metric(1,3)*Metric(2,4) - Metric(1,4)*Metric(2,3)')
