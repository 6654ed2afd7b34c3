"""Start the services of the REST catalog end-to-end test, on loopback, until stopped.

  python scripts/services.py --lib .cache/iceberg-rest/lib --work DIR --ready FILE

1. S3: moto's server (moto.server.ThreadedMotoServer) on 127.0.0.1 and a free port, with
   one bucket for the warehouse.
2. The Iceberg REST catalog: Apache Iceberg's own RESTCatalogServer (java, the jars in
   --lib) on 127.0.0.1 and a free port, a JdbcCatalog on a SQLite file in --work, its
   warehouse in that bucket, written with S3FileIO.

When both answer, the services are described as JSON in --ready (written atomically):
rest_uri, s3_endpoint, bucket, region, access_key_id, secret_access_key (moto accepts
any key; these are not secrets). Then it waits for SIGTERM or SIGINT (or for the REST
server to die) and stops both. Every wait is bounded.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

BUCKET = "floe-warehouse"
REGION = "us-east-1"
ACCESS_KEY_ID = "floe-test-key"
SECRET_ACCESS_KEY = "floe-test-secret"  # noqa: S105 - moto accepts any key
READY_TIMEOUT = 180.0


def free_port() -> int:
    """A port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_s3() -> tuple[object, str]:
    """moto's S3 on loopback, with the warehouse bucket; returns (server, endpoint)."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
    ).create_bucket(Bucket=BUCKET)
    return server, endpoint


def start_rest(lib: Path, work: Path, s3_endpoint: str) -> tuple[subprocess.Popen, str]:
    """Iceberg's RESTCatalogServer; returns (process, uri). CATALOG_* variables become
    catalog properties (RCKUtils: CATALOG_ dropped, __ -> -, _ -> ., lower case)."""
    port = free_port()
    env = {
        **os.environ,
        "CATALOG_REST_PORT": str(port),
        "CATALOG_URI": f"jdbc:sqlite:{work / 'catalog.db'}",
        "CATALOG_JDBC_USER": "floe",
        "CATALOG_JDBC_PASSWORD": "floe",
        "CATALOG_WAREHOUSE": f"s3://{BUCKET}/warehouse",
        "CATALOG_IO__IMPL": "org.apache.iceberg.aws.s3.S3FileIO",
        "CATALOG_S3_ENDPOINT": s3_endpoint,
        "CATALOG_S3_PATH__STYLE__ACCESS": "true",
        "CATALOG_S3_ACCESS__KEY__ID": ACCESS_KEY_ID,
        "CATALOG_S3_SECRET__ACCESS__KEY": SECRET_ACCESS_KEY,
        "CATALOG_CLIENT_REGION": REGION,
        "AWS_REGION": REGION,
    }
    log = open(work / "rest-server.log", "wb")  # noqa: SIM115 - lives with the process
    proc = subprocess.Popen(
        [
            "java",
            "-Xmx512m",
            "-cp",
            f"{lib}/*",
            "org.apache.iceberg.rest.RESTCatalogServer",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=work,
    )
    return proc, f"http://127.0.0.1:{port}"


def wait_for(uri: str, proc: subprocess.Popen, work: Path) -> None:
    """Until GET <uri>/v1/config answers 200; fail if the server exits or time runs out."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log = (work / "rest-server.log").read_text(errors="replace")[-4000:]
            raise SystemExit(f"services: the REST catalog server exited:\n{log}")
        try:
            with urllib.request.urlopen(f"{uri}/v1/config", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"services: the REST catalog at {uri} did not answer in time")


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lib", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--ready", type=Path, required=True)
    args = parser.parse_args()
    args.lib = args.lib.resolve()
    args.work = args.work.resolve()
    args.work.mkdir(parents=True, exist_ok=True)
    # moto's server logs every request through werkzeug; the test's log is enough.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())

    started = time.monotonic()
    s3, s3_endpoint = start_s3()
    rest: subprocess.Popen | None = None
    try:
        rest, rest_uri = start_rest(args.lib, args.work, s3_endpoint)
        wait_for(rest_uri, rest, args.work)
        ready = {
            "rest_uri": rest_uri,
            "s3_endpoint": s3_endpoint,
            "bucket": BUCKET,
            "region": REGION,
            "access_key_id": ACCESS_KEY_ID,
            "secret_access_key": SECRET_ACCESS_KEY,
            "rest_log": str(args.work / "rest-server.log"),
        }
        tmp = args.ready.with_suffix(".tmp")
        tmp.write_text(json.dumps(ready, indent=2))
        tmp.replace(args.ready)
        print(
            f"services: REST catalog {rest_uri}, S3 {s3_endpoint} "
            f"(ready in {time.monotonic() - started:.1f} s)",
            file=sys.stderr,
        )
        while not stop.wait(1.0):
            if rest.poll() is not None:
                print("services: the REST catalog server exited", file=sys.stderr)
                return 1
    finally:
        if rest is not None:
            stop_process(rest)
        s3.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
