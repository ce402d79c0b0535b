"""Probes: the numpy data every view draws, computed on the trainer thread.

Importing this package registers every built-in probe in :data:`PROBES`. Use
:func:`attach_probes` to give a session's trainer the probes a list of views
needs; each snapshot then carries their payloads under their ids in
``Snapshot.probes``.

Probes: ``boundary``, ``neurons``, ``weights`` (:mod:`~playground.probes.plane`),
``filters``, ``feature_maps`` (:mod:`~playground.probes.conv`), ``latent``,
``samples``, ``evaluation``, ``paths``, ``landscape``, ``stepthrough``, ``distribution``,
``attention``, ``generation`` (:mod:`~playground.probes.text`), ``positional_encoding``,
``nadaraya_watson`` and ``beam_search`` (:mod:`~playground.probes.formulas`), ``newton``,
``band``, ``errors``, ``gradtime``, ``search`` and ``sweep``.
"""

# Registration order is the order probes are listed in.
from playground.probes import plane  # noqa: I001, F401
from playground.probes import conv, latent, samples, evaluation, paths, landscape  # noqa: F401
from playground.probes import stepthrough, distribution, text, formulas  # noqa: F401
from playground.probes import newton, band, errors, gradtime, search, sweep  # noqa: F401
from playground.probes.base import (
    PROBES,
    VIEW_PROBES,
    ProbeRunner,
    ProbeType,
    applicable_probes,
    attach_probes,
    probes_for_views,
    register_probe,
)

__all__ = [
    "PROBES", "VIEW_PROBES", "ProbeRunner", "ProbeType", "applicable_probes", "attach_probes",
    "probes_for_views", "register_probe",
]
