# Test model for madnis (tests/test_ufo.py): the SM in MG5's sm conventions plus a Z'
# (MZp = 400, WZp = 0.5) with the Z's couplings to fermions. Written by hand for madnis.

# A UFO package: madnis reads the files itself; this file only marks the folder.
