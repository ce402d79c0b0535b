"""Decoding a sequence model: greedy choice, sampling with temperature and top-k, beam search.

Everything here works on plain next-token distributions, so the same code
decodes a trained character model (:mod:`playground.tasks.language`) and the
printed probability tree of dlpi's Table 5.1 (:mod:`playground.tasks.beam_tree`).

Beam search follows dlpi 5.7.6 (L5783-5825): each of the ``width`` best
unfinished paths is extended by its own ``width`` most probable tokens; a
path whose new token is the end token is finished; of the unfinished
candidates the ``width`` best go on, the others drop out of the beam. Paths
are ranked by their negative log-likelihood, divided by the path length when
``length_normalised`` (Eq. 5.47: paths of different lengths compare fairly).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

#: Path states after a beam search.
BEAM, FINISHED, PRUNED, STOPPED = "beam", "finished", "pruned", "stopped"

#: ``next_log_probs(prefixes) -> rows``: one (V,) array of log-probabilities per prefix (a
#: tuple of token ids), or None for a prefix whose continuation is unknown.
NextLogProbs = Callable[[list[tuple[int, ...]]], Sequence[np.ndarray | None]]


@dataclass(frozen=True)
class Path:
    """One path of a beam search.

    Attributes
    ----------
    tokens : tuple of int
        The decoded tokens (the prompt not included).
    log_probs : tuple of float
        log p of each token given the ones before it.
    status : str
        "beam" (still in the beam at the end), "finished" (ended with the end
        token), "pruned" (fell out of the beam) or "stopped" (no distribution
        to continue it with).
    """

    tokens: tuple[int, ...]
    log_probs: tuple[float, ...]
    status: str

    @property
    def log_likelihood(self) -> float:
        """Sum of the tokens' log-probabilities."""
        return float(sum(self.log_probs))

    @property
    def nll(self) -> float:
        """Negative log-likelihood per token (dlpi's length-normalised NLL, Table 5.1)."""
        return -self.log_likelihood / max(len(self.tokens), 1)

    @property
    def probabilities(self) -> tuple[float, ...]:
        """Each token's probability."""
        return tuple(math.exp(v) for v in self.log_probs)


def beam_search(next_log_probs: NextLogProbs, width: int, steps: int, eos: int | None = None,
                length_normalised: bool = False, record_pruned: bool = True) -> list[Path]:
    """Beam search of ``width`` paths for at most ``steps`` tokens.

    Parameters
    ----------
    next_log_probs : callable
        See :data:`NextLogProbs`; called once per step with every live prefix.
    width : int
        k: paths kept, and tokens tried per path.
    steps : int
        Most tokens per path.
    eos : int, optional
        The end token: a path that emits it is finished.
    length_normalised : bool
        Rank by NLL per token instead of the total NLL.
    record_pruned : bool
        Also return the paths that fell out of the beam.

    Returns
    -------
    list of Path
        Every path that ended (finished, pruned, stopped, or still in the beam
        after ``steps``), in tree order: sorted by their token ids, so siblings
        appear in token order and a path's continuations follow it, as in Table 5.1.
    """
    live: list[Path] = [Path((), (), BEAM)]
    ended: list[Path] = []
    for _ in range(steps):
        rows = next_log_probs([p.tokens for p in live])
        candidates: list[Path] = []
        for path, row in zip(live, rows):
            if row is None:
                ended.append(Path(path.tokens, path.log_probs, STOPPED))
                continue
            for token in top_tokens(row, width):
                child = Path((*path.tokens, token), (*path.log_probs, float(row[token])), BEAM)
                if token == eos:
                    ended.append(Path(child.tokens, child.log_probs, FINISHED))
                else:
                    candidates.append(child)
        score = (lambda p: p.nll) if length_normalised else (lambda p: -p.log_likelihood)
        candidates.sort(key=score)  # stable: ties keep tree order
        live = candidates[:width]
        if record_pruned:
            ended.extend(Path(p.tokens, p.log_probs, PRUNED) for p in candidates[width:])
        if not live:
            break
    return sorted([*ended, *live], key=lambda p: p.tokens)


def top_tokens(log_probs: np.ndarray, k: int) -> list[int]:
    """The ``k`` most probable possible tokens of a (V,) row (ties: the lower id first)."""
    order = np.argsort(-np.asarray(log_probs, np.float64), kind="stable")[:k]
    return [int(t) for t in order if np.isfinite(log_probs[t])]


def best_finished(paths: Sequence[Path]) -> Path | None:
    """The finished path with the lowest NLL per token (dlpi keeps only it), or None."""
    finished = [p for p in paths if p.status == FINISHED]
    return min(finished, key=lambda p: p.nll) if finished else None


# -- one token at a time ---------------------------------------------------------------------

def distribution(logits: torch.Tensor, temperature: float = 1.0, top_k: int = 0
                 ) -> torch.Tensor:
    """softmax(logits / temperature) over the ``top_k`` largest logits (0: all): (..., V).

    A temperature near 0 approaches the greedy choice (all mass on the
    largest logit); above 1 the distribution flattens.
    """
    scaled = logits.double() / max(temperature, 1e-6)
    if 0 < top_k < scaled.shape[-1]:
        kth = scaled.topk(top_k, dim=-1).values[..., -1:]
        scaled = scaled.masked_fill(scaled < kth, float("-inf"))
    return scaled.softmax(dim=-1)


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """softmax(logits / temperature) of a (..., V) numpy array, as :func:`distribution`."""
    scaled = np.asarray(logits, np.float64) / max(temperature, 1e-6)
    scaled = scaled - scaled.max(axis=-1, keepdims=True)
    e = np.exp(scaled)
    return e / e.sum(axis=-1, keepdims=True)


def pick(logits: torch.Tensor, method: str, temperature: float = 1.0, top_k: int = 0,
         generator: torch.Generator | None = None) -> int:
    """The next token from (V,) ``logits``: "greedy" (most probable) or "sample"."""
    if method == "greedy":
        return int(logits.argmax())
    probs = distribution(logits, temperature, top_k)
    return int(torch.multinomial(probs.float(), 1, generator=generator))
