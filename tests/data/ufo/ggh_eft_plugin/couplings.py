# Test plugin model for madnis (tests/test_lorentz_codegen.py): effective couplings of a
# CP-even h and a CP-odd a0 to gluons in the heavy-top limit, in UFO form, to be added to
# a base model with `add model` (as MG5's hgg_plugin is). Written by hand for madnis.

from object_library import all_couplings, Coupling

GC_hgg = Coupling(name='GC_hgg', value='-(complex(0,1)*GH)', order={'HIG':1})
GC_hggg = Coupling(name='GC_hggg', value='-(G*GH)', order={'HIG':1, 'QCD':1})
GC_hgggg = Coupling(name='GC_hgggg', value='complex(0,1)*G**2*GH', order={'HIG':1, 'QCD':2})
GC_agg = Coupling(name='GC_agg', value='complex(0,1)*GA/8.', order={'HIG':1})
GC_aggg = Coupling(name='GC_aggg', value='-(G*GA)', order={'HIG':1, 'QCD':1})
