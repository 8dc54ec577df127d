"""MadNIS settings: one dataclass, filled from the run_card's ``madnis_*`` block.

Defaults are sized for a 2 → 2 or 2 → 3 process on a CPU in about a minute; larger
processes want more steps and a larger batch (``madnis_steps``, ``madnis_batch_size``).
Network sizes and VEGAS pretraining details are not run_card settings: they keep
their defaults here (a Python caller may change them). This module holds no logic
beyond reading the card.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from madnis_plugin.nis.losses import LOSSES


@dataclass
class MadnisConfig:
    # training schedule (run_card)
    steps: int = 300  # online steps (fresh integrand calls each)
    batch_size: int = 4096  # integrand calls per online step, over all channels
    learning_rate: float = 3e-3
    buffer_size: int = 200_000  # stored points reused by buffered steps
    buffered_steps: int = 3  # buffered steps after every online step (no integrand calls)
    loss: str = "stratified_variance"
    channel_weights: bool = True  # learn α_c(x); False keeps MG5's |A_c|² prior
    drop_threshold: float = 1e-4  # drop a channel below this share of σ (0: never)
    # VEGAS pretraining (run_card: madnis_vegas_iterations)
    vegas_iterations: int = 5
    vegas_calls: int = 20_000
    vegas_bins: int = 64
    train_vegas_grid: bool = False
    # networks
    bins: int = 16
    hidden: int = 32
    hidden_layers: int = 2
    weight_hidden: int = 32
    # sampling and numerics
    min_fraction: float = 0.02  # floor of a channel's share of the calls (of 1/n_channels at most)
    final_lr_fraction: float = 0.05  # cosine decay of the learning rate to this fraction
    grad_clip: float = 10.0
    drop_after: float = 0.1  # no dropping in the first fraction of the online steps

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise ValueError(f"madnis loss '{self.loss}' is not one of {', '.join(LOSSES)}")
        for name in ("steps", "buffered_steps", "vegas_iterations", "buffer_size"):
            if getattr(self, name) < 0:
                raise ValueError(f"madnis {name} must be >= 0")
        if self.batch_size < 2:
            raise ValueError("madnis batch_size must be >= 2")

    @classmethod
    def from_run_card(cls, card) -> MadnisConfig:
        """The ``madnis_*`` values of a RunCard (defaults where the card does not set them)."""
        return cls(
            steps=int(card["madnis_steps"]),
            batch_size=int(card["madnis_batch_size"]),
            learning_rate=float(card["madnis_learning_rate"]),
            buffer_size=int(card["madnis_buffer_size"]),
            buffered_steps=int(card["madnis_buffered_steps"]),
            loss=str(card["madnis_loss"]),
            channel_weights=bool(card["madnis_channel_weights"]),
            drop_threshold=float(card["madnis_drop_threshold"]),
            vegas_iterations=int(card["madnis_vegas_iterations"]),
        )

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> MadnisConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
