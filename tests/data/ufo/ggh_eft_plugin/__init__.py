# Test plugin model for madnis (tests/test_lorentz_codegen.py): effective couplings of a
# CP-even h and a CP-odd a0 to gluons in the heavy-top limit, in UFO form, to be added to
# a base model with `add model` (as MG5's hgg_plugin is). Written by hand for madnis.

# A UFO package: madnis reads the files itself; this file only marks the folder.
