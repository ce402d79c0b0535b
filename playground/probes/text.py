"""Probes of a language model: attention maps with the next-character logits, and generated text.

Both run on the thread that owns the model (the trainer's, or the worker's
helper once a run has ended) and read the prompt and decoding settings from
their options, which the views change with ``ProbeRunner.configure``:

* ``attention`` (options ``prompt``): :meth:`LanguageModelTask.attention`,
  every attention layer's (heads, L, L) weights for the prompt and the logits
  of the character after it;
* ``generation`` (options ``prompt``, ``method``, ``length``, ``temperature``,
  ``top_k``, ``width``, ``draw``, ``live``): the prompt continued by
  :meth:`LanguageModelTask.complete`. A sampled text is the ``draw``-th from the
  run's training seed (:meth:`LanguageModelTask.sampling_seed`): the Generate
  button moves ``draw`` on, ``--seed`` moves the whole sequence. With ``live`` off,
  the text is written only when the options change (the Generate button), not as
  training goes.

A prompt character outside the text's vocabulary gives a payload with an
``error`` line and nothing else.
"""

from __future__ import annotations

from typing import Any

from playground.probes.base import VIEW_PROBES, ProbeType, register_probe
from playground.tasks.language import LanguageModelTask


def _is_language_model(session: Any) -> bool:
    return isinstance(session.task, LanguageModelTask)


def _create_attention(session: Any):
    task: LanguageModelTask = session.task

    def compute(trainer: Any, options: dict) -> dict:
        prompt = options["prompt"] if options["prompt"] is not None else task.ctx.params["prompt"]
        try:
            payload = task.attention(prompt)
        except ValueError as exc:
            return {"prompt": prompt, "error": f"prompt: {exc}"}
        return {**payload, "prompt": prompt, "step": trainer.step}
    return compute


def _create_generation(session: Any):
    task: LanguageModelTask = session.task
    last: dict[str, Any] = {}  # the options and payload of the last text written

    def compute(trainer: Any, options: dict) -> dict:
        settings = {k: v for k, v in options.items() if k != "live"}
        if not options["live"] and last.get("settings") == settings:
            return last["payload"]  # nothing asked for: keep the text until Generate
        prompt = settings["prompt"] if settings["prompt"] is not None \
            else task.ctx.params["prompt"]
        length = settings["length"] if settings["length"] is not None \
            else task.ctx.params["sample_length"]
        base = {"prompt": prompt, "method": settings["method"], "step": trainer.step,
                "before": task.sample_before, "before_prompt": task.ctx.params["prompt"]}
        try:
            result = task.complete(prompt, length, settings["method"], settings["temperature"],
                                   settings["top_k"], settings["width"],
                                   task.sampling_seed(settings["draw"]))
        except ValueError as exc:
            payload = {**base, "error": f"prompt: {exc}"}
        else:
            payload = {**base, **result}
        last.update(settings=settings, payload=payload)
        return payload
    return compute


register_probe(ProbeType(
    "attention", "Attention", _is_language_model, _create_attention, interval=0.3, budget=0.05,
    defaults={"prompt": None},
    doc="For options.prompt (None: the task's): tokens, pad, layers {node: (heads, L, L)}, "
        "logits (V,) of the next character, vocab, prompt, step; or prompt and error."))

register_probe(ProbeType(
    "generation", "Generated text", _is_language_model, _create_generation, interval=1.0,
    budget=0.05,
    defaults={"prompt": None, "method": "sample", "length": None, "temperature": 0.8,
              "top_k": 0, "width": 3, "draw": 0, "live": True},
    doc="The prompt continued: text, beams [(text, log-likelihood)], log_likelihood, "
        "method, step, before (the untrained network's sample) and before_prompt; or error."))

VIEW_PROBES.setdefault("attention", ("attention",))
VIEW_PROBES.setdefault("generate", ("generation",))
