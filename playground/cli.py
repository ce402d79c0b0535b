"""Command line: ``playground`` opens the app; ``playground run|list|export|bench`` work headless.

Exit status: 0 when every expectation holds, 1 when one fails (or the run
diverges), 2 on bad input (one line on stderr naming the problem, no traceback).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from playground.errors import PlaygroundError
from playground.training.states import RunState

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``playground`` command."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    if not argv:
        argv = ["gui"]
    if argv[0] == "bench":  # everything after it belongs to `python -m bench`, --help too
        args = parser.parse_args(["bench"])
        args.bench_args = argv[1:]
    else:
        args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except PlaygroundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_FAILED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="playground",
        description="A visual neural-network playground. With no command, opens the app.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="train a preset or project headless and check it")
    run.add_argument("target", metavar="ID_OR_FILE", help="preset id or project file")
    run.add_argument("--epochs", type=int, help="override the number of epochs")
    run.add_argument("--seed", type=int, help="override the seed")
    run.add_argument("--device", choices=("auto", "cpu", "cuda"), help="override the device")
    run.add_argument("--seeds", type=int, metavar="K",
                     help="train K seeds (the seed, seed+1, ...) and report each check's pass "
                          "rate and spread; exit 0 when every check holds often enough")
    run.add_argument("--vary-data", action="store_true",
                     help="with --seeds: move the data seed with the training seed")
    run.add_argument("--json", action="store_true",
                     help="print one JSON object with metrics and checks as the last line")
    run.set_defaults(handler=cmd_run)

    lst = sub.add_parser("list", help="list the chapter presets")
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.set_defaults(handler=cmd_list)

    exp = sub.add_parser("export", help="export a model, a checkpoint or a training script")
    exp.add_argument("target", metavar="ID_OR_FILE",
                     help="preset id, project file or checkpoint file (.pt)")
    exp.add_argument("--format", required=True,
                     choices=("checkpoint", "pt2", "onnx", "torchscript", "python", "script"))
    exp.add_argument("-o", "--output", required=True, metavar="PATH", help="file to write")
    exp.add_argument("--epochs", type=int,
                     help="train this many epochs first (default: export the saved weights)")
    exp.add_argument("--graph", help="graph to export when there are several (e.g. generator)")
    exp.add_argument("--device", choices=("auto", "cpu", "cuda"), help="override the device")
    exp.set_defaults(handler=cmd_export)

    bench = sub.add_parser("bench", help="run the benchmarks (source checkout only)",
                           description="Runs `python -m bench` from the source checkout: "
                                       "throughput against a bare PyTorch loop, UI latency "
                                       "and start-up, printed as one table.")
    bench.set_defaults(handler=cmd_bench, bench_args=[])  # its arguments: see main()

    gui = sub.add_parser("gui", help="open the desktop app")
    gui.add_argument("--preset", metavar="ID_OR_FILE", help="preset id or project file to open")
    gui.add_argument("--train-epochs", type=int, metavar="N", help="train N epochs after opening")
    gui.add_argument("--screenshot", metavar="FILE",
                     help="save a screenshot of the window to FILE and exit")
    gui.add_argument("--size", metavar="WxH",
                     help="open the window at this size, e.g. 1366x768 (for screenshots)")
    gui.set_defaults(handler=cmd_gui)
    return parser


def cmd_run(args: argparse.Namespace) -> int:
    """``playground run``: train headless (every variant, if any), print metrics and checks."""
    from playground.project.presets import load_preset
    from playground.run.orchestrator import Orchestrator

    for name in ("epochs", "seed", "seeds"):
        value = getattr(args, name)
        if value is not None and value < (0 if name == "seed" else 1):
            raise PlaygroundError(f"--{name} must be {'>= 0' if name == 'seed' else '>= 1'}")
    if args.vary_data and args.seeds is None:
        raise PlaygroundError("--vary-data goes with --seeds K")
    project = load_preset(args.target)
    if args.seeds is not None:
        return _run_seeds(args, project)
    orchestrator = Orchestrator(project, seed=args.seed, device=args.device, epochs=args.epochs)
    bars: list[ProgressBar] = []

    def start(run, session) -> None:
        if bars:
            bars[-1].close()
        which = f", variant {run.name} ({run.label})" if orchestrator.with_variants else ""
        print(f"{project.title} ({project.id or args.target}){which}: "
              f"{session.trainer.target_epochs} epochs on {session.device}", file=sys.stderr)
        bars.append(ProgressBar(session.trainer.target_epochs))

    result = orchestrator.run(on_start=start, on_snapshot=lambda snap: bars[-1].update(snap))
    if bars:
        bars[-1].close()
    if result.state == RunState.FAILED:
        print(f"error: {result.reason}", file=sys.stderr)
        return EXIT_BAD_INPUT
    _print_result(result, project)
    if args.json:
        print(json.dumps(result.to_dict(), default=float))
    return EXIT_OK if result.passed else EXIT_FAILED


def _run_seeds(args: argparse.Namespace, project) -> int:
    """``playground run --seeds K``: every seed in turn, then each check's pass rate."""
    from playground.run.seeds import run_seeds

    bars: list[ProgressBar] = []
    batched: list[str] = []

    def start(planned, session) -> None:
        if bars:
            bars[-1].close()
            bars.clear()
        trainer = session.trainer
        if trainer.epoch >= trainer.target_epochs:  # trained with the others in one batch
            if not batched:
                batched.append(planned.name)
                print(f"{project.title} ({project.id or args.target}): {args.seeds} seeds "
                      f"trained as one batch on {session.device}", file=sys.stderr)
            return
        print(f"{project.title} ({project.id or args.target}), {planned.name}: "
              f"{trainer.target_epochs} epochs on {session.device}", file=sys.stderr)
        bars.append(ProgressBar(trainer.target_epochs))

    def snapshot(snap) -> None:
        if bars:
            bars[-1].update(snap)

    result = run_seeds(project, args.seeds, first=args.seed, vary_data=args.vary_data,
                       device=args.device, epochs=args.epochs, on_start=start,
                       on_snapshot=snapshot)
    if bars:
        bars[-1].close()
    for seed_run, run in result.failed_runs:
        print(f"seed {seed_run.seed}: {run.state}: {run.reason}")
    print(f"{len(result.runs)} seeds in {result.seconds:.1f} s")
    print(f"engine: {result.engine}" + (
        " (all seeds in one batched computation)" if result.engine == "batched" else "")
        + (f"; {result.engine_note}" if result.engine_note else ""))
    for check in result.checks:
        print(check.line())
    if result.checks:
        held = sum(c.passed for c in result.checks)
        print(f"{held}/{len(result.checks)} checks hold often enough")
    if args.json:
        print(json.dumps(result.to_dict(), default=float))
    return EXIT_OK if result.passed else EXIT_FAILED


