"""MadGraph cards: proc_card.dat and run_card.dat parsers (pure Python, no compiled core).

The param_card (SLHA) belongs with the models, in :mod:`madnis_plugin.models`.
"""

from madnis_plugin.cards.proc_card import ProcCard, ProcessDefinition
from madnis_plugin.cards.run_card import RunCard

__all__ = ["ProcCard", "ProcessDefinition", "RunCard"]
