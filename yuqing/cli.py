"""`yuqing` command: up, migrate, seed, serve, protos, import, audit, test."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def _serve(name: str) -> None:
    if name == "gateway":
        from gateway.app import main
    else:
        main = __import__(f"services.{name}.main", fromlist=["main"]).main
    main()


def _print_logins(suite, logins) -> None:
    data_dir = Path(suite.env["YQ_DATA_DIR"])
    lines = [f"{'用户名':<16}{'角色':<18}{'单位':<12}密码"]
    for user, password in logins:
        lines.append(f"{user.username:<18}{','.join(user.roles):<20}{user.unit or '-':<14}{password or '（沿用上次）'}")
    logins_file = data_dir / "demo-logins.txt"
    new_passwords = any(password for _, password in logins)
    if new_passwords:
        logins_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        logins_file.chmod(0o600)
    print("\n".join(lines))
    if not new_passwords:
        print(f"（密码沿用上次启动时的设置，见 {logins_file}）")


def up(_args) -> int:
    from yuqing.suite import Suite

    suite = Suite.from_environment()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        print("准备数据库与 Redis …", flush=True)
        suite.prepare()
        logins = suite.seed(os.environ.get("YQ_DEMO_PASSWORD") or None)
        suite.start_all()
        suite.wait_ready(timeout=90)
        print(f"\n演示县已启动。控制台：{suite.gateway_url}/console/   API 文档：{suite.gateway_url}/docs")
        print(f"数据目录：{suite.env['YQ_DATA_DIR']}   日志：{suite.log_dir}\n")
        _print_logins(suite, logins)
        print("\n按 Ctrl-C 停止。", flush=True)
        while not stop.wait(1):
            for name, process in suite.processes.items():
                if process.poll() is not None:
                    print(f"{name} 意外退出（{process.returncode}），正在重启；日志见 {suite.log_dir / (name + '.log')}",
                          flush=True)
                    suite.start(name)
        return 0
    finally:
        print("正在停止 …", flush=True)
        suite.stop()
        print("已停止。", flush=True)


def migrate(_args) -> int:
    from yuqing.core import migrations
    from yuqing.core.settings import CoreSettings
    from yuqing.suite import PROCESSES

    settings = CoreSettings()
    for name in PROCESSES:
        migrations.upgrade(name, settings)
        print(f"{name}: {migrations.head_revision(name, settings)}")
    return 0


def wait_for_schema(args) -> int:
    """Before a service starts (a k8s init container): wait until the migration Job has brought
    its schema to the code's revision, saying what it waits for."""
    import asyncio
    import time

    from yuqing.core import migrations
    from yuqing.core.db import create_engine
    from yuqing.core.settings import CoreSettings

    settings = CoreSettings()
    head = migrations.head_revision(args.name, settings)
    deadline = time.monotonic() + args.timeout

    async def current() -> str | None:
        engine = create_engine(settings, args.name)
        try:
            return await migrations.current_revision(engine)
        finally:
            await engine.dispose()

    while True:
        try:
            revision = asyncio.run(current())
        except Exception as error:  # database not reachable yet
            revision, problem = None, f"database not reachable: {error.__class__.__name__}: {error}"
        else:
            problem = f"schema at revision {revision or 'none'}, the code needs {head}"
        if revision == head:
            print(f"{args.name}: schema at {head}", flush=True)
            return 0
        if revision and not migrations.knows_revision(args.name, settings, revision):
            print(f"{args.name}: the database is at {revision}, newer than this code ({head}); "
                  "deploy the matching image", file=sys.stderr, flush=True)
            return 1
        if time.monotonic() > deadline:
            print(f"{args.name}: gave up after {args.timeout} s: {problem}; has the migration Job run?",
                  file=sys.stderr, flush=True)
            return 1
        print(f"{args.name}: waiting for the migration Job: {problem}", flush=True)
        time.sleep(args.interval)


def seed(_args) -> int:
    from yuqing.suite import Suite

    suite = Suite.from_environment()
    _print_logins(suite, suite.seed(os.environ.get("YQ_DEMO_PASSWORD") or None))
    return 0


def protos(_args) -> int:
    from yuqing.tools.protos import main

    main()
    return 0


