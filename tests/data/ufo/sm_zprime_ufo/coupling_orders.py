# Test model for madnis (tests/test_ufo.py): the SM in MG5's sm conventions plus a Z'
# (MZp = 400, WZp = 0.5) with the Z's couplings to fermions. Written by hand for madnis.

from object_library import all_orders, CouplingOrder

QCD = CouplingOrder(name='QCD',
    expansion_order=99,
    hierarchy=1)

QED = CouplingOrder(name='QED',
    expansion_order=99,
    hierarchy=2)
