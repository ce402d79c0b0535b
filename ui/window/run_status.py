"""The status bar's run summary: state, epoch, step, steps/s, progress, newest loss and accuracy,
and which engine trains: the fast path or autograd."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from ui.panels.preset_browser import book_vs_ours

#: Badge colours per state (readable on light and dark palettes).
STATE_COLOURS = {
    "ready": "#6b7a8f", "preparing": "#6b7a8f", "running": "#2ca25f", "paused": "#c7762b",
    "finished": "#3b6fb6", "stopped": "#3b6fb6", "diverged": "#d64545", "failed": "#d64545",
    "error": "#d64545", "empty": "#6b7a8f",
}
STATE_TEXT = {"preparing": "Preparing…", "empty": "no model"}
#: How the engine label reads, and its tooltip's first sentence.
ENGINE_TEXT = {
    "fast path": ("fast path", "Training on the fast path: a fused forward and backward for "
                               "this chain of Dense layers, without autograd (the same numbers, "
                               "several times faster)."),
    "autograd": ("autograd", "Training with autograd (loss.backward(), optimizer.step())."),
}

#: Least seconds between two updates of the counters while a run trains.
TEXT_SECONDS = 0.2

#: Metrics shown after the loss, first present wins (validation preferred).
METRIC_KEYS = (("val_accuracy", "val acc"), ("test_accuracy", "test acc"),
               ("train_accuracy", "accuracy"), ("val_r2", "val R²"), ("train_r2", "R²"))


def trained(snapshot: Any) -> bool:
    """True when ``snapshot`` is of a run that took at least one step (runs that never
    trained, such as a failed Play, get no number and no curves)."""
    return snapshot is not None and snapshot.step > 0 and bool(snapshot.history)


def is_news(snapshot: Any, previous: Any) -> bool:
    """True when ``snapshot`` shows something ``previous`` did not (a step, a state, a
    metric, or a probe payload recomputed with new options)."""
    if previous is None:
        return True
    return (snapshot.step != previous.step or snapshot.state != previous.state
            or snapshot.metrics != previous.metrics
            or snapshot.probes.keys() != previous.probes.keys()
            or any(v is not previous.probes[k] for k, v in snapshot.probes.items()))


def metrics_text(metrics: dict) -> str:
    """"loss 0.0312 · accuracy 1.000" from a snapshot's metrics."""
    parts = []
    loss = metrics.get("loss", metrics.get("train_loss"))
    if loss is not None:
        parts.append(f"loss {loss:.4g}")
    if "val_loss" in metrics:
        parts.append(f"val loss {metrics['val_loss']:.4g}")
    for key, label in METRIC_KEYS:
        if key in metrics:
            parts.append(f"{label} {metrics[key]:.3f}")
            break
    return " · ".join(parts)


def checks_summary(checks: list, single_of_variants: bool, preset_id: str | None) -> str:
    """The status-bar line after a run: how many of the book's checks hold, and the first.

    Checks on metrics a single run does not produce (a variant's, "relu.val_accuracy")
    are not counted as failures when the project has variants: they wait for
    Run all variants.
    """
    where = " (details in Presets)" if preset_id else ""
    waiting = [c for c in checks if c.value is None] if single_of_variants else []
    counted = [c for c in checks if c not in waiting and not c.seeds_only]
    if not counted:
        return (f"Book vs this run: the {len(checks)} checks compare the variants or many "
                "seeds: use Run all variants or Run seeds")
    held = sum(c.passed for c in counted)
    seeds = sum(c.seeds_only for c in checks)
    later = (f"; {len(waiting)} more after Run all variants" if waiting else "") + (
        f"; {seeds} more over many seeds (Run seeds)" if seeds else "")
    return (f"Book vs this run: {held}/{len(counted)} expectations hold{later}{where} · "
            f"{book_vs_ours(counted[0])}")


