"""The `monailabel` console script: -v, apps [--download], start_server."""

import argparse
import os
import sys

import monailabel
from monailabel.app import MODELS
from monailabel.logs import event

APPS = ["endoscopy", "monaibundle", "pathology", "radiology", "vista2d"]


def parser():
    root = argparse.ArgumentParser(prog="monailabel", description="MONAI Label (stand-in)")
    root.add_argument("-v", "--version", action="store_true", help="print version")
    sub = root.add_subparsers(dest="action")

    apps = sub.add_parser("apps", help="list or download sample apps")
    apps.add_argument("-d", "--download", action="store_true")
    apps.add_argument("-n", "--name")
    apps.add_argument("-o", "--output", default=".")
    apps.add_argument("-c", "--clean", action="store_true")

    server = sub.add_parser("start_server", help="start the MONAI Label server")
    server.add_argument("-a", "--app", required=True)
    server.add_argument("-s", "--studies", required=True)
    server.add_argument("-c", "--conf", nargs=2, action="append", metavar=("KEY", "VALUE"))
    server.add_argument("-i", "--host", default="0.0.0.0")
    server.add_argument("-p", "--port", default=8000, type=int)
    server.add_argument("-w", "--workers", type=int)
    server.add_argument("-l", "--log_config")
    server.add_argument("--dryrun", action="store_true")
    return root


def main(argv=None):
    cli = parser()
    args, extra = cli.parse_known_args(sys.argv[1:] if argv is None else argv)
    if args.version:
        print(f"MONAILabel version: {monailabel.__version__}")
        return 0
    # The real server passes unknown flags on to uvicorn; other actions have none to pass.
    if args.action == "start_server":
        from monailabel.server import start_server

        return start_server(args)
    if args.action == "apps" and not extra:
        return apps(args)
    cli.print_usage(sys.stderr)
    print(f"monailabel: error: unrecognized arguments: {' '.join(extra)}" if extra else
          "monailabel: error: an action is required", file=sys.stderr)
    return 2


def apps(args):
    if not args.download:
        print("Available Sample Apps are:")
        print("----------------------------------------------------")
        for name in APPS:
            print(f"  {name}")
        print("")
        return 0
    if args.name not in APPS:
        print(f"App {args.name} NOT Found in {APPS}")
        return 255
    output_dir = os.path.join(args.output, args.name)
    from monailabel.server import load_faults

    # A download that never finishes (GitHub unreachable from the pod, say): for the install's deadline.
    hang = load_faults().get("downloadHangSeconds")
    if hang:
        import time

        time.sleep(float(hang))
    if load_faults().get("downloadNoSpace"):
        # The volume is full: copying the app fails as shutil does.
        print("Traceback (most recent call last):", file=sys.stderr)
        print(f"OSError: [Errno 28] No space left on device: '{output_dir}'", file=sys.stderr)
        return 1
    if os.path.exists(output_dir):
        # The real CLI calls exit(-1) here, which the shell sees as 255.
        print(f"Directory already exists: {output_dir}")
        return 255
    os.makedirs(output_dir)
    _write(output_dir, "main.py", f"# MONAI Label {args.name} app (stand-in for monai-pod-bot tests)\n")
    if args.name == "radiology":
        _write(output_dir, "lib/__init__.py", "")
        _write(output_dir, "lib/configs/__init__.py", "")
        for model, spec in MODELS.items():
            _write(output_dir, f"lib/configs/{model}.py", f"class {spec[0]}:\n    pass\n")
    event("download", app=args.name)
    print(f"{args.name} is copied at: {output_dir}")
    return 0


def _write(root, relative, text):
    path = os.path.join(root, *relative.split("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


if __name__ == "__main__":
    sys.exit(main())
