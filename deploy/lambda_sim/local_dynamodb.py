"""The template's DynamoDB tables on moto, for functions that use them: deploy/local-dynamodb.py
(moto's server with each table of the template) on a free 127.0.0.1 port, for the length of the
run. The functions reach it as an operator would point them at another endpoint, with
`AWS_ENDPOINT_URL_DYNAMODB` in their environment.
"""

import select
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "local-dynamodb.py"
START_LIMIT_S = 60
PREFIX = "AWS_ENDPOINT_URL_DYNAMODB="


class LocalDynamoDb:
    """moto serving the tables of one template."""

    def __init__(self, template: Path, region: str):
        self._process = subprocess.Popen(
            [sys.executable, str(SCRIPT), "--template", str(template), "--region", region],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.endpoint = self._wait_for_endpoint()

    def _wait_for_endpoint(self) -> str:
        ready, _, _ = select.select([self._process.stdout], [], [], START_LIMIT_S)
        line = self._process.stdout.readline() if ready else ""
        if not line.startswith(PREFIX):
            self.stop()
            raise RuntimeError(f"moto did not start: {line.strip()} {self._process.stderr.read()[-2000:]}")
        return line.strip().removeprefix(PREFIX)

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
