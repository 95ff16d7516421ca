"""`everyclick`: demo, evaluate, evaluate-propagation, plot, benchmark, train, interpolate, publish,
models, measure.

Argument parsing lives here; each command's work lives in the module that owns it, imported only
when that command runs (so `everyclick models` never imports torch or Qt).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .core.errors import EveryClickError
from .evaluation.propagation import STARTS
from .evaluation.runner import EVALUATION_RADII


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(method=args.method, headless=args.headless, out=args.out, clicks=args.clicks)


def _evaluate(args: argparse.Namespace) -> int:
    from .evaluation.runner import run_evaluation

    return run_evaluation(
        method=args.method,
        data=args.data,
        split=args.split,
        clicks=args.clicks,
        radius=args.radius,
        largest_slice=args.largest_slice,
        out=args.out,
        limit=args.limit,
        device=args.device,
        shrink=tuple(args.shrink) if args.shrink else None,
        network_only=args.network_only,
        lesion_contrast=tuple(args.lesion_contrast) if args.lesion_contrast else None,
    )


def _evaluate_propagation(args: argparse.Namespace) -> int:
    from .evaluation.propagation import run_propagation_evaluation

    return run_propagation_evaluation(
        method=args.method,
        data=args.data,
        split=args.split,
        start=args.start,
        out=args.out,
        limit=args.limit,
        device=args.device,
    )


def _plot(args: argparse.Namespace) -> int:
    from .evaluation.plots import plot_reports
    from .evaluation.report import load_report, markdown_table

    plot_reports(args.reports, args.out)
    print(markdown_table([load_report(path) for path in args.reports]))
    print(f"wrote {args.out}")
    return 0


def _benchmark(args: argparse.Namespace) -> int:
    from .evaluation.benchmark import run_benchmark

    return run_benchmark(
        method=args.method,
        size=args.size,
        clicks=args.clicks,
        out=args.out,
        data=args.data,
        device=args.device,
        backend=args.backend,
    )


def _train(args: argparse.Namespace) -> int:
    from .training.loop import train_from_config

    return train_from_config(args.config, resume=args.resume, init_from=args.init_from)


def _publish(args: argparse.Namespace) -> int:
    from .training.publish import publish

    publish(args.run, data=args.data, clicks=args.clicks, device=args.device)
    return 0


def _fraction(text: str) -> float:
    """argparse type: a number in [0, 1]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must lie in [0, 1], got {value:g}")
    return value


def _interpolate(args: argparse.Namespace) -> int:
    from .training.interpolate import interpolate_main

    return interpolate_main(args.start, args.end, args.share, args.out, args.name)


def _models(args: argparse.Namespace) -> int:
    from .methods import available_methods
    from .widget.segmenters import default_method

    infos = available_methods()
    default = default_method(infos)
    width = max(len(m.name) for m in infos)
    for info in infos:
        mark = " (the widget's default)" if info.name == default else ""
        print(f"{info.name:<{width}}  {info.kind:<9}  {info.summary}{mark}")
    return 0


