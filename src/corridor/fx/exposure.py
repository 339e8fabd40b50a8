"""Provider exposure per pair: how much of its cap a provider has used, now and at peak.

Exposure is gross, in minor units of the pair's base currency, over both directions:
a locked quote reserves its base amount; a consumed quote keeps it; a settled quote
keeps it as settled; an expired or released quote gives it back. It accumulates until
`reset` (the hub calls it when it opens a business day), because a provider's position
in a pair grows with every trade that settles, not only with the ones in flight. The
peak is the highest `now` since the last reset.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

ExposureKey = tuple[str, str, str]  # (provider BIC, base, quote)
EXPOSURE_KEYS_MAX = 100_000
_Totals = dict[ExposureKey, int]
_NONE: Mapping[ExposureKey, int] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class ExposureRow:
    """One provider's exposure in one pair.

    Attributes:
        provider, base, quote: the key; amounts are minor units of `base`.
        reserved_minor: held by locked and consumed quotes (not yet settled).
        settled_minor: settled since the last reset.
        now_minor: reserved + settled.
        peak_minor: the highest now_minor since the last reset.
        cap_minor: the provider's current cap for the pair (None if it quotes it no more).
    """

    provider: str
    base: str
    quote: str
    reserved_minor: int
    settled_minor: int
    now_minor: int
    peak_minor: int
    cap_minor: int | None


class ExposureBook:
    """Running exposure totals; mutated only by the QuoteBook that owns it."""

    def __init__(self) -> None:
        self._reserved: dict[ExposureKey, int] = {}
        self._settled: dict[ExposureKey, int] = {}
        self._peak: dict[ExposureKey, int] = {}

    def now_minor(self, key: ExposureKey) -> int:
        return self._reserved.get(key, 0) + self._settled.get(key, 0)

    def peak_minor(self, key: ExposureKey) -> int:
        return self._peak.get(key, 0)

    def remaining_minor(self, key: ExposureKey, cap_minor: int) -> int:
        return max(cap_minor - self.now_minor(key), 0)

    def reserve(self, key: ExposureKey, amount_minor: int) -> None:
        assert amount_minor > 0
        if key not in self._reserved and len(self._reserved) >= EXPOSURE_KEYS_MAX:
            raise OverflowError(f"more than EXPOSURE_KEYS_MAX={EXPOSURE_KEYS_MAX} pairs")
        self._reserved[key] = self._reserved.get(key, 0) + amount_minor
        self._peak[key] = max(self._peak.get(key, 0), self.now_minor(key))
        assert self._peak[key] >= self.now_minor(key)

    def release(self, key: ExposureKey, amount_minor: int) -> None:
        held = self._reserved.get(key, 0)
        assert 0 < amount_minor <= held, (key, amount_minor, held)
        self._reserved[key] = held - amount_minor

    def settle(self, key: ExposureKey, amount_minor: int) -> None:
        """A reserved amount settled: it stays in the exposure, now as settled."""
        self.release(key, amount_minor)
        self._settled[key] = self._settled.get(key, 0) + amount_minor
        assert self.now_minor(key) <= self._peak[key]

    def unsettle(self, key: ExposureKey, amount_minor: int) -> None:
        """`settle` undone (its batch failed before its commit): reserved again."""
        held = self._settled.get(key, 0)
        assert 0 < amount_minor <= held, (key, amount_minor, held)
        self._settled[key] = held - amount_minor
        self._reserved[key] = self._reserved.get(key, 0) + amount_minor

    def reset(self, base: str | None = None, settled: Mapping[ExposureKey, int] = _NONE) -> None:
        """A new business day: settled exposure and peaks start again; reservations stay.
        With `base`, only the pairs of that base currency (its business day opened).
        `settled`: what settled in those pairs since the day opened (after a restart, the
        day's trades so far), which the day starts from instead of zero."""
        if base is None:
            self._settled.clear()
            self._peak = {key: held for key, held in self._reserved.items() if held}
        else:
            for key in [key for key in self._settled if key[1] == base]:
                del self._settled[key]
            for key in [key for key in self._peak if key[1] == base]:
                held = self._reserved.get(key, 0)
                if held:
                    self._peak[key] = held
                else:
                    del self._peak[key]
        for key, amount_minor in settled.items():
            if base is not None and key[1] != base:
                raise ValueError(f"exposure of {key} is not in base {base}")
            self._settled[key] = self._settled.get(key, 0) + amount_minor
            self._peak[key] = max(self._peak.get(key, 0), self.now_minor(key))

    def rows(self, caps: dict[ExposureKey, int]) -> list[ExposureRow]:
        """Every key with a reservation, a settlement, a peak or a cap, sorted."""
        keys = sorted(
            self._reserved.keys() | self._settled.keys() | self._peak.keys() | caps.keys()
        )
        return [
            ExposureRow(
                provider=key[0],
                base=key[1],
                quote=key[2],
                reserved_minor=self._reserved.get(key, 0),
                settled_minor=self._settled.get(key, 0),
                now_minor=self.now_minor(key),
                peak_minor=self.peak_minor(key),
                cap_minor=caps.get(key),
            )
            for key in keys
        ]

    def state(self) -> tuple[_Totals, _Totals, _Totals]:
        """(reserved, settled, peak) copies, for persistence."""
        return dict(self._reserved), dict(self._settled), dict(self._peak)

    @classmethod
    def restore(
        cls,
        reserved: dict[ExposureKey, int],
        settled: dict[ExposureKey, int],
        peak: dict[ExposureKey, int],
    ) -> ExposureBook:
        book = cls()
        book._reserved, book._settled, book._peak = dict(reserved), dict(settled), dict(peak)
        for key in book._reserved.keys() | book._settled.keys():
            assert book._peak.get(key, 0) >= book.now_minor(key), key
        return book
