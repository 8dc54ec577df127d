# Test model for madnis (tests/test_ufo.py): the SM in MG5's sm conventions plus a Z'
# (MZp = 400, WZp = 0.5) with the Z's couplings to fermions. Written by hand for madnis.

from object_library import all_vertices, Vertex
import particles as P
import couplings as C
import lorentz as L

V_1 = Vertex(name='V_1',
    particles=[P.ve__tilde__, P.ve, P.Z],
    color=['1'],
    lorentz=[L.FFV2],
    couplings={(0,0): C.GC_Zv})

V_2 = Vertex(name='V_2',
    particles=[P.ve__tilde__, P.ve, P.Zp],
    color=['1'],
    lorentz=[L.FFV2],
    couplings={(0,0): C.GC_Zv})

V_3 = Vertex(name='V_3',
    particles=[P.vm__tilde__, P.vm, P.Z],
    color=['1'],
    lorentz=[L.FFV2],
    couplings={(0,0): C.GC_Zv})

V_4 = Vertex(name='V_4',
    particles=[P.vm__tilde__, P.vm, P.Zp],
    color=['1'],
    lorentz=[L.FFV2],
    couplings={(0,0): C.GC_Zv})

V_5 = Vertex(name='V_5',
    particles=[P.vt__tilde__, P.vt, P.Z],
    color=['1'],
    lorentz=[L.FFV2],
    couplings={(0,0): C.GC_Zv})

V_6 = Vertex(name='V_6',
    particles=[P.vt__tilde__, P.vt, P.Zp],
    color=['1'],
    lorentz=[L.FFV2],
    couplings={(0,0): C.GC_Zv})

V_7 = Vertex(name='V_7',
    particles=[P.e__plus__, P.e__minus__, P.a],
    color=['1'],
    lorentz=[L.FFV1],
    couplings={(0,0): C.GC_3})

V_8 = Vertex(name='V_8',
    particles=[P.e__plus__, P.e__minus__, P.Z],
    color=['1'],
    lorentz=[L.FFV2, L.FFV4],
    couplings={(0,0): C.GC_ZeL, (0,1): C.GC_ZeR})

V_9 = Vertex(name='V_9',
    particles=[P.e__plus__, P.e__minus__, P.Zp],
    color=['1'],
    lorentz=[L.FFV2, L.FFV4],
    couplings={(0,0): C.GC_ZeL, (0,1): C.GC_ZeR})

V_10 = Vertex(name='V_10',
    particles=[P.mu__plus__, P.mu__minus__, P.a],
    color=['1'],
    lorentz=[L.FFV1],
    couplings={(0,0): C.GC_3})

V_11 = Vertex(name='V_11',
    particles=[P.mu__plus__, P.mu__minus__, P.Z],
    color=['1'],
    lorentz=[L.FFV2, L.FFV4],
    couplings={(0,0): C.GC_ZeL, (0,1): C.GC_ZeR})

V_12 = Vertex(name='V_12',
    particles=[P.mu__plus__, P.mu__minus__, P.Zp],
    color=['1'],
    lorentz=[L.FFV2, L.FFV4],
    couplings={(0,0): C.GC_ZeL, (0,1): C.GC_ZeR})

V_13 = Vertex(name='V_13',
    particles=[P.ta__plus__, P.ta__minus__, P.a],
    color=['1'],
    lorentz=[L.FFV1],
    couplings={(0,0): C.GC_3})

V_14 = Vertex(name='V_14',
    particles=[P.ta__plus__, P.ta__minus__, P.Z],
    color=['1'],
    lorentz=[L.FFV2, L.FFV4],
    couplings={(0,0): C.GC_ZeL, (0,1): C.GC_ZeR})

V_15 = Vertex(name='V_15',
    particles=[P.ta__plus__, P.ta__minus__, P.Zp],
    color=['1'],
    lorentz=[L.FFV2, L.FFV4],
    couplings={(0,0): C.GC_ZeL, (0,1): C.GC_ZeR})

V_16 = Vertex(name='V_16',
    particles=[P.u__tilde__, P.u, P.a],
    color=['Identity(1,2)'],
    lorentz=[L.FFV1],
    couplings={(0,0): C.GC_2})

V_17 = Vertex(name='V_17',
    particles=[P.u__tilde__, P.u, P.g],
    color=['T(3,2,1)'],
    lorentz=[L.FFV1],
    couplings={(0,0): C.GC_11})