def import_file(args) -> int:
    """Import a monitoring platform's export into ingest (which must be running)."""
    import asyncio

    from tqdm import tqdm

    from services.ingest.file_import import FileImportError
    from services.ingest.file_import import import_file as run_import
    from yuqing.core import service_token
    from yuqing.core.grpc_server import client_channel
    from yuqing.core.identity import Caller
    from yuqing.core.settings import CoreSettings
    from yuqing.ingest.v1 import ingest_pb2_grpc

    path = Path(args.file)
    if not path.is_file():
        print(f"文件不存在：{path}", file=sys.stderr)
        return 2
    settings = CoreSettings()
    address = args.ingest or settings.address_of("ingest")
    service_token.configure("import", settings.service_token_key)
    caller = Caller(username=args.reporter, roles=frozenset({"monitor"}))

    async def run():
        channel = client_channel(address)
        try:
            with tqdm(desc=f"导入 {path.name}", unit="行", disable=args.quiet) as progress:
                return await run_import(path, ingest_pb2_grpc.IngestServiceStub(channel), source=args.source,
                                        platform=args.platform, reporter=args.reporter, fmt=args.format,
                                        encoding=args.encoding, metadata=caller.metadata(), progress=progress)
        finally:
            await channel.close()

    try:
        summary = asyncio.run(run())
    except FileImportError as error:
        print(f"导入失败：{error}", file=sys.stderr)
        return 2
    print(f"编码 {summary.encoding}，共 {summary.rows} 行：新增 {summary.accepted}，重复（记为新快照）"
          f"{summary.duplicates}，拒绝 {len(summary.rejected)}")
    for problem in summary.rejected:
        print(f"  第 {problem.line} 行：{problem.reason}")
    return 1 if summary.rejected else 0


def audit(args) -> int:
    """Verify the audit log's hash chain; exit 1 at the first broken link."""
    import asyncio

    from gateway.audit import verify
    from yuqing.core.db import create_engine, session_factory
    from yuqing.core.settings import CoreSettings

    async def run():
        engine = create_engine(CoreSettings(), "gateway")
        try:
            return await verify(session_factory(engine))
        finally:
            await engine.dispose()

    report = asyncio.run(run())
    if report.intact:
        print(f"审计链完整：共 {report.checked} 条记录，逐条校验通过。")
        return 0
    print(f"审计链在第 {report.broken_at} 条断开：{report.problem}（此前 {report.checked} 条完好）")
    return 1


def test(args) -> int:
    return subprocess.call([sys.executable, "-m", "pytest", *args.pytest_args], cwd=REPO_ROOT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="yuqing", description="网络舆情处置平台 yuqing")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="start the whole suite with the demo county").set_defaults(func=up)
    commands.add_parser("migrate", help="bring every database schema to its head revision").set_defaults(func=migrate)
    commands.add_parser("seed", help="seed the demo county").set_defaults(func=seed)
    waiter = commands.add_parser("wait-for-schema", help="wait until a process's schema is at the code's revision")
    waiter.add_argument("name", choices=["ingest", "grading", "dispatch", "publish", "gateway"])
    waiter.add_argument("--timeout", type=float, default=600, help="seconds before giving up (exit 1)")
    waiter.add_argument("--interval", type=float, default=5, help="seconds between checks")
    waiter.set_defaults(func=wait_for_schema)
    serve = commands.add_parser("serve", help="run one service process")
    serve.add_argument("name", choices=["ingest", "grading", "dispatch", "publish", "gateway"])
    serve.set_defaults(func=lambda args: _serve(args.name) or 0)
    commands.add_parser("protos", help="regenerate Python code from protos/").set_defaults(func=protos)
    importer = commands.add_parser("import", help="import a CSV/JSONL/XLSX export into ingest")
    importer.add_argument("file")
    importer.add_argument("--source", default="import", help="source recorded on every item")
    importer.add_argument("--platform", default="", help="platform for rows that name none")
    importer.add_argument("--format", default="auto", choices=["auto", "csv", "jsonl", "xlsx"])
    importer.add_argument("--encoding", default="auto", help="auto (detect), utf-8, gb18030, big5 …")
    importer.add_argument("--reporter", default="import", help="username recorded as the reporter")
    importer.add_argument("--ingest", default=None, help="ingest gRPC address (default: YQ_INGEST_ADDRESS)")
    importer.add_argument("--quiet", action="store_true", help="no progress bar")
    importer.set_defaults(func=import_file)
    audit_parser = commands.add_parser("audit", help="audit log tools")
    audit_parser.add_argument("action", choices=["verify"], help="verify: check the hash chain, report the first broken link")
    audit_parser.set_defaults(func=audit)
    test_parser = commands.add_parser("test", help="run the test suite (arguments go to pytest)")
    test_parser.add_argument("pytest_args", nargs=argparse.REMAINDER)
    test_parser.set_defaults(func=test)
    args, unknown = parser.parse_known_args(argv)
    if args.command == "test":
        args.pytest_args = [*unknown, *args.pytest_args]  # e.g. `yuqing test -q -k pipeline`
    elif unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
