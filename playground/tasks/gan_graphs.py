"""A GAN's two graphs, compiled and checked against each other and the data.

The generator maps noise (its one Input's explicit shape) to samples shaped
like the data; the discriminator takes those samples and gives one value per
sample. Each mismatch is one error naming the graph and the node.
"""

from __future__ import annotations

from playground.compiler import CompiledGraph, compile_graph
from playground.errors import GraphError, TrainingError
from playground.tasks.base import TaskContext, batch_sizes


def _shape_text(shape: tuple) -> str:
    return "(N, " + ", ".join(map(str, shape)) + ")"


def compile_generator(ctx: TaskContext, data_shape: tuple) -> tuple[CompiledGraph, tuple]:
    """The generator compiled on ``ctx.device`` and its noise shape; it must map its one
    Input (with an explicit shape: the noise) to samples shaped like the data."""
    graph = ctx.graphs["generator"]
    inputs = graph.nodes_of_type("input")
    if len(inputs) != 1:
        raise TrainingError(f"the generator needs exactly one Input (the noise) but has "
                            f"{len(inputs)}", "graphs.generator")
    if not inputs[0].params.get("shape"):
        raise GraphError("the generator's Input has no shape", node=inputs[0].id,
                         fix="set its shape to the noise size, e.g. [100]")
    batch, eval_batch = batch_sizes(ctx)  # one batch's activations must fit too
    compiled = compile_graph(graph, {}, seed=ctx.config.seed, batch=batch,
                             eval_batch=eval_batch)
    compiled.module.to(ctx.device)
    out = tuple(compiled.output_shape())
    if out != data_shape:
        raise TrainingError(f"the generator must output samples shaped like the data "
                            f"{_shape_text(data_shape)} but gives {_shape_text(out)}",
                            f"graphs.generator: node '{compiled.output_nodes[0]}'")
    return compiled, tuple(inputs[0].params["shape"])


def compile_discriminator(ctx: TaskContext, data_shape: tuple) -> CompiledGraph:
    """The discriminator compiled on ``ctx.device``: one Input taking the data's samples
    (unless it has a shape of its own), one value per sample out."""
    graph = ctx.graphs["discriminator"]
    shapes = {n.id: data_shape for n in graph.nodes_of_type("input")
              if not n.params.get("shape")}
    # seed + 1: the two networks should not start from the same random stream.
    batch, eval_batch = batch_sizes(ctx)
    compiled = compile_graph(graph, shapes, seed=ctx.config.seed + 1, batch=batch,
                             eval_batch=eval_batch)
    compiled.module.to(ctx.device)
    if len(compiled.input_nodes) != 1:
        raise TrainingError("the discriminator needs exactly one Input (the samples)",
                            "graphs.discriminator")
    got = tuple(compiled.report.nodes[compiled.input_nodes[0]].known_output())
    if got != data_shape:
        raise TrainingError(f"the discriminator's Input is {_shape_text(got)} but the data "
                            f"is {_shape_text(data_shape)}; clear its shape",
                            f"graphs.discriminator: node '{compiled.input_nodes[0]}'")
    if tuple(compiled.output_shape()) != (1,):
        raise TrainingError(f"the discriminator must output one value per sample (N, 1) but "
                            f"gives {_shape_text(tuple(compiled.output_shape()))}; end it "
                            "with Dense(1, sigmoid)",
                            f"graphs.discriminator: node '{compiled.output_nodes[0]}'")
    return compiled
