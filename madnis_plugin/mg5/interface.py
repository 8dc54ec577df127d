"""``mg5_aMC --mode=madnis_plugin``: MG5's interface whose ``launch`` knows madnis folders.

Plain MG5 already launches a madnis folder (it looks standalone to MG5, see folder.py);
this interface adds ``launch DIR [--nevents N --seed S --device cuda ...]`` with
madnis's own options, handed to DIR/bin/generate_events. Other folders launch as in MG5.
"""

from __future__ import annotations

import os
import subprocess

from madgraph import InvalidCmd
from madgraph.interface.master_interface import MasterCmd

from . import folder

# MG5's own launch flags, meaningless for madnis (it never asks to edit cards).
_MG5_FLAGS = {"-f", "--force", "-i", "--interactive", "-c", "--cluster", "-m", "--multicore"}


class MadnisInterface(MasterCmd):
    def do_launch(self, line):
        args = self.split_arg(line)
        if args and not args[0].startswith("-"):
            here, args = args[0], args[1:]
        else:
            here = self._done_export[0] if self._done_export else None
        if here is None or not os.path.isfile(os.path.join(here, folder.MARKER)):
            return super().do_launch(line)
        options = [part for a in args if a.split("=")[0] not in _MG5_FLAGS
                   for part in (a.split("=", 1) if a.startswith("--") else [a])]  # --seed=5 -> --seed 5
        status = subprocess.call([os.path.join(here, "bin", "generate_events"), *options])
        if status != 0:
            raise InvalidCmd(f"madnis run of {here} failed (status {status})")
        return None
