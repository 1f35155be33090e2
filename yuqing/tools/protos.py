"""Generate Python code (messages, gRPC stubs, .pyi) from protos/ into the repository.

Run with `yuqing protos`. The output is committed; tests/unit/test_generated_protos.py fails
when regenerating would change it.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
PROTO_ROOT = REPO_ROOT / "protos"
GENERATED_SUFFIXES = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py")


def proto_files() -> list[Path]:
    return sorted(PROTO_ROOT.rglob("*.proto"))


def generate(out_dir: Path) -> list[Path]:
    """Run protoc for every proto; returns the files written, relative to out_dir."""
    from grpc_tools import protoc  # dev dependency, imported only when generating

    out_dir.mkdir(parents=True, exist_ok=True)
    well_known = importlib.resources.files("grpc_tools") / "_proto"
    sources = [str(p.relative_to(PROTO_ROOT)) for p in proto_files()]
    args = [
        "protoc",
        f"-I{PROTO_ROOT}",
        f"-I{well_known}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *sources,
    ]
    if protoc.main(args) != 0:
        raise RuntimeError("protoc failed: " + " ".join(args))
    written = []
    for source in sources:
        package_dir = out_dir / Path(source).parent
        # Every generated folder is a regular package so imports work without namespace magic.
        for parent in [package_dir, *package_dir.relative_to(out_dir).parents]:
            init = out_dir / parent / "__init__.py" if parent != Path(".") else None
            if init is not None and not init.exists():
                init.write_text("")
        stem = Path(source).stem
        written += [Path(source).parent / f"{stem}{suffix}" for suffix in GENERATED_SUFFIXES]
    return written


def main() -> None:
    for path in generate(REPO_ROOT):
        print(path)
