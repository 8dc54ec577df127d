"""Seeds of a run (madnis_plugin/seeds.py): explicit ones kept, large ones reduced, fresh ones
never repeated within a process folder."""

from __future__ import annotations

import pytest
import torch

from madnis_plugin import seeds
from madnis_plugin.seeds import (
    MAX_SEED,
    SEED_RECORD,
    Seed,
    record_seed,
    reduce_seed,
    resolve_seed,
    used_seeds,
)


def test_seeds_in_range_are_used_as_given():
    assert [reduce_seed(s) for s in (1, 42, 2**31 - 1, MAX_SEED - 1)] == [1, 42, 2**31 - 1, MAX_SEED - 1]


@pytest.mark.parametrize("seed", [MAX_SEED, 2**64, 99999999999999999999, 10**200])
def test_large_seeds_reduce_to_a_fixed_valid_seed(seed):
    reduced = reduce_seed(seed)
    assert 1 <= reduced < MAX_SEED
    assert reduced == reduce_seed(seed)  # the same on every call (and machine: a SHA-256 of the digits)
    assert reduced != reduce_seed(seed + 1)
    torch.Generator().manual_seed(reduced + 2)  # the run's offsets still fit torch


def test_negative_seed_is_refused():
    with pytest.raises(ValueError, match="non-negative"):
        reduce_seed(-1)


def test_explicit_seeds_win_over_the_run_card_and_zero_means_fresh(tmp_path):
    assert resolve_seed(7, 5, tmp_path) == Seed(7, 7, "--seed")
    assert resolve_seed(None, 5, tmp_path) == Seed(5, 5, "run_card iseed")
    fresh = resolve_seed(None, 0, tmp_path)
    assert fresh.origin == "fresh" and fresh.requested is None and 1 <= fresh.value < 2**31
    assert resolve_seed(0, 0, tmp_path).origin == "fresh"


def test_fresh_seed_skips_the_recorded_ones(tmp_path, monkeypatch):
    record_seed(tmp_path, Seed(11, None, "fresh"))
    record_seed(tmp_path, Seed(12, 12, "--seed"))
    record_seed(tmp_path, Seed(reduce_seed(10**30), 10**30, "--seed"))
    assert used_seeds(tmp_path) == {11, 12, reduce_seed(10**30)}
    assert "reduced from 1000000000000000000000000000000" in (tmp_path / SEED_RECORD).read_text()
    draws = iter([10, 11, 12])  # randbelow(n) + 1 gives 11 and 12 (both used), then 13
    monkeypatch.setattr(seeds.secrets, "randbelow", lambda n: next(draws))
    assert resolve_seed(None, 0, tmp_path).value == 13


def test_no_record_means_no_used_seeds(tmp_path):
    assert used_seeds(tmp_path / "Events") == set()


def test_a_twenty_digit_iseed_in_the_run_card_is_read_exactly(tmp_path):
    from madnis_plugin.cards.run_card import RunCard

    text = RunCard.default().to_string()
    assert " 0   = iseed" in text
    card = RunCard.from_string(text.replace(" 0   = iseed", " 99999999999999999999   = iseed"))
    assert card["iseed"] == 99999999999999999999  # not 1e20 through a float
    assert resolve_seed(None, card["iseed"], tmp_path).value == reduce_seed(99999999999999999999)
    assert RunCard.default().with_overrides(nevents="1e4")["nevents"] == 10000  # MG5's float forms still work
