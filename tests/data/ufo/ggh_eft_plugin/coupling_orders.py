# Test plugin model for madnis (tests/test_lorentz_codegen.py): effective couplings of a
# CP-even h and a CP-odd a0 to gluons in the heavy-top limit, in UFO form, to be added to
# a base model with `add model` (as MG5's hgg_plugin is). Written by hand for madnis.

from object_library import all_orders, CouplingOrder

QCD = CouplingOrder(name='QCD', expansion_order=99, hierarchy=1)

# one insertion of the effective operator at most, as the heavy-top limit is meant
HIG = CouplingOrder(name='HIG', expansion_order=1, hierarchy=2)
