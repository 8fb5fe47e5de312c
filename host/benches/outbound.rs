//! What the host adds to one outbound request: the cached credentials, SigV4 signing of a
//! DynamoDB `PutItem` as the AWS SDK sends it (a 1 KiB JSON body, hashed, and its usual headers)
//! and of an empty `GET`, and the policy's routing decision. `make bench` runs it (host/benches/run.py); medians in BENCHMARKS.md.

#![allow(clippy::unwrap_used)] // a failed step is a failed benchmark

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use lambda_wasm_host::outbound::allowlist::Scheme;
use lambda_wasm_host::outbound::signing::{PayloadHash, Signer};
use lambda_wasm_host::settings::{Environment, Settings};

/// The settings of a function that signs its DynamoDB and S3 requests.
fn environment() -> Environment {
    Environment::from_pairs([
        ("AWS_REGION", "us-east-1"),
        ("LAMBDA_WASM_AWS_SERVICES", "dynamodb,s3"),
        (
            "LAMBDA_WASM_OUTBOUND_HOSTS",
            "https://*.amazonaws.com,http://127.0.0.1:8000",
        ),
    ])
}

fn put_item() -> http::Request<()> {
    http::Request::post("https://dynamodb.us-east-1.amazonaws.com/")
        .header("host", "dynamodb.us-east-1.amazonaws.com")
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amz-target", "DynamoDB_20120810.PutItem")
        .header("user-agent", "aws-sdk-rust/1.3 os/other lang/rust")
        .header(
            "amz-sdk-invocation-id",
            "3b0c8a1e-6f0c-4a8f-9d7e-1f2a3b4c5d6e",
        )
        .header("amz-sdk-request", "attempt=1; max=3")
        .body(())
        .unwrap()
}

fn benches(c: &mut Criterion) {
    let credentials = Credentials::new(
        "AKIDBENCHMARK",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        Some("IQoJb3JpZ2luX2VjEXAMPLETOKEN".into()),
        None,
        "benchmark",
    );
    let signer = Signer::with_credentials(
        SharedCredentialsProvider::new(credentials.clone()),
        "us-east-1",
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let body = format!(
        r#"{{"TableName":"users","Item":{{"id":{{"S":"42"}},"name":{{"S":"{}"}}}},"ConditionExpression":"attribute_not_exists(id)"}}"#,
        "x".repeat(900)
    );
    let mut group = c.benchmark_group("outbound");
    group.bench_function("credentials_cached", |b| {
        b.to_async(&runtime)
            .iter(|| async { signer.credentials().await.unwrap() })
    });
    group.bench_function("sign_put_item_1kib", |b| {
        b.iter_batched(
            put_item,
            |mut request| {
                let mut hash = PayloadHash::default();
                hash.update(body.as_bytes());
                signer
                    .sign(&credentials, &mut request, &hash.finish(), "dynamodb")
                    .unwrap()
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("sign_get_empty", |b| {
        b.iter_batched(
            || {
                http::Request::get("https://my-bucket.s3.us-east-1.amazonaws.com/key.json")
                    .header("host", "my-bucket.s3.us-east-1.amazonaws.com")
                    .body(())
                    .unwrap()
            },
            |mut request| {
                let empty = PayloadHash::default().finish();
                signer
                    .sign(&credentials, &mut request, &empty, "s3")
                    .unwrap()
            },
            BatchSize::SmallInput,
        )
    });
    let policy = Settings::read(&environment()).unwrap().guest.outbound;
    group.bench_function("route", |b| {
        b.iter(|| {
            policy
                .route(Scheme::Https, "dynamodb.us-east-1.amazonaws.com", 443)
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(outbound, benches);
criterion_main!(outbound);