V_18 = Vertex(name='V_18',
    particles=[P.u__tilde__, P.u, P.Z],
    color=['Identity(1,2)'],
    lorentz=[L.FFV2, L.FFV5],
    couplings={(0,0): C.GC_ZuL, (0,1): C.GC_ZuR})

V_19 = Vertex(name='V_19',
    particles=[P.u__tilde__, P.u, P.Zp],
    color=['Identity(1,2)'],
    lorentz=[L.FFV2, L.FFV5],
    couplings={(0,0): C.GC_ZuL, (0,1): C.GC_ZuR})

V_20 = Vertex(name='V_20',
    particles=[P.c__tilde__, P.c, P.a],
    color=['Identity(1,2)'],
    lorentz=[L.FFV1],
    couplings={(0,0): C.GC_2})

V_21 = Vertex(name='V_21',
    particles=[P.c__tilde__, P.c, P.g],
    color=['T(3,2,1)'],
    lorentz=[L.FFV1],
    couplings={(0,0): C.GC_11})

V_22 = Vertex(name='V_22',
    particles=[P.c__tilde__, P.c, P.Z],
    color=['Identity(1,2)'],
    lorentz=[L.FFV2, L.FFV5],
    couplings={(0,0): C.GC_ZuL, (0,1): C.GC_ZuR})

V_23 = Vertex(name='V_23',
    particles=[P.c__tilde__, P.c, P.Zp],
    color=['Identity(1,2)'],
    lorentz=[L.FFV2, L.FFV5],
    couplings={(0,0): C.GC_ZuL, (0,1): C.GC_ZuR})

V_24 = Vertex(name='V_24',
    particles=[P.t__tilde__, P.t, P.a],
    color=['Identity(1,2)'],
    lorentz=[L.FFV1],
    couplings={(0,0): C.GC_2})

V_25 = Vertex(name='V_25',
    particles=[P.t__tilde__, P.t, P.g],
    color=['T(3,2,1)'],
    lorentz=[L.FFV1],
    couplings={(0,0): C.GC_11})

V_26 = Vertex(name='V_26',
    particles=[P.t__tilde__, P.t, P.Z],
    color=['Identity(1,2)'],
    lorentz=[L.FFV2, L.FFV5],
    couplings={(0,0): C.GC_ZuL, (0,1): C.GC_ZuR})

V_27 = Vertex(name='V_27',
    particles=[P.t__tilde__, P.t, P.Zp],
    color=['Identity(1,2)'],
    lorentz=[L.FFV2, L.FFV5],
    couplings={(0,0): C.GC_ZuL, (0,1): C.GC_ZuR})

V_28 = Vertex(name='V_28',
    particles=[P.d__tilde__, P.d, P.a],
    color=['Identity(1,2)'],
    lorentz=[L.FFV1],
    couplings={(0,0): C.GC_1})

V_29 = Vertex(name='V_29',
    particles=[P.d__tilde__, P.d, P.g],
    color=['T(3,2,1)'],
    lorentz=[L.FFV1],
    couplings={(0,0): C.GC_11})

V_30 = Vertex(name='V_30',
    particles=[P.d__tilde__, P.d, P.Z],
    color=['Identity(1,2)'],
    lorentz=[L.FFV2, L.FFV3],
    couplings={(0,0): C.GC_ZdL, (0,1): C.GC_ZdR})

V_31 = Vertex(name='V_31',
    particles=[P.d__tilde__, P.d, P.Zp],
    color=['Identity(1,2)'],
    lorentz=[L.FFV2, L.FFV3],
    couplings={(0,0): C.GC_ZdL, (0,1): C.GC_ZdR})

V_32 = Vertex(name='V_32',
    particles=[P.s__tilde__, P.s, P.a],
    color=['Identity(1,2)'],
    lorentz=[L.FFV1],
    couplings={(0,0): C.GC_1})

V_33 = Vertex(name='V_33',
    particles=[P.s__tilde__, P.s, P.g],
    color=['T(3,2,1)'],
    lorentz=[L.FFV1],
    couplings={(0,0): C.GC_11})

V_34 = Vertex(name='V_34',
    particles=[P.s__tilde__, P.s, P.Z],
    color=['Identity(1,2)'],
    lorentz=[L.FFV2, L.FFV3],
    couplings={(0,0): C.GC_ZdL, (0,1): C.GC_ZdR})