def _measure(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .core.measurements import MeasurementTable, format_table, write_csv
    from .io.layers import labels_file_layer

    data, meta, _ = labels_file_layer(Path(args.labels))
    table = MeasurementTable(meta["scale"])
    table.update(data)
    lesions = table.lesions()
    print(format_table(lesions) if lesions else f"{args.labels}: no lesion (every voxel is 0)")
    if args.out:
        print(f"wrote {write_csv(lesions, args.out)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="everyclick", description="Interactive CT lesion segmentation (napari-everyclick)."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="open napari with the phantom sample and the widget")
    p.add_argument("--headless", action="store_true", help="no display: play the robot clicker")
    p.add_argument("--out", default="demo-out", help="output folder for --headless")
    p.add_argument("--method", default=None, help="method name (default: best shipped model)")
    p.add_argument("--clicks", type=int, default=5, help="robot clicks per lesion (--headless)")
    p.set_defaults(func=_demo)

    p = sub.add_parser("evaluate", help="robot-clicker evaluation of one method on CT cases")
    p.add_argument("--method", required=True)
    p.add_argument("--data", nargs="+", required=True, help=".npz cases or manifest folders")
    p.add_argument("--split", default=None, help="split of the manifest (train / val)")
    p.add_argument("--clicks", type=int, default=20)
    p.add_argument("--radius", default="avg", choices=EVALUATION_RADII)
    p.add_argument("--largest-slice", action="store_true", help="each lesion's largest slice only")
    p.add_argument("--limit", type=int, default=None, help="evaluate the first N samples only")
    p.add_argument(
        "--shrink",
        nargs=2,
        type=float,
        metavar=("MIN", "MAX"),
        help="shrink each lesion to an equivalent diameter in [MIN, MAX] px (scale test)",
    )
    p.add_argument(
        "--lesion-contrast",
        nargs=2,
        type=float,
        metavar=("MIN", "MAX"),
        help="make each lesion MIN..MAX HU brighter or darker than its surroundings, the "
        "outline unchanged (edge-visibility test)",
    )
    p.add_argument(
        "--network-only",
        action="store_true",
        help="a model's network answers every click (no hand-over to flood fill)",
    )
    p.add_argument("--device", default="auto")
    p.add_argument("--out", required=True, help="folder for report.json and iou_curve.png")
    p.set_defaults(func=_evaluate)

    p = sub.add_parser(
        "evaluate-propagation",
        help="propagate each lesion from its largest slice through its case; 3D Dice, volume",
    )
    p.add_argument("--method", required=True)
    p.add_argument("--data", nargs="+", required=True, help=".npz cases or manifest folders")
    p.add_argument("--split", default=None, help="split of the manifest (train / val)")
    p.add_argument(
        "--start",
        default="drag",
        choices=STARTS,
        help="start outline: the method's answer to the robot's first drag, or the truth",
    )
    p.add_argument("--limit", type=int, default=None, help="the first N cases only")
    p.add_argument("--device", default="auto")
    p.add_argument("--out", required=True, help="folder for propagation.json")
    p.set_defaults(func=_evaluate_propagation)

    p = sub.add_parser(
        "plot", help="mean IoU vs clicks of several report.json files, and their Markdown table"
    )
    p.add_argument("reports", nargs="+")
    p.add_argument("--out", default="iou_curve.png")
    p.set_defaults(func=_plot)

    p = sub.add_parser("benchmark", help="per-click latency on a 512x512 CT slice")
    p.add_argument("--method", required=True)
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--clicks", type=int, default=10)
    p.add_argument("--data", nargs="*", default=None, help="cases to take the slice from")
    p.add_argument("--device", default="cpu")
    p.add_argument("--backend", default="auto", choices=["auto", "torch", "onnx"])
    p.add_argument("--out", default="benchmark.json")
    p.set_defaults(func=_benchmark)

    p = sub.add_parser("train", help="train a model from a JSON config")
    p.add_argument("--config", required=True)
    p.add_argument("--resume", action="store_true")
    p.add_argument("--init-from", default=None, help="weights (.safetensors) to start from")
    p.set_defaults(func=_train)

    p = sub.add_parser("publish", help="copy a run's best model into weights/ with val figures")
    p.add_argument("run", help="the run folder, e.g. runs/focalclick-hrnet18s-ct")
    p.add_argument("--data", default="../shared/data")
    p.add_argument("--clicks", type=int, default=20)
    p.add_argument("--device", default="auto")
    p.set_defaults(func=_publish)

    p = sub.add_parser(
        "interpolate", help="weights between two cards of one network, as a run to publish"
    )
    p.add_argument("start", help="card (.json) of the starting weights")
    p.add_argument("end", help="card (.json) of the weights a run reached from them")
    p.add_argument("--share", type=_fraction, required=True, help="share of the end weights, 0-1")
    p.add_argument("--out", required=True, help="folder to write (then: everyclick publish OUT)")
    p.add_argument("--name", required=True, help="name of the result, e.g. ritm-hrnet18s-ct")
    p.set_defaults(func=_interpolate)

    p = sub.add_parser("models", help="list the methods open_session accepts")
    p.set_defaults(func=_models)

    p = sub.add_parser(
        "measure", help="RECIST axes, volume and slices of each lesion in a labels .nii.gz"
    )
    p.add_argument("labels", help="a labels NIfTI, e.g. the widget's <CT>_everyclick_labels.nii.gz")
    p.add_argument("--out", default=None, help="also write the table as CSV here")
    p.set_defaults(func=_measure)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except EveryClickError as exc:
        print(f"everyclick {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader went away (`everyclick models | head -1`): stop without a traceback, and
        # point stdout at devnull so the interpreter's flush at exit does not fail again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
