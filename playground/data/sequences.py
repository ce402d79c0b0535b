"""Time series as sliding windows: airline passengers, bookstore sales, dlpi's harmonic series.

A series of n values becomes windows: inputs ``x`` (N, length, 1) and targets
``y`` (N, horizon), window i starting at ``i * step``. The windows are
strided *views* of the series (no copy here); :func:`~playground.data.loading.load_dataset`
copies each split once, so memory is about one window array.

Splitting is chronological and never shuffled across the boundary: the
series is cut at ``n - val_points - test_points`` and ``n - test_points``, and
a window belongs to the part that holds *all* its targets (windows whose
targets straddle a cut are dropped). With ``context = "cross"`` a val/test
window's inputs may reach back into earlier parts (they are known at forecast
time), so every held-out point is predicted; with ``"within"`` inputs must
lie in the same part, as the books' code builds them (the first ``length``
points of each part are then never targets).
The data spec's ``split`` fractions do not apply to these datasets (their
split is fixed by ``val_points``/``test_points``).

Scaling (``scale``: minmax or standard) is fitted on the training part of the
series only and applied to the whole series before windowing, so inputs and
targets share one unit. The raw series, the scaled one and the scaler go to
``Dataset.meta`` (see :func:`series_meta`) so a forecast view can plot real
units: ``raw = scaled * meta["scaler"]["scale"] + meta["scaler"]["offset"]``.
Leave the data spec's ``standardize`` at "none" for these datasets: it would
rescale the inputs per window position but not the targets.
"""

from __future__ import annotations

import csv
from collections.abc import Callable

import numpy as np

from playground.data.base import Arrays, DatasetInfo, DatasetType, Footprint, register_dataset
from playground.errors import DataError
from playground.params import choice_param, float_param, int_param

SCALES = ("none", "minmax", "standard")
CONTEXTS = ("cross", "within")
SPLITS = ("train", "val", "test")
_CATEGORY = "Series"
AIRLINE_FILE = "airline_passengers.csv"
BOOKSTORE_FILE = "book_store_sales.csv"
#: ldl's 339 months, January 1992 to March 2020 (L5074, L5200).
BOOKSTORE_MONTHS = 339


