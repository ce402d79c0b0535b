"""Every layer type's card text fits its card: the title in the header and the
essentials line beside the − / + buttons, unelided.

The card shows the first form of its essentials line that fits ("5×5↑2 sigmoid",
then "5x5↑2 σ", then "5x5↑2"); checked for every layer type at its defaults, with
each choice of each choice param, wide strided kernels and widths of one to four
digits (the − count + group grows with the digits), and for every node of every
preset, where the activation must still show. A node's own label is its author's
text, elided with the whole of it in the tooltip; the type's title must fit.
"""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFontMetricsF

from playground.graph import Node
from playground.layers.base import LAYERS, default_params
from playground.project.presets import list_presets, load_preset
from playground.project.variants import variant_projects
from ui.editor import style
from ui.editor.card import COUNT_PARAMS, SHORT_ACTIVATIONS, card_title
from ui.editor.connections import node_ports, resolved_params
from ui.editor.items import NodeItem


def card(node: Node) -> NodeItem:
    spec = LAYERS.get(node.type)
    inputs, outputs = node_ports(node)
    item = NodeItem(node.id, card_title(node.type, spec.label), spec.category, inputs, outputs,
                    node.type)
    item.set_params(resolved_params(node))
    return item


def unfitted(item: NodeItem) -> list[str]:
    """The texts of ``item`` that would be elided."""
    plain = QFontMetricsF(style.font(style.NODE_FONT_PT))
    bold = QFontMetricsF(style.font(style.NODE_FONT_PT, bold=True))
    problems = []
    shown = item.shown_essentials()
    if plain.horizontalAdvance(shown) > item.essentials_room():
        problems.append(f"essentials {shown!r} in {item.essentials_room():.0f} px")
    if bold.horizontalAdvance(item.title) > item.header_room():
        problems.append(f"title {item.title!r} in {item.header_room():.0f} px")
    return problems


def hard_params(type_id: str) -> list[dict]:
    """Params of ``type_id`` that make its card text long."""
    spec = LAYERS.get(type_id)
    base = default_params(type_id)
    cases = [base]
    for param in spec.params:
        if param.kind == "choice":
            cases += [{**base, param.name: choice} for choice in param.choices]
    kernel = base.get("kernel_size")
    if isinstance(kernel, (list, tuple)):  # a convolution: 7×7 with stride 2
        strided = {"kernel_size": [7] * len(kernel), "stride": [2] * len(kernel)}
        cases += [{**case, **strided} for case in list(cases)]
    if type_id in COUNT_PARAMS:  # four digits: the books' dense layers of 3,072 units
        widths = (512, 4096) if type_id in ("dense", "bayes_dense") else (512,)
        cases += [{**case, COUNT_PARAMS[type_id]: width} for case in list(cases)
                  for width in widths]
    return cases


@pytest.mark.parametrize("type_id", LAYERS.ids())
def test_every_layer_types_card_text_fits(qtbot, type_id):
    problems = set()
    for params in hard_params(type_id):
        node = Node(id="n", type=type_id, params=params)
        problems.update(f"{type_id} {params}: {p}" for p in unfitted(card(node)))
    assert not problems, "\n".join(sorted(problems))


def preset_nodes():
    """(where, node) for every node of every graph of every preset and variant."""
    for info in list_presets():
        project = load_preset(info.id)
        projects = [v.project for v in variant_projects(project)] or [project]
        for p in projects:
            for name, graph in p.graphs.items():
                for node in graph.nodes.values():
                    yield f"{info.id}/{name}/{node.id}", node


#: Layer types whose card says their activation (a Transformer's is inside its block).
SAYS_ACTIVATION = ("dense", "bayes_dense", "conv1d", "conv2d", "conv_transpose2d")


def test_every_preset_nodes_card_text_fits_with_its_activation(qtbot):
    problems = []
    for where, node in preset_nodes():
        item = card(node)
        problems += [f"{where}: {p}" for p in unfitted(item)]
        activation = resolved_params(node).get("activation")
        if node.type in SAYS_ACTIVATION and activation != "identity":
            names = (activation, SHORT_ACTIVATIONS.get(activation, activation))
            shown = item.shown_essentials()
            if not any(name in shown for name in names):
                problems.append(f"{where}: {shown!r} does not say {activation}")
    assert not problems, "\n".join(problems)


def test_a_card_shows_the_whole_line_when_it_fits_and_a_shorter_form_else(qtbot):
    params = {"filters": 8, "kernel_size": [3, 3], "stride": [2, 2], "activation": "relu"}
    item = card(Node(id="up", type="conv_transpose2d", params=params))
    assert item.shown_essentials() == item.essentials == "3×3↑2 relu"
    item = card(Node(id="up", type="conv_transpose2d",
                     params={**params, "kernel_size": [5, 5], "activation": "sigmoid"}))
    assert item.essentials == "5×5↑2 sigmoid"  # the tooltip's line
    assert item.shown_essentials() == "5x5↑2 σ"
