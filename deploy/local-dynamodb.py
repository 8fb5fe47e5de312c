#!/usr/bin/env python3
"""A local DynamoDB for the users API: moto's server on a free 127.0.0.1 port, with the tables
template.yaml declares (each AWS::DynamoDB::Table, named by its TableName or else its logical id,
with the template's keys and attributes).

    .venv/bin/python deploy/local-dynamodb.py [--port N] [--template template.yaml]

Prints one line, `AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:PORT`, once the tables exist, then
serves until it is stopped (SIGTERM or Ctrl-C). moto keeps its tables in memory: they last as
long as this process, across any number of `bootstrap serve` runs. `make serve-users` and the
host's tests start it from the project's .venv, where the Makefile installs moto[server].
"""

import argparse
import os
import signal
import sys
import threading

import boto3
from cfnlint.decode import decode
from moto.server import ThreadedMotoServer

# The keys of AWS::DynamoDB::Table that CreateTable takes as they are.
TABLE_KEYS = (
    "AttributeDefinitions",
    "KeySchema",
    "BillingMode",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "ProvisionedThroughput",
)


def tables(template_path):
    """(name, CreateTable arguments) of each DynamoDB table in the template."""
    template, errors = decode(template_path)
    if errors:
        sys.exit(f"{template_path}: {errors[0]}")
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::DynamoDB::Table":
            continue
        properties = resource.get("Properties", {})
        name = properties.get("TableName", logical_id)
        if not isinstance(name, str):
            sys.exit(f"{logical_id}: TableName must be a plain string to be created locally")
        arguments = {key: properties[key] for key in TABLE_KEYS if key in properties}
        yield name, arguments


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--template", default="template.yaml")
    # moto keeps tables per region, the region of each request's signature (us-east-1 unsigned).
    parser.add_argument("--region", default=os.environ.get("AWS_REGION") or "us-east-1")
    args = parser.parse_args()

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"

    # moto checks no signature; the keys only let boto3 sign at all.
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=args.region,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    for name, arguments in tables(args.template):
        dynamodb.create_table(TableName=name, **arguments)

    print(f"AWS_ENDPOINT_URL_DYNAMODB={endpoint}", flush=True)
    stopped = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopped.set())
    stopped.wait()
    server.stop()


if __name__ == "__main__":
    main()
