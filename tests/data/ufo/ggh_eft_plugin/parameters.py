# Test plugin model for madnis (tests/test_lorentz_codegen.py): effective couplings of a
# CP-even h and a CP-odd a0 to gluons in the heavy-top limit, in UFO form, to be added to
# a base model with `add model` (as MG5's hgg_plugin is). Written by hand for madnis.

from object_library import all_parameters, Parameter

ZERO = Parameter(name='ZERO', nature='internal', type='real', value='0.0', texname='0')

aS = Parameter(name='aS', nature='external', type='real', value=0.118, texname='\\alpha_s',
               lhablock='SMINPUTS', lhacode=[3])
vev = Parameter(name='vev', nature='external', type='real', value=246.21845810181637, texname='v',
                lhablock='HEFT', lhacode=[1])
MH = Parameter(name='MH', nature='external', type='real', value=125.0, texname='M_h', lhablock='MASS', lhacode=[25])
MA0 = Parameter(name='MA0', nature='external', type='real', value=150.0, texname='M_{a0}', lhablock='MASS',
                lhacode=[36])
WH = Parameter(name='WH', nature='external', type='real', value=0.00407, texname='\\Gamma_h', lhablock='DECAY',
               lhacode=[25])
WA0 = Parameter(name='WA0', nature='external', type='real', value=0.01, texname='\\Gamma_{a0}',
                lhablock='DECAY', lhacode=[36])

G = Parameter(name='G', nature='internal', type='real', value='2*cmath.sqrt(aS)*cmath.sqrt(cmath.pi)', texname='g_s')

# L = -(1/4) GH h G^a_{mu nu} G^{a mu nu} - (1/4) GA a0 G^a_{mu nu} Gtilde^{a mu nu}, heavy-top limit
GH = Parameter(name='GH', nature='internal', type='real', value='-G**2/(12.*cmath.pi**2*vev)', texname='g_h')
GA = Parameter(name='GA', nature='internal', type='real', value='G**2/(8.*cmath.pi**2*vev)', texname='g_a')
