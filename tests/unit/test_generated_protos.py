"""Generated code is committed; regenerating must not change it."""

from pathlib import Path

from yuqing.tools.protos import REPO_ROOT, generate


def test_generated_code_matches_protos(tmp_path: Path):
    written = generate(tmp_path)
    assert written, "no protos found"
    stale = [str(rel) for rel in written if (tmp_path / rel).read_bytes() != (REPO_ROOT / rel).read_bytes()]
    assert not stale, f"run `./yq protos` and commit: {stale}"
    committed = {p.relative_to(REPO_ROOT) for p in (REPO_ROOT / "yuqing").rglob("*_pb2*.py*")}
    assert committed == set(written), "generated files without a proto (or missing ones)"