V_35 = Vertex(name='V_35',
    particles=[P.s__tilde__, P.s, P.Zp],
    color=['Identity(1,2)'],
    lorentz=[L.FFV2, L.FFV3],
    couplings={(0,0): C.GC_ZdL, (0,1): C.GC_ZdR})

V_36 = Vertex(name='V_36',
    particles=[P.b__tilde__, P.b, P.a],
    color=['Identity(1,2)'],
    lorentz=[L.FFV1],
    couplings={(0,0): C.GC_1})

V_37 = Vertex(name='V_37',
    particles=[P.b__tilde__, P.b, P.g],
    color=['T(3,2,1)'],
    lorentz=[L.FFV1],
    couplings={(0,0): C.GC_11})

V_38 = Vertex(name='V_38',
    particles=[P.b__tilde__, P.b, P.Z],
    color=['Identity(1,2)'],
    lorentz=[L.FFV2, L.FFV3],
    couplings={(0,0): C.GC_ZdL, (0,1): C.GC_ZdR})

V_39 = Vertex(name='V_39',
    particles=[P.b__tilde__, P.b, P.Zp],
    color=['Identity(1,2)'],
    lorentz=[L.FFV2, L.FFV3],
    couplings={(0,0): C.GC_ZdL, (0,1): C.GC_ZdR})

V_40 = Vertex(name='V_40',
    particles=[P.d__tilde__, P.u, P.W__minus__],
    color=['Identity(1,2)'],
    lorentz=[L.FFV2],
    couplings={(0,0): C.GC_Wud})

V_41 = Vertex(name='V_41',
    particles=[P.u__tilde__, P.d, P.W__plus__],
    color=['Identity(1,2)'],
    lorentz=[L.FFV2],
    couplings={(0,0): C.GC_Wudc})

V_42 = Vertex(name='V_42',
    particles=[P.s__tilde__, P.u, P.W__minus__],
    color=['Identity(1,2)'],
    lorentz=[L.FFV2],
    couplings={(0,0): C.GC_Wus})

V_43 = Vertex(name='V_43',
    particles=[P.u__tilde__, P.s, P.W__plus__],
    color=['Identity(1,2)'],
    lorentz=[L.FFV2],
    couplings={(0,0): C.GC_Wusc})

V_44 = Vertex(name='V_44',
    particles=[P.d__tilde__, P.c, P.W__minus__],
    color=['Identity(1,2)'],
    lorentz=[L.FFV2],
    couplings={(0,0): C.GC_Wcd})

V_45 = Vertex(name='V_45',
    particles=[P.c__tilde__, P.d, P.W__plus__],
    color=['Identity(1,2)'],
    lorentz=[L.FFV2],
    couplings={(0,0): C.GC_Wcdc})

V_46 = Vertex(name='V_46',
    particles=[P.s__tilde__, P.c, P.W__minus__],
    color=['Identity(1,2)'],
    lorentz=[L.FFV2],
    couplings={(0,0): C.GC_Wcs})

V_47 = Vertex(name='V_47',
    particles=[P.c__tilde__, P.s, P.W__plus__],
    color=['Identity(1,2)'],
    lorentz=[L.FFV2],
    couplings={(0,0): C.GC_Wcsc})

V_48 = Vertex(name='V_48',
    particles=[P.b__tilde__, P.t, P.W__minus__],
    color=['Identity(1,2)'],
    lorentz=[L.FFV2],
    couplings={(0,0): C.GC_W})

V_49 = Vertex(name='V_49',
    particles=[P.t__tilde__, P.b, P.W__plus__],
    color=['Identity(1,2)'],
    lorentz=[L.FFV2],
    couplings={(0,0): C.GC_W})

V_50 = Vertex(name='V_50',
    particles=[P.e__plus__, P.ve, P.W__minus__],
    color=['1'],
    lorentz=[L.FFV2],
    couplings={(0,0): C.GC_W})

V_51 = Vertex(name='V_51',
    particles=[P.ve__tilde__, P.e__minus__, P.W__plus__],
    color=['1'],
    lorentz=[L.FFV2],
    couplings={(0,0): C.GC_W})

V_52 = Vertex(name='V_52',
    particles=[P.mu__plus__, P.vm, P.W__minus__],
    color=['1'],
    lorentz=[L.FFV2],
    couplings={(0,0): C.GC_W})

V_53 = Vertex(name='V_53',
    particles=[P.vm__tilde__, P.mu__minus__, P.W__plus__],
    color=['1'],
    lorentz=[L.FFV2],
    couplings={(0,0): C.GC_W})

