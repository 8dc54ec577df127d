# Test plugin model for madnis (tests/test_lorentz_codegen.py): effective couplings of a
# CP-even h and a CP-odd a0 to gluons in the heavy-top limit, in UFO form, to be added to
# a base model with `add model` (as MG5's hgg_plugin is). Written by hand for madnis.

from object_library import all_particles, Particle
import parameters as Param

G = Particle(pdg_code=21, name='g', antiname='g', spin=3, color=8, mass=Param.ZERO, width=Param.ZERO,
             texname='g', antitexname='g', charge=0, GhostNumber=0, LeptonNumber=0, Y=0)

H = Particle(pdg_code=25, name='h', antiname='h', spin=1, color=1, mass=Param.MH, width=Param.WH,
             texname='h', antitexname='h', charge=0, GhostNumber=0, LeptonNumber=0, Y=0)

A0 = Particle(pdg_code=36, name='a0', antiname='a0', spin=1, color=1, mass=Param.MA0, width=Param.WA0,
              texname='a0', antitexname='a0', charge=0, GhostNumber=0, LeptonNumber=0, Y=0)
