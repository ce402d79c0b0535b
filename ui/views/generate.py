"""Generate view: the language model continues a prompt, greedy, sampled or by beam search.

The text is written on the thread that owns the model (the ``generation``
probe) and, with "Live" on, rewritten every second or so as training goes,
so the gibberish of the first steps turns into words. Beam search lists
each of its paths with its log-likelihood. The untrained network's sample
for the task's prompt stays below for comparison ("before training").
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from playground.tasks.language import MAX_GENERATE
from ui.views.base import StatusLine, View
from ui.views.colors import BLUE

METHODS = (("sample", "Sample"), ("greedy", "Greedy"), ("beam", "Beam search"))


def _text_html(prompt: str, text: str) -> str:
    """The prompt in grey, the continuation in the text colour; newlines kept."""
    def esc(s: str) -> str:
        return html.escape(s).replace("\n", "<br>")
    return f'<span style="color: gray">{esc(prompt)}</span>{esc(text)}'


class GenerateView(View):
    """A prompt box, decoding settings, the generated text and the beams."""

    view_id = "generate"
    title = "Generate"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.prompt = QLineEdit(objectName="generate_prompt")
        self.prompt.setPlaceholderText("prompt")
        self.prompt.returnPressed.connect(self.generate)
        self.button = QPushButton("Generate", objectName="generate_button")
        self.button.setToolTip("Write the continuation now with these settings")
        self.button.clicked.connect(self.generate)
        self.method = QComboBox(objectName="generate_method")
        for key, label in METHODS:
            self.method.addItem(label, key)
        self.method.currentIndexChanged.connect(self._method_changed)
        self.temperature = QDoubleSpinBox(objectName="generate_temperature", decimals=2,
                                          minimum=0.05, maximum=5.0, singleStep=0.1, value=0.8)
        self.temperature.setToolTip("Sampling temperature: below 1 sharper, above 1 flatter")
        self.top_k = QSpinBox(objectName="generate_top_k", minimum=0, maximum=1000, value=0)
        self.top_k.setSpecialValueText("all")
        self.top_k.setToolTip("Sample only among the k most probable characters (all: 0)")
        self.width = QSpinBox(objectName="generate_width", minimum=1, maximum=16, value=3)
        self.width.setToolTip("Beam width k: paths kept at each step")
        self.length = QSpinBox(objectName="generate_length", minimum=1, maximum=MAX_GENERATE,
                               value=120)
        self.live = QCheckBox("Live", objectName="generate_live", checked=True)
        self.live.setToolTip("Rewrite the text as training goes")
        self.live.toggled.connect(lambda _=False: self.generate())
        for spin in (self.temperature, self.top_k, self.width, self.length):
            spin.setMaximumWidth(72)
        top = QHBoxLayout()
        top.addWidget(QLabel("Prompt"))
        top.addWidget(self.prompt, 1)
        how = QHBoxLayout()
        how.addWidget(self.method)
        how.addWidget(self.button)
        how.addWidget(self.live)
        how.addStretch(1)
        settings = QHBoxLayout()
        self.labels: dict[str, QLabel] = {}
        for name, widget in (("T", self.temperature), ("top-k", self.top_k),
                             ("k", self.width), ("length", self.length)):
            self.labels[name] = QLabel(name)
            settings.addWidget(self.labels[name])
            settings.addWidget(widget)
        settings.addStretch(1)
        self.output = QTextBrowser(objectName="generate_output")
        self.before = QLabel(objectName="generate_before", wordWrap=True)
        self.status = StatusLine()
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addLayout(how)
        layout.addLayout(settings)
        layout.addWidget(self.output, 1)
        layout.addWidget(self.before)
        layout.addWidget(self.status)
        self._method_changed()

    def on_session(self, session: Any) -> None:
        self.prompt.clear()
        if session is None or "generation" not in session.trainer.probes:
            self.set_message("The Generate view needs a language model (task 'Language "
                             "model' on a text dataset).")
            return
        self.length.setValue(session.task.ctx.params["sample_length"])
        self.generate()

    def _method_changed(self, *_: Any) -> None:
        method = self.method.currentData()
        for name, widget in (("T", self.temperature), ("top-k", self.top_k)):
            widget.setVisible(method == "sample")
            self.labels[name].setVisible(method == "sample")
        self.width.setVisible(method == "beam")
        self.labels["k"].setVisible(method == "beam")
        self.generate()

    def settings(self) -> dict:
        """The generation probe's options as the controls set them."""
        return {"prompt": self.prompt.text() if self.prompt.text() or self.session is None
                else None, "method": self.method.currentData(),
                "temperature": self.temperature.value(), "top_k": self.top_k.value(),
                "width": self.width.value(), "length": self.length.value(),
                "live": self.live.isChecked()}

    def generate(self) -> None:
        """Write the continuation with the current settings (where the model lives)."""
        runner = None if self.session is None else self.session.trainer.probes.get("generation")
        if runner is None:
            return
        runner.configure(**self.settings(), draw=runner.options["draw"] + 1)
        self.refresh_requested.emit()

    def draw(self, snapshot: Any) -> None:
        p = self.take(self.payload(snapshot))
        if p is None:
            return
        if not self.prompt.hasFocus() and not self.prompt.text():
            self.prompt.setText(p["prompt"])
        if "error" in p:
            self.output.setHtml(f"<i>{html.escape(p['error'])}</i>")
            self.status.setText(p["error"])
            return
        if p["method"] == "beam":
            rows = "".join(
                f"<tr><td style='color: rgb{BLUE}; padding-right: 8px' align='right'>"
                f"{score:.2f}</td><td>{_text_html(p['prompt'], text)}</td></tr>"
                for text, score in p["beams"])
            self.output.setHtml(f"<table>{rows}</table>")
        else:
            self.output.setHtml(_text_html(p["prompt"], p["text"]))
        before = p.get("before")
        self.before.setText(
            "" if before is None else
            f"<b>Before training</b> (sampled after “{html.escape(p['before_prompt'])}”): "
            f"{html.escape(before[:200])}")
        per = -p["log_likelihood"] / max(len(p["text"]), 1)
        best = " (best beam)" if p["method"] == "beam" else ""
        self.status.setText(f"step {p['step']}: log-likelihood {p['log_likelihood']:.2f} nats"
                            f"{best}, {per:.3f} per character")


if __name__ == "__main__":
    from ui.views.preview import preview
    preview("generate", "chars")
