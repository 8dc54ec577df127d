# Test model for madnis (tests/test_ufo.py): the SM in MG5's sm conventions plus a Z'
# (MZp = 400, WZp = 0.5) with the Z's couplings to fermions. Written by hand for madnis.

from object_library import all_parameters, Parameter

from function_library import complexconjugate, re, im, csc, sec, acsc, asec, cot


ZERO = Parameter(name='ZERO', nature='internal', type='real', value='0.0', texname='0')

cabi = Parameter(name='cabi',
    nature='external',
    type='real',
    value=0.227736,
    texname='\\theta _c',
    lhablock='CKMBLOCK',
    lhacode=[1])

aEWM1 = Parameter(name='aEWM1',
    nature='external',
    type='real',
    value=132.507,
    texname='aEWM1',
    lhablock='SMINPUTS',
    lhacode=[1])

Gf = Parameter(name='Gf',
    nature='external',
    type='real',
    value=1.16639e-05,
    texname='Gf',
    lhablock='SMINPUTS',
    lhacode=[2])

aS = Parameter(name='aS',
    nature='external',
    type='real',
    value=0.118,
    texname='aS',
    lhablock='SMINPUTS',
    lhacode=[3])

ymb = Parameter(name='ymb',
    nature='external',
    type='real',
    value=4.7,
    texname='ymb',
    lhablock='YUKAWA',
    lhacode=[5])

ymt = Parameter(name='ymt',
    nature='external',
    type='real',
    value=173.0,
    texname='ymt',
    lhablock='YUKAWA',
    lhacode=[6])

ymtau = Parameter(name='ymtau',
    nature='external',
    type='real',
    value=1.777,
    texname='ymtau',
    lhablock='YUKAWA',
    lhacode=[15])

MZ = Parameter(name='MZ',
    nature='external',
    type='real',
    value=91.188,
    texname='MZ',
    lhablock='MASS',
    lhacode=[23])

MTA = Parameter(name='MTA',
    nature='external',
    type='real',
    value=1.777,
    texname='MTA',
    lhablock='MASS',
    lhacode=[15])

MT = Parameter(name='MT',
    nature='external',
    type='real',
    value=173.0,
    texname='MT',
    lhablock='MASS',
    lhacode=[6])

MB = Parameter(name='MB',
    nature='external',
    type='real',
    value=4.7,
    texname='MB',
    lhablock='MASS',
    lhacode=[5])

MH = Parameter(name='MH',
    nature='external',
    type='real',
    value=125.0,
    texname='MH',
    lhablock='MASS',
    lhacode=[25])

MZp = Parameter(name='MZp',
    nature='external',
    type='real',
    value=400.0,
    texname='MZp',
    lhablock='MASS',
    lhacode=[32])

WZ = Parameter(name='WZ',
    nature='external',
    type='real',
    value=2.441404,
    texname='WZ',
    lhablock='DECAY',
    lhacode=[23])

WW = Parameter(name='WW',
    nature='external',
    type='real',
    value=2.0476,
    texname='WW',
    lhablock='DECAY',
    lhacode=[24])

WT = Parameter(name='WT',
    nature='external',
    type='real',
    value=1.4915,
    texname='WT',
    lhablock='DECAY',
    lhacode=[6])

WH = Parameter(name='WH',
    nature='external',
    type='real',
    value=0.006382339,
    texname='WH',
    lhablock='DECAY',
    lhacode=[25])

WZp = Parameter(name='WZp',
    nature='external',
    type='real',
    value=0.5,
    texname='WZp',
    lhablock='DECAY',
    lhacode=[32])

CKM1x1 = Parameter(name='CKM1x1',
    nature='internal',
    type='complex',
    value='cmath.cos(cabi)',
    texname='CKM1x1')

CKM1x2 = Parameter(name='CKM1x2',
    nature='internal',
    type='complex',
    value='cmath.sin(cabi)',
    texname='CKM1x2')

CKM2x1 = Parameter(name='CKM2x1',
    nature='internal',
    type='complex',
    value='-cmath.sin(cabi)',
    texname='CKM2x1')

CKM2x2 = Parameter(name='CKM2x2',
    nature='internal',
    type='complex',
    value='cmath.cos(cabi)',
    texname='CKM2x2')

aEW = Parameter(name='aEW',
    nature='internal',
    type='real',
    value='1/aEWM1',
    texname='aEW')

G = Parameter(name='G',
    nature='internal',
    type='real',
    value='2*cmath.sqrt(aS)*cmath.sqrt(cmath.pi)',
    texname='G')

MW = Parameter(name='MW',
    nature='internal',
    type='real',
    value='cmath.sqrt(MZ**2/2. + cmath.sqrt(MZ**4/4. - (aEW*cmath.pi*MZ**2)/(Gf*cmath.sqrt(2))))',
    texname='MW')

ee = Parameter(name='ee',
    nature='internal',
    type='real',
    value='2*cmath.sqrt(aEW)*cmath.sqrt(cmath.pi)',
    texname='ee')

sw2 = Parameter(name='sw2',
    nature='internal',
    type='real',
    value='1 - MW**2/MZ**2',
    texname='sw2')

cw = Parameter(name='cw',
    nature='internal',
    type='real',
    value='MW/MZ',
    texname='cw')

sw = Parameter(name='sw',
    nature='internal',
    type='real',
    value='cmath.sqrt(sw2)',
    texname='sw')

g1 = Parameter(name='g1',
    nature='internal',
    type='real',
    value='ee/cw',
    texname='g1')

gw = Parameter(name='gw',
    nature='internal',
    type='real',
    value='ee/sw',
    texname='gw')

vev = Parameter(name='vev',
    nature='internal',
    type='real',
    value='(2*MW*sw)/ee',
    texname='vev')

lam = Parameter(name='lam',
    nature='internal',
    type='real',
    value='MH**2/(2.*vev**2)',
    texname='lam')

yb = Parameter(name='yb',
    nature='internal',
    type='real',
    value='(ymb*cmath.sqrt(2))/vev',
    texname='yb')

yt = Parameter(name='yt',
    nature='internal',
    type='real',
    value='(ymt*cmath.sqrt(2))/vev',
    texname='yt')

ytau = Parameter(name='ytau',
    nature='internal',
    type='real',
    value='(ymtau*cmath.sqrt(2))/vev',
    texname='ytau')

muH = Parameter(name='muH',
    nature='internal',
    type='real',
    value='cmath.sqrt(lam*vev**2)',
    texname='muH')
