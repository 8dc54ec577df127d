# Test model for madnis (tests/test_ufo.py): the SM in MG5's sm conventions plus a Z'
# (MZp = 400, WZp = 0.5) with the Z's couplings to fermions. Written by hand for madnis.

from object_library import all_couplings, Coupling

from function_library import complexconjugate, re, im, csc, sec, acsc, asec, cot

GC_3 = Coupling(name='GC_3',
    value='-(ee*complex(0,1))',
    order={'QED':1})

GC_2 = Coupling(name='GC_2',
    value='(2*ee*complex(0,1))/3.',
    order={'QED':1})

GC_1 = Coupling(name='GC_1',
    value='-(ee*complex(0,1))/3.',
    order={'QED':1})

GC_11 = Coupling(name='GC_11',
    value='complex(0,1)*G',
    order={'QCD':1})

GC_10 = Coupling(name='GC_10',
    value='-G',
    order={'QCD':1})

GC_12 = Coupling(name='GC_12',
    value='complex(0,1)*G**2',
    order={'QCD':2})

GC_Zv = Coupling(name='GC_Zv',
    value='complex(0,1)*ee/(sw*cw)*((1/2.) - (0)*sw2)',
    order={'QED':1})

GC_ZeL = Coupling(name='GC_ZeL',
    value='complex(0,1)*ee/(sw*cw)*((-1/2.) - (-1)*sw2) - (-complex(0,1)*ee/(sw*cw)*(-1)*sw2)/(2)',
    order={'QED':1})

GC_ZeR = Coupling(name='GC_ZeR',
    value='(-complex(0,1)*ee/(sw*cw)*(-1)*sw2)/(2)',
    order={'QED':1})

GC_ZuL = Coupling(name='GC_ZuL',
    value='complex(0,1)*ee/(sw*cw)*((1/2.) - (2/3.)*sw2) - (-complex(0,1)*ee/(sw*cw)*(2/3.)*sw2)/(4)',
    order={'QED':1})

GC_ZuR = Coupling(name='GC_ZuR',
    value='(-complex(0,1)*ee/(sw*cw)*(2/3.)*sw2)/(4)',
    order={'QED':1})

GC_ZdL = Coupling(name='GC_ZdL',
    value='complex(0,1)*ee/(sw*cw)*((-1/2.) - (-1/3.)*sw2) - (-complex(0,1)*ee/(sw*cw)*(-1/3.)*sw2)/(-2)',
    order={'QED':1})

GC_ZdR = Coupling(name='GC_ZdR',
    value='(-complex(0,1)*ee/(sw*cw)*(-1/3.)*sw2)/(-2)',
    order={'QED':1})

GC_Wud = Coupling(name='GC_Wud',
    value='(ee*complex(0,1)*CKM1x1)/(sw*cmath.sqrt(2))',
    order={'QED':1})

GC_Wudc = Coupling(name='GC_Wudc',
    value='(ee*complex(0,1)*complexconjugate(CKM1x1))/(sw*cmath.sqrt(2))',
    order={'QED':1})

GC_Wus = Coupling(name='GC_Wus',
    value='(ee*complex(0,1)*CKM1x2)/(sw*cmath.sqrt(2))',
    order={'QED':1})

GC_Wusc = Coupling(name='GC_Wusc',
    value='(ee*complex(0,1)*complexconjugate(CKM1x2))/(sw*cmath.sqrt(2))',
    order={'QED':1})

GC_Wcd = Coupling(name='GC_Wcd',
    value='(ee*complex(0,1)*CKM2x1)/(sw*cmath.sqrt(2))',
    order={'QED':1})

GC_Wcdc = Coupling(name='GC_Wcdc',
    value='(ee*complex(0,1)*complexconjugate(CKM2x1))/(sw*cmath.sqrt(2))',
    order={'QED':1})

GC_Wcs = Coupling(name='GC_Wcs',
    value='(ee*complex(0,1)*CKM2x2)/(sw*cmath.sqrt(2))',
    order={'QED':1})

GC_Wcsc = Coupling(name='GC_Wcsc',
    value='(ee*complex(0,1)*complexconjugate(CKM2x2))/(sw*cmath.sqrt(2))',
    order={'QED':1})

GC_W = Coupling(name='GC_W',
    value='(ee*complex(0,1))/(sw*cmath.sqrt(2))',
    order={'QED':1})

GC_yb = Coupling(name='GC_yb',
    value='-((complex(0,1)*yb)/cmath.sqrt(2))',
    order={'QED':1})

GC_yt = Coupling(name='GC_yt',
    value='-((complex(0,1)*yt)/cmath.sqrt(2))',
    order={'QED':1})

GC_ytau = Coupling(name='GC_ytau',
    value='-((complex(0,1)*ytau)/cmath.sqrt(2))',
    order={'QED':1})

GC_4 = Coupling(name='GC_4',
    value='ee*complex(0,1)',
    order={'QED':1})

GC_53 = Coupling(name='GC_53',
    value='(cw*ee*complex(0,1))/sw',
    order={'QED':1})

GC_WWWW = Coupling(name='GC_WWWW',
    value='(complex(0,1)*ee**2)/sw2',
    order={'QED':2})

GC_WWAA = Coupling(name='GC_WWAA',
    value='-(ee**2*complex(0,1))',
    order={'QED':2})

GC_WWAZ = Coupling(name='GC_WWAZ',
    value='-((cw*ee**2*complex(0,1))/sw)',
    order={'QED':2})

GC_WWZZ = Coupling(name='GC_WWZZ',
    value='-((cw**2*ee**2*complex(0,1))/sw2)',
    order={'QED':2})

GC_hWW = Coupling(name='GC_hWW',
    value='(ee**2*complex(0,1)*vev)/(2.*sw2)',
    order={'QED':1})

GC_hZZ = Coupling(name='GC_hZZ',
    value='(ee**2*complex(0,1)*vev)/(2.*sw2*cw**2)',
    order={'QED':1})

GC_hhWW = Coupling(name='GC_hhWW',
    value='(ee**2*complex(0,1))/(2.*sw2)',
    order={'QED':2})

GC_hhZZ = Coupling(name='GC_hhZZ',
    value='(ee**2*complex(0,1))/(2.*sw2*cw**2)',
    order={'QED':2})

GC_hhh = Coupling(name='GC_hhh',
    value='-6*complex(0,1)*lam*vev',
    order={'QED':1})

GC_hhhh = Coupling(name='GC_hhhh',
    value='-6*complex(0,1)*lam',
    order={'QED':2})
