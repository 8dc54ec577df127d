# Test model for madnis (tests/test_ufo.py): the SM in MG5's sm conventions plus a Z'
# (MZp = 400, WZp = 0.5) with the Z's couplings to fermions. Written by hand for madnis.

# The functions parameter and coupling expressions may use (UFO's function library).
import cmath
from object_library import all_functions, Function

complexconjugate = Function(name='complexconjugate', arguments=('z',), expression='z.conjugate()')
re = Function(name='re', arguments=('z',), expression='z.real')
im = Function(name='im', arguments=('z',), expression='z.imag')
csc = Function(name='csc', arguments=('z',), expression='1./cmath.sin(z)')
sec = Function(name='sec', arguments=('z',), expression='1./cmath.cos(z)')
acsc = Function(name='acsc', arguments=('z',), expression='cmath.asin(1./z)')
asec = Function(name='asec', arguments=('z',), expression='cmath.acos(1./z)')
cot = Function(name='cot', arguments=('z',), expression='1./cmath.tan(z)')