class RunStatus(QWidget):
    """Permanent status-bar widget describing the current run."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = QLabel(objectName="run_state")
        self.epoch = QLabel(objectName="run_epoch")
        self.step = QLabel(objectName="run_step")
        self.speed = QLabel(objectName="run_speed")
        self.engine = QLabel(objectName="run_engine")
        self.progress = QProgressBar(objectName="run_progress", maximum=1000,
                                     textVisible=False)
        self.progress.setFixedWidth(90)  # narrow: the status bar's messages need the room
        self.metrics = QLabel(objectName="run_metrics")
        # Fixed sizes: text that changes every frame must not relayout the main window.
        height = self.fontMetrics().height() + 4
        samples = ((self.state, "  preparing…  "), (self.epoch, "epoch 100000 / 100000"),
                   (self.step, "step 10000000"), (self.speed, "100,000 steps/s"),
                   (self.engine, "fast path"),
                   (self.metrics, "loss 0.0001234 · val loss 0.0001234 · val acc 1.000"))
        for label, sample in samples:
            label.setFixedSize(self.fontMetrics().horizontalAdvance(sample) + 16, height)
        self.progress.setFixedHeight(12)
        #: Badge restyles so far (one per state change, not per frame).
        self.state_changes = 0
        self._engine = ("", "")
        self._shown_at = -1e9
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.setSpacing(12)
        for w in (self.metrics, self.epoch, self.step, self.speed, self.engine, self.progress,
                  self.state):
            layout.addWidget(w)
        self.set_state("empty")

    def set_engine(self, engine: str, note: str = "") -> None:
        """Show which engine trains ("fast path" / "autograd"; "" blanks it); the tooltip
        says why a run takes autograd."""
        if self._engine == (engine, note):
            return
        self._engine = (engine, note)
        text, tip = ENGINE_TEXT.get(engine, (engine, ""))
        self.engine.setText(text)
        self.engine.setToolTip(f"{tip[:-1]}: {note}." if note else tip)

    def set_state(self, state: str, step: int | None = None) -> None:
        """Show ``state`` as a coloured badge ("paused" at step 0 reads "ready")."""
        if state == "paused" and step == 0:
            state = "ready"
        if self.state.property("state") == state:
            return  # a new style sheet re-polishes the badge: only when the state changes
        self.state_changes += 1
        self.state.setProperty("state", state)
        colour = STATE_COLOURS.get(state, "#6b7a8f")
        self.state.setText(STATE_TEXT.get(state, state))
        self.state.setStyleSheet(f"background: {colour}; color: white; border-radius: 3px;"
                                 " padding: 1px 8px; font-weight: bold;")

    def reset(self) -> None:
        """Blank counters for a new session."""
        self.set_engine("")
        self.epoch.setText("")
        self.step.setText("")
        self.speed.setText("")
        self.metrics.setText("")
        self.progress.setValue(0)

    def show_snapshot(self, snapshot: Any, target_epochs: int) -> None:
        """Counters, progress and metrics from ``snapshot``: while a run trains at most
        every :data:`TEXT_SECONDS` (figures changing faster cannot be read, and each
        change repaints the status bar), at once otherwise."""
        now = time.monotonic()
        if snapshot.state == "running" and self.state.property("state") == "running" \
                and now - self._shown_at < TEXT_SECONDS:
            return
        self._shown_at = now
        total = max(int(target_epochs), 1)
        self.epoch.setText(f"epoch {snapshot.epoch:.0f} / {total}")
        self.step.setText(f"step {snapshot.step}")
        speed = snapshot.steps_per_second
        self.speed.setText(f"{speed:,.0f} steps/s" if snapshot.state == "running" and speed
                           else "")
        self.progress.setValue(int(1000 * min(snapshot.epoch / total, 1.0)))
        self.metrics.setText(metrics_text(snapshot.metrics))
        self.set_engine(getattr(snapshot, "engine", ""), getattr(snapshot, "engine_note", ""))
        self.set_state(snapshot.state, snapshot.step)


if __name__ == "__main__":
    from types import SimpleNamespace

    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    status = RunStatus()
    status.show_snapshot(SimpleNamespace(epoch=120.5, step=964, steps_per_second=812.0,
                                         state="running", metrics={"loss": 0.0312,
                                                                   "train_accuracy": 0.97},
                                         engine="fast path", engine_note=""),
                         1000)
    status.show()
    app.exec()