def sliding_windows(series: np.ndarray, length: int, horizon: int = 1, step: int = 1
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Windows over a 1-D series as read-only strided views.

    Parameters
    ----------
    series : ndarray
        (n,) values.
    length : int
        Input steps per window.
    horizon : int
        Target steps after each window.
    step : int
        Distance between window starts.

    Returns
    -------
    x : ndarray
        (N, length, 1) inputs, ``x[i, :, 0] = series[s : s + length]`` with ``s = i * step``.
    y : ndarray
        (N, horizon) targets, ``series[s + length : s + length + horizon]``.
    starts : ndarray
        (N,) window starts ``s``.

    Raises
    ------
    ValueError
        When one window does not fit in the series.
    """
    series = np.asarray(series)
    if series.ndim != 1:
        raise ValueError(f"expected a 1-D series, got shape {series.shape}")
    if length < 1 or horizon < 1 or step < 1:
        raise ValueError("length, horizon and step must be >= 1")
    if length + horizon > len(series):
        raise ValueError(f"a window of {length} + {horizon} values does not fit in "
                         f"{len(series)} values")
    both = np.lib.stride_tricks.sliding_window_view(series, length + horizon)[::step]
    starts = np.arange(len(both)) * step
    return both[:, :length, None], both[:, length:], starts


def split_points(n: int, val_points: int, test_points: int) -> tuple[int, int]:
    """The two cuts of a chronological split: train is [0, a), val [a, b), test [b, n)."""
    return n - val_points - test_points, n - test_points


def chronological_split(starts: np.ndarray, length: int, horizon: int, cuts: tuple[int, int],
                        n: int, context: str = "cross") -> dict[str, np.ndarray]:
    """Window indices per split: each window goes to the part holding all its targets.

    ``cuts`` are the boundaries from :func:`split_points`; with ``context =
    "within"`` a window's inputs must also lie in that part.
    """
    bounds = {"train": (0, cuts[0]), "val": (cuts[0], cuts[1]), "test": (cuts[1], n)}
    first, last = starts + length, starts + length + horizon - 1  # target span
    parts = {}
    for name, (lo, hi) in bounds.items():
        keep = (first >= lo) & (last < hi)
        if context == "within":
            keep &= starts >= lo
        parts[name] = np.flatnonzero(keep)
    return parts


def fit_scaler(train_part: np.ndarray, how: str) -> dict:
    """Scaling fitted on ``train_part``: ``{"kind", "offset", "scale"}``.

    ``scaled = (raw - offset) / scale``; "none" is offset 0, scale 1.
    """
    if how == "minmax":
        offset, scale = float(train_part.min()), float(np.ptp(train_part))
    elif how == "standard":
        offset, scale = float(train_part.mean()), float(train_part.std())
    else:
        offset, scale = 0.0, 1.0
    return {"kind": how, "offset": offset, "scale": scale if scale > 1e-12 else 1.0}


def window_series(raw: np.ndarray, params: dict, what: str, time: list | None = None,
                  units: str = "") -> Arrays:
    """Scale, window and split a raw series as ``params`` say (the shared series params).

    Parameters
    ----------
    raw : ndarray
        (n,) the series in its own units.
    params : dict
        Resolved params with window, horizon, step, val_points, test_points,
        scale and context.
    what : str
        Dataset name for error messages.
    time, units : optional
        Time labels (n,) and the unit of the values, passed on in ``meta``.

    Raises
    ------
    DataError
        When the split leaves no training window, naming the field to change.
    """
    raw = np.asarray(raw, dtype=np.float64)
    n, length, horizon = len(raw), params["window"], params["horizon"]
    cuts = split_points(n, params["val_points"], params["test_points"])
    where = f"dataset '{what}'"
    if cuts[0] < length + horizon:
        raise DataError(f"the training part has {max(cuts[0], 0)} of the {n} values, too few "
                        f"for one window of {length} inputs + {horizon} targets; lower "
                        "data.params.window or test_points/val_points", where)
    scaler = fit_scaler(raw[:cuts[0]], params["scale"])
    scaled = ((raw - scaler["offset"]) / scaler["scale"]).astype(np.float32)
    x, y, starts = sliding_windows(scaled, length, horizon, params["step"])
    parts = chronological_split(starts, length, horizon, cuts, n, params["context"])
    for name, points in (("val", params["val_points"]), ("test", params["test_points"])):
        if points and not len(parts[name]):
            raise DataError(f"no {name} window fits in the last {points} values with "
                            f"context '{params['context']}'; use context 'cross', a shorter "
                            f"window or more {name}_points", where)
    meta = series_meta(raw, scaled, scaler, params, cuts, {k: starts[v] + length
                                                           for k, v in parts.items()},
                       time, units)
    return Arrays(x, y, fixed_split=parts, meta=meta)


def series_meta(raw: np.ndarray, scaled: np.ndarray, scaler: dict, params: dict,
                cuts: tuple[int, int], target_starts: dict, time: list | None, units: str
                ) -> dict:
    """What a forecast view needs: the series in both units and where each window's targets sit.

    Keys: ``series`` (n,) raw values; ``scaled`` (n,) what the windows hold;
    ``scaler``; ``time`` labels or None; ``units``; ``window``, ``horizon``,
    ``step``; ``cuts`` (train/val and val/test boundaries); ``target_index``:
    split -> (n_split,) index in the series of each window's first target.
    """
    return {"series": raw.astype(np.float32), "scaled": scaled, "scaler": scaler,
            "time": time, "units": units, "window": params["window"],
            "horizon": params["horizon"], "step": params["step"], "cuts": cuts,
            "target_index": {k: v.astype(np.int64) for k, v in target_starts.items()}}


def series_params(window: int, test_points: int, scale: str, val_points: int = 0) -> tuple:
    """The declared params every windowed-series dataset shares, with its defaults."""
    return (
        int_param("window", window, 1, 100_000, help="Input steps per window (lookback)."),
        int_param("horizon", 1, 1, 10_000, help="Steps to predict after each window."),
        int_param("step", 1, 1, 10_000, help="Distance between window starts.", advanced=True),
        int_param("val_points", val_points, 0, 10**8,
                  help="Last values before the test part held out for validation."),
        int_param("test_points", test_points, 0, 10**8,
                  help="Last values of the series held out for testing (never shuffled in)."),
        choice_param("scale", scale, SCALES,
                     help="Scaling fitted on the training part only: minmax to [0, 1] or "
                          "standard (zero mean, unit variance)."),
        choice_param("context", "cross", CONTEXTS, advanced=True,
                     help="cross: test windows may look back into training values; within: "
                          "each split's windows stay inside it (the books' code)."),
    )


#: Bytes per value of a series while it is generated, scaled and split (measured: about 55
#: for the harmonic series, 130 with the sales' month labels; these leave room).
SERIES_BYTES = 80
LABELLED_SERIES_BYTES = 200


def window_count(n: int, params: dict) -> int:
    """How many windows :func:`sliding_windows` makes from ``n`` values with ``params``."""
    span = params["window"] + params["horizon"]
    return max(0, (n - span) // params["step"] + 1)


def series_footprint(n: int, param: str, unit: str, per_value: int = SERIES_BYTES
                     ) -> Callable[[dict], list[Footprint]]:
    """``footprint(params)`` of a windowed series of ``n`` values (or ``params[param]``):
    the series itself, and the windows once they are copied into splits."""
    def footprint(params: dict) -> list[Footprint]:
        length = params[param] if param else n
        windows = window_count(length, params)
        values = params["window"] + params["horizon"]
        parts = [Footprint(windows * values * 4, f"{windows:,} windows of {params['window']:,} "
                                                 f"+ {params['horizon']:,} values", "window")]
        if param:
            parts.append(Footprint(length * per_value, f"{length:,} {unit}", param))
        return parts
    return footprint


def _series_info() -> DatasetInfo:
    # No feature_names: x is (N, steps, 1) and the unit is in meta["units"].
    return DatasetInfo("series", "regression")


# -- bundled monthly series: airline passengers, bookstore sales -----------------------------

def read_monthly(name: str, count: int, header: str) -> tuple[np.ndarray, list[str]]:
    """A bundled CSV of ``count`` rows ``month,value`` (after a header): values and months.

    Raises
    ------
    DataError
        When the bundled file is missing or malformed, naming it.
    """
    from playground.resources import asset

    path = asset(name)
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    except OSError as exc:
        raise DataError(f"cannot read the bundled series: {exc.strerror}", str(path)) from None
    try:
        months = [r[0] for r in rows[1:]]
        values = np.array([float(r[1]) for r in rows[1:]])
    except (IndexError, ValueError):
        raise DataError(f"expected rows '{header}'", str(path)) from None
    if len(values) != count:
        raise DataError(f"expected {count} months, found {len(values)}", str(path))
    return values, months


def read_airline() -> tuple[np.ndarray, list[str]]:
    """The 144 monthly totals (thousands of passengers) 1949-01..1960-12 and their months."""
    return read_monthly(AIRLINE_FILE, 144, "month,passengers")


def gen_airline(params: dict, rng: np.random.Generator) -> Arrays:
    """Box & Jenkins' airline passengers (Seaborn ``flights``), windowed."""
    values, months = read_airline()
    return window_series(values, params, "airline", months, "thousand passengers")


def gen_bookstore(params: dict, rng: np.random.Generator) -> Arrays:
    """ldl ch9's US Census bookstore sales, 1992-01..2020-03 ($ millions), windowed."""
    values, months = read_monthly(BOOKSTORE_FILE, BOOKSTORE_MONTHS, "month,sales")
    return window_series(values, params, "bookstore", months, "$ millions")


# -- dlpi Ex 5.3.1: the noisy harmonic series -----------------------------------------------

def harmonic_series(n: int, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """x[t] = cos(pi t/6) + cos(pi t/3)/2 + cos(2 pi t/3)/2 + g[t], g ~ N(0, sigma^2), t < n."""
    t = np.arange(n)
    clean = np.cos(np.pi * t / 6) + 0.5 * np.cos(np.pi * t / 3) + 0.5 * np.cos(2 * np.pi * t / 3)
    return clean + rng.normal(0.0, sigma, n)


def gen_harmonic(params: dict, rng: np.random.Generator) -> Arrays:
    """dlpi (5.24), noise from the data spec's seed (the book's run is unseeded)."""
    series = harmonic_series(params["n_points"], params["sigma"], rng)
    return window_series(series, params, "harmonic", None, "x[t]")  # time = index


# -- ldl ch9 substitute: generated monthly sales ----------------------------------------------

#: Multiplicative month factors (Jan..Dec): January and August-September textbook peaks,
#: a December holiday peak, a quiet spring (the shape of US bookstore sales).
SEASON = np.array([1.30, 0.80, 0.85, 0.85, 0.90, 0.88, 0.92, 1.35, 1.20, 0.90, 0.90, 1.15])


def sales_series(months: int, noise: float, rng: np.random.Generator) -> np.ndarray:
    """Monthly sales ($ millions): trend up for 60% of the span then down, times seasonality.

    ``trend`` rises from 600 to 1400 and falls back to 1000; a slow random walk
    bends it; each month is multiplied by :data:`SEASON` and by 1 + N(0, noise).
    """
    t = np.arange(months) / max(months - 1, 1)
    peak = 0.6
    trend = np.where(t < peak, 600 + 800 * t / peak, 1400 - 400 * (t - peak) / (1 - peak))
    wander = np.cumsum(rng.normal(0.0, 8.0, months))
    season = SEASON[np.arange(months) % 12]
    return (trend + wander) * season * (1.0 + rng.normal(0.0, noise, months))


def gen_sales(params: dict, rng: np.random.Generator) -> Arrays:
    """A seeded stand-in for ldl's Census bookstore sales (1992-01 onwards)."""
    series = sales_series(params["months"], params["noise"], rng)
    labels = [f"{1992 + i // 12}-{i % 12 + 1:02d}" for i in range(len(series))]
    return window_series(series, params, "sales", labels, "$ millions")


register_dataset(DatasetType(
    "airline", "Airline passengers 1949-1960", _CATEGORY,
    series_params(window=12, test_points=18, scale="minmax"),
    gen_airline, _series_info(),
    "Box & Jenkins' 144 monthly international airline passenger totals (Seaborn 'flights', "
    "R AirPassengers), bundled; dlpi Ex 5.7.1 trains on the first 126 and tests on the last "
    "18.", footprint=series_footprint(144, "", "")))

register_dataset(DatasetType(
    "bookstore", "US bookstore sales 1992-2020", _CATEGORY,
    series_params(window=12, test_points=68, scale="standard"),
    gen_bookstore, _series_info(),
    "The US Census Bureau's monthly retail sales of bookstores (NAICS 451211, not seasonally "
    "adjusted, $ millions), January 1992 to March 2020: the 339 months ldl ch9 forecasts "
    "(public domain), bundled; standardised on the first 271 months (80%).",
    footprint=series_footprint(BOOKSTORE_MONTHS, "", "")))

register_dataset(DatasetType(
    "harmonic", "Noisy harmonic series (dlpi 5.3.1)", _CATEGORY,
    (int_param("n_points", 200, 4, 10**8, help="Values t = 0..n-1 (book: 150 train + 50 test)."),
     float_param("sigma", 0.1, 0.0, 10.0, help="Noise standard deviation (book: 0.1)."),
     *series_params(window=10, test_points=50, scale="minmax")),
    gen_harmonic, _series_info(),
    "dlpi (5.24): cos(pi t/6) + cos(pi t/3)/2 + cos(2 pi t/3)/2 plus N(0, 0.1^2) noise, "
    "scaled to [0, 1] on the training part; one-step-ahead windows.",
    footprint=series_footprint(0, "n_points", "points of series")))

register_dataset(DatasetType(
    "sales", "Monthly sales (generated)", _CATEGORY,
    (int_param("months", 339, 24, 10**8, help="Length in months (ldl: 339, 1992 to 2020-03)."),
     float_param("noise", 0.03, 0.0, 1.0, help="Relative month-to-month noise."),
     *series_params(window=12, test_points=68, scale="standard")),
    gen_sales,
    DatasetInfo("series", "regression",
                substitute="a generated monthly series instead of the US Census bookstore "
                           "sales (not available offline)"),
    "A seeded monthly series with a rising-then-falling trend, yearly seasonality and noise: "
    "the stand-in for ldl ch9's bookstore sales; standardised on the first 80%.",
    footprint=series_footprint(0, "months", "months of series", LABELLED_SERIES_BYTES)))
