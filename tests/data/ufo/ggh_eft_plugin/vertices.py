# Test plugin model for madnis (tests/test_lorentz_codegen.py): effective couplings of a
# CP-even h and a CP-odd a0 to gluons in the heavy-top limit, in UFO form, to be added to
# a base model with `add model` (as MG5's hgg_plugin is). Written by hand for madnis.

from object_library import all_vertices, Vertex
import particles as P
import couplings as C
import lorentz as L

V_hgg = Vertex(name='V_hgg', particles=[P.G, P.G, P.H], color=['Identity(1,2)'], lorentz=[L.VVS_T],
               couplings={(0,0): C.GC_hgg})

V_hggg = Vertex(name='V_hggg', particles=[P.G, P.G, P.G, P.H], color=['f(1,2,3)'], lorentz=[L.VVVS_T],
                couplings={(0,0): C.GC_hggg})

V_hgggg = Vertex(name='V_hgggg', particles=[P.G, P.G, P.G, P.G, P.H],
                 color=['f(-1,1,2)*f(3,4,-1)', 'f(-1,1,3)*f(2,4,-1)', 'f(-1,1,4)*f(2,3,-1)'],
                 lorentz=[L.VVVVS_A, L.VVVVS_B, L.VVVVS_C],
                 couplings={(0,0): C.GC_hgggg, (1,1): C.GC_hgggg, (2,2): C.GC_hgggg})

V_agg = Vertex(name='V_agg', particles=[P.G, P.G, P.A0], color=['Identity(1,2)'], lorentz=[L.VVS_E],
               couplings={(0,0): C.GC_agg})

V_aggg = Vertex(name='V_aggg', particles=[P.G, P.G, P.G, P.A0], color=['f(1,2,3)'], lorentz=[L.VVVS_E],
                couplings={(0,0): C.GC_aggg})