def _print_result(result, project) -> None:
    if result.state == RunState.DIVERGED:
        lr = project.training.optimizer_params.get("lr")
        print(f"diverged: {result.reason} (training.optimizer.params.lr = {lr}); "
              "try a smaller learning rate")
    else:
        print(f"{result.state}: {result.reason} in {result.seconds:.1f} s")
    shown = {k: v for k, v in result.metrics.items() if isinstance(v, (int, float))}
    for key in sorted(shown):
        print(f"  {key:<24} {shown[key]:.6g}")
    for check in result.checks:
        print(check.line())
    counted = [c for c in result.checks if not c.seeds_only]
    if counted:
        passed = sum(c.passed for c in counted)
        later = len(result.checks) - len(counted)
        print(f"{passed}/{len(counted)} expectations hold" + (
            f"; {later} more are statements about many seeds (--seeds 10)" if later else ""))


def cmd_list(args: argparse.Namespace) -> int:
    """``playground list``: the preset catalogue."""
    from playground.project.presets import list_presets

    infos = list_presets()
    if args.json:
        print(json.dumps([i.to_dict() for i in infos]))
        return EXIT_OK
    width = max((len(i.id) for i in infos), default=10)
    for info in infos:
        chapter = f" [{info.chapter}]" if info.chapter else ""
        print(f"{info.id:<{width}}  {info.title} — {info.book}{chapter}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    """``playground export``: write a file in one of the export formats (training first
    with ``--epochs``); a note per caveat on stderr."""
    from playground.export import export, open_session

    if args.epochs is not None and args.epochs < 1:
        raise PlaygroundError("--epochs must be >= 1")
    session = open_session(args.target, device=args.device)
    if args.epochs:
        trainer = session.trainer
        bar = ProgressBar(trainer.epoch + args.epochs)
        trainer.events.snapshot.connect(bar.update)
        state = trainer.run(epochs=trainer.epoch + args.epochs)
        bar.close()
        if state in (RunState.FAILED, RunState.DIVERGED):
            print(f"error: training {state}: {trainer.stop_reason}; nothing exported",
                  file=sys.stderr)
            return EXIT_BAD_INPUT if state == RunState.FAILED else EXIT_FAILED
    result = export(session, args.format, args.output, graph=args.graph)
    print(result.summary())
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    return EXIT_OK


def source_checkout() -> Path | None:
    """The repository root when this playground runs from a source checkout with bench/."""
    root = Path(__file__).resolve().parents[1]
    return root if (root / "bench" / "__main__.py").is_file() else None


def cmd_bench(args: argparse.Namespace) -> int:
    """``playground bench``: ``python -m bench`` in the source checkout (not installed)."""
    root = source_checkout()
    if root is None:
        raise PlaygroundError("the benchmarks ship with the source repository, not with the "
                              "installed package: clone it and run `python -m bench` there")
    return subprocess.call([sys.executable, "-m", "bench", *args.bench_args], cwd=root)


def cmd_gui(args: argparse.Namespace) -> int:
    """``playground gui``: open the desktop app."""
    try:
        from ui.app import run_app
    except ImportError as exc:
        raise PlaygroundError(f"the desktop app cannot start: {exc}") from None
    return run_app(preset=args.preset, train_epochs=args.train_epochs,
                   screenshot=args.screenshot, size=args.size)


class ProgressBar:
    """A one-line progress bar on stderr (redrawn in place on a terminal)."""

    def __init__(self, total_epochs: int, width: int = 30):
        self.total = max(total_epochs, 1)
        self.width = width
        self.tty = sys.stderr.isatty()
        self._last = 0.0
        self._shown = False

    def update(self, snap) -> None:
        """Redraw from a trainer snapshot (at most 10 times a second)."""
        now = time.monotonic()
        if now - self._last < (0.1 if self.tty else 5.0):
            return
        self._last = now
        frac = min(snap.epoch / self.total, 1.0)
        filled = int(frac * self.width)
        loss = snap.metrics.get("loss")
        loss_text = f" loss {loss:.4g}" if loss is not None else ""
        line = (f"[{'=' * filled}{' ' * (self.width - filled)}] epoch {snap.epoch:.0f}/"
                f"{self.total}{loss_text} {snap.steps_per_second:.0f} steps/s")
        if self.tty:
            sys.stderr.write("\r" + line)
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()
        self._shown = True

    def close(self) -> None:
        """End the bar's line."""
        if self._shown and self.tty:
            sys.stderr.write("\n")
            sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main())
