"""The madnis side of the MG5 link: install the plugin into MG5, check MG5 loads it,
and check a process folder's subprocesses against madnis's own expansion.

Run by the ``madnis`` executable (``madnis mg5-install``, ``mg5-check``, ``mg5-run``),
never by MG5.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .folder import EXECUTABLE_FILE, flavour_key, mg5_flavours


class PluginError(Exception):
    """The plugin cannot be installed or MG5 cannot load it (the message says why)."""


PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the installed madnis_plugin folder

# Run by MG5's Python inside MG5_DIR: import the plugin as MG5 does, report what it offers.
_PROBE = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import madgraph.various.misc as misc
out = {}
try:
    import PLUGIN.madnis_plugin as plugin
    out["new_output"] = sorted(getattr(plugin, "new_output", {}))
    out["supported"] = bool(misc.is_plugin_supported(plugin))
    cls = plugin.new_output.get("madnis")
    out["exporter"] = cls.__name__ if cls else None
    out["torch"] = "torch" in sys.modules
    out["version"] = misc.get_pkg_info()["version"]
except Exception as error:
    out["error"] = "%s: %s" % (type(error).__name__, error)
print("MADNIS_PROBE " + json.dumps(out))
"""


def mg5_dir(path: str | os.PathLike[str]) -> Path:
    root = Path(path).expanduser().resolve()
    if not (root / "madgraph").is_dir() or not (root / "PLUGIN").is_dir():
        raise PluginError(f"{root} is not an MG5_aMC@NLO folder (no madgraph/ and PLUGIN/ in it)")
    return root


def install(mg5_path: str | os.PathLike[str], executable: str | None = None, python: str = "python3") -> dict:
    """Link this package as MG5_DIR/PLUGIN/madnis_plugin, record the madnis executable
    beside it, and check that MG5's Python loads it (`check`)."""
    root = mg5_dir(mg5_path)
    link = root / "PLUGIN" / "madnis_plugin"
    if link.is_symlink() and link.resolve() != PACKAGE_DIR:
        link.unlink()  # a link to another madnis installation: replaced
    elif link.exists() and not link.is_symlink():
        raise PluginError(f"{link} exists and is not a link to {PACKAGE_DIR}; remove it first")
    if not link.exists():
        link.symlink_to(PACKAGE_DIR, target_is_directory=True)
    exe = executable or shutil.which("madnis") or str(Path(sys.argv[0]).resolve())
    (root / "PLUGIN" / EXECUTABLE_FILE).write_text(exe + "\n")
    return check(root, python)


def check(mg5_path: str | os.PathLike[str], python: str = "python3") -> dict:
    """Import PLUGIN.madnis_plugin with MG5's Python; raise `PluginError` unless it
    offers ``output madnis`` for this MG5 version without importing torch."""
    root = mg5_dir(mg5_path)
    link = root / "PLUGIN" / "madnis_plugin"
    if not (link / "__init__.py").is_file():
        raise PluginError(f"{link} is missing: run `madnis mg5-install {root}`")
    try:
        done = subprocess.run([python, "-c", _PROBE, str(root)], check=False, cwd=root, capture_output=True, text=True,
                              timeout=300)
    except OSError as err:
        raise PluginError(f"cannot run MG5's Python {python!r}: {err}") from err
    lines = [x for x in done.stdout.splitlines() if x.startswith("MADNIS_PROBE ")]
    if not lines:
        raise PluginError(f"MG5's Python ({python}) could not import the plugin: {done.stderr.strip()[-500:]}")
    import json

    info = json.loads(lines[-1][len("MADNIS_PROBE "):])
    if "error" in info:
        raise PluginError(f"MG5 cannot import PLUGIN.madnis_plugin: {info['error']}")
    if info["exporter"] != "MadnisExporter":
        raise PluginError(f"MG5 imports PLUGIN.madnis_plugin but `output madnis` is broken: "
                          f"{_broken_reason(root, python)}")
    if not info["supported"]:
        raise PluginError(f"MG5 {info['version']} discards the plugin (outside its supported versions)")
    if info["torch"]:
        raise PluginError("importing the plugin into MG5 imported torch (the MG5 side must not)")
    info["link"] = str(link)
    return info


def _broken_reason(root: Path, python: str) -> str:
    probe = ("import sys; sys.path.insert(0, sys.argv[1]); import madgraph; "
             "from PLUGIN.madnis_plugin.mg5 import plugin; plugin.outputs()")
    done = subprocess.run([python, "-c", probe, str(root)], check=False, cwd=root, capture_output=True, text=True,
                          timeout=300)
    return done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "unknown"


def subprocess_mismatch(recorded: list[dict], process) -> str | None:
    """None when madnis's subprocesses of `process` are MG5's `recorded` ones; else what differs."""
    ours = {flavour_key(f) for sub in process.subprocesses for f in sub.flavours}  # madnis: 2 -> n
    theirs = mg5_flavours(recorded)
    if ours == theirs:
        return None
    only_mg5 = sorted(theirs - ours)
    only_ours = sorted(ours - theirs)
    return (f"MG5 generated {len(theirs)} flavour assignments, madnis {len(ours)}; only MG5: "
            f"{only_mg5[:6]}{' …' if len(only_mg5) > 6 else ''}; only madnis: "
            f"{only_ours[:6]}{' …' if len(only_ours) > 6 else ''}")