V_54 = Vertex(name='V_54',
    particles=[P.ta__plus__, P.vt, P.W__minus__],
    color=['1'],
    lorentz=[L.FFV2],
    couplings={(0,0): C.GC_W})

V_55 = Vertex(name='V_55',
    particles=[P.vt__tilde__, P.ta__minus__, P.W__plus__],
    color=['1'],
    lorentz=[L.FFV2],
    couplings={(0,0): C.GC_W})

V_56 = Vertex(name='V_56',
    particles=[P.b__tilde__, P.b, P.H],
    color=['Identity(1,2)'],
    lorentz=[L.FFS4],
    couplings={(0,0): C.GC_yb})

V_57 = Vertex(name='V_57',
    particles=[P.t__tilde__, P.t, P.H],
    color=['Identity(1,2)'],
    lorentz=[L.FFS4],
    couplings={(0,0): C.GC_yt})

V_58 = Vertex(name='V_58',
    particles=[P.ta__plus__, P.ta__minus__, P.H],
    color=['1'],
    lorentz=[L.FFS4],
    couplings={(0,0): C.GC_ytau})

V_59 = Vertex(name='V_59',
    particles=[P.g, P.g, P.g],
    color=['f(1,2,3)'],
    lorentz=[L.VVV1],
    couplings={(0,0): C.GC_10})

V_60 = Vertex(name='V_60',
    particles=[P.W__minus__, P.W__plus__, P.a],
    color=['1'],
    lorentz=[L.VVV1],
    couplings={(0,0): C.GC_4})

V_61 = Vertex(name='V_61',
    particles=[P.W__minus__, P.W__plus__, P.Z],
    color=['1'],
    lorentz=[L.VVV1],
    couplings={(0,0): C.GC_53})

V_62 = Vertex(name='V_62',
    particles=[P.g, P.g, P.g, P.g],
    color=['f(-1,1,2)*f(3,4,-1)', 'f(-1,1,3)*f(2,4,-1)', 'f(-1,1,4)*f(2,3,-1)'],
    lorentz=[L.VVVV1, L.VVVV3, L.VVVV4],
    couplings={(0,0): C.GC_12, (1,1): C.GC_12, (2,2): C.GC_12})

V_63 = Vertex(name='V_63',
    particles=[P.W__minus__, P.W__plus__, P.W__minus__, P.W__plus__],
    color=['1'],
    lorentz=[L.VVVV2],
    couplings={(0,0): C.GC_WWWW})

V_64 = Vertex(name='V_64',
    particles=[P.W__minus__, P.W__plus__, P.a, P.a],
    color=['1'],
    lorentz=[L.VVVV5],
    couplings={(0,0): C.GC_WWAA})

V_65 = Vertex(name='V_65',
    particles=[P.W__minus__, P.W__plus__, P.a, P.Z],
    color=['1'],
    lorentz=[L.VVVV5],
    couplings={(0,0): C.GC_WWAZ})

V_66 = Vertex(name='V_66',
    particles=[P.W__minus__, P.W__plus__, P.Z, P.Z],
    color=['1'],
    lorentz=[L.VVVV5],
    couplings={(0,0): C.GC_WWZZ})

V_67 = Vertex(name='V_67',
    particles=[P.W__minus__, P.W__plus__, P.H],
    color=['1'],
    lorentz=[L.VVS1],
    couplings={(0,0): C.GC_hWW})

V_68 = Vertex(name='V_68',
    particles=[P.Z, P.Z, P.H],
    color=['1'],
    lorentz=[L.VVS1],
    couplings={(0,0): C.GC_hZZ})

V_69 = Vertex(name='V_69',
    particles=[P.W__minus__, P.W__plus__, P.H, P.H],
    color=['1'],
    lorentz=[L.VVSS1],
    couplings={(0,0): C.GC_hhWW})

V_70 = Vertex(name='V_70',
    particles=[P.Z, P.Z, P.H, P.H],
    color=['1'],
    lorentz=[L.VVSS1],
    couplings={(0,0): C.GC_hhZZ})

V_71 = Vertex(name='V_71',
    particles=[P.H, P.H, P.H],
    color=['1'],
    lorentz=[L.SSS1],
    couplings={(0,0): C.GC_hhh})

V_72 = Vertex(name='V_72',
    particles=[P.H, P.H, P.H, P.H],
    color=['1'],
    lorentz=[L.SSSS1],
    couplings={(0,0): C.GC_hhhh})
