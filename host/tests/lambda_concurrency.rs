//! Lambda Managed Instances: the real `bootstrap` with `AWS_LAMBDA_MAX_CONCURRENCY` set, against
//! a Runtime API double that hands out invocations concurrently. The guest waits on a clock
//! (`hostile-sleep`'s `/nap/MS`), so that overlapping invocations show in the double's times.

#![allow(clippy::unwrap_used)] // a failed step is a failed test

mod common;

use std::collections::BTreeSet;
use std::process::Child;
use std::time::Duration;

use common::runtime_api::{self, Post, Queued, RuntimeApiDouble, answer};
use serde_json::Value;

const NAP_MS: u64 = 600;

/// The tutorial's REST API event, asking for `path`.
fn event(path: &str) -> Vec<u8> {
    let mut event: Value =
        serde_json::from_slice(&common::read_fixture("events/tutorial-rest-api.json")).unwrap();
    event["path"] = Value::from(path);
    serde_json::to_vec(&event).unwrap()
}

fn queued(request_id: &str, path: &str, timeout: Duration) -> Queued {
    Queued {
        timeout,
        ..Queued::new(request_id, event(path))
    }
}

/// `bootstrap` as Lambda starts it, with JSON log lines, running `hostile-sleep`.
fn start_runtime(address: std::net::SocketAddr, env: &[(&str, &str)]) -> Child {
    runtime_api::start_bootstrap(address, "hostile-sleep", env)
}

/// The request id of the span each line with `message` was logged in.
fn request_ids_of(lines: &[Value], message: &str) -> Vec<String> {
    lines
        .iter()
        .filter(|line| line["message"] == message)
        .map(|line| {
            line["span"]["lambda_request_id"]
                .as_str()
                .unwrap_or_else(|| panic!("a line without its request id: {line}"))
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn runs_invocations_at_once_each_on_its_own_instance_and_answer() {
    let (api, address) = RuntimeApiDouble::start().await;
    let nap = format!("/nap/{NAP_MS}");
    // More than the four slots of a sequential pool: the pool must be sized for them too, or
    // the naps would run in waves.
    let naps: Vec<String> = (1..=8).map(|n| format!("nap-{n}")).collect();
    api.enqueue(
        naps.iter()
            .map(|id| queued(id, &nap, Duration::from_secs(30)))
            .chain([
                queued("trap", "/panic", Duration::from_secs(30)),
                // Sleeps for an hour: the host answers 504 before this deadline.
                queued("timeout", "/forever", Duration::from_millis(1_500)),
            ]),
    );
    let runtime = start_runtime(address, &[("AWS_LAMBDA_MAX_CONCURRENCY", "10")]);
    // Ten answers, then each of the ten pollers polls again.
    let (answers, lines) = runtime_api::run_until_answered(&api, runtime, 10, 20).await;

    for id in &naps {
        let answer = answer(&answers, id);
        assert_eq!(answer.kind(), "response", "{answer:?}");
        assert_eq!(answer.body["statusCode"], 200, "{answer:?}");
        assert_eq!(answer.body["body"], format!("napped {NAP_MS} ms"));
    }
    // The naps overlap: the last was handed out before the first was answered.
    let nap_answers: Vec<&Post> = naps.iter().map(|id| answer(&answers, id)).collect();
    let last_handed_out = nap_answers
        .iter()
        .map(|nap| nap.handed_out.unwrap())
        .max()
        .unwrap();
    let first_answered = nap_answers.iter().map(|nap| nap.answered).min().unwrap();
    assert!(
        last_handed_out < first_answered,
        "the invocations ran one after the other: {nap_answers:?}"
    );
    let first_handed_out = nap_answers
        .iter()
        .map(|nap| nap.handed_out.unwrap())
        .min()
        .unwrap();
    let last_answered = nap_answers.iter().map(|nap| nap.answered).max().unwrap();
    assert!(
        last_answered - first_handed_out < Duration::from_millis(2 * NAP_MS),
        "eight naps of {NAP_MS} ms took {:?}",
        last_answered - first_handed_out
    );

    // A trap and a timeout fail their own invocations alone.
    assert_eq!(answer(&answers, "trap").body["statusCode"], 500);
    assert_eq!(answer(&answers, "timeout").body["statusCode"], 504);

    // Every line about an invocation carries its own request id: the guest's output, the
    // invocation's summary, the trap.
    let napping: BTreeSet<String> = request_ids_of(&lines, &format!("napping {NAP_MS} ms"))
        .into_iter()
        .collect();
    assert_eq!(napping, naps.iter().cloned().collect());
    let summarised: BTreeSet<String> = request_ids_of(&lines, "invocation").into_iter().collect();
    let mut all: BTreeSet<String> = naps.iter().cloned().collect();
    all.extend(["trap", "timeout"].map(String::from));
    assert_eq!(summarised, all);
    for line in lines.iter().filter(|line| line["target"] == "guest") {
        let id = line["span"]["lambda_request_id"].as_str().unwrap();
        let message = line["message"].as_str().unwrap();
        assert!(
            !message.contains("panicked") || id == "trap",
            "the trap's output logged under {id}: {line}"
        );
    }
}

#[tokio::test]
async fn without_the_variable_invocations_run_one_after_the_other() {
    let (api, address) = RuntimeApiDouble::start().await;
    api.enqueue(["first", "second"].map(|id| queued(id, "/nap/300", Duration::from_secs(30))));
    let runtime = start_runtime(address, &[]);
    let (answers, _) = runtime_api::run_until_answered(&api, runtime, 2, 3).await;
    let (first, second) = (answer(&answers, "first"), answer(&answers, "second"));
    assert!(
        first.answered <= second.handed_out.unwrap(),
        "the second invocation was taken before the first was answered: {answers:?}"
    );
    assert_eq!(second.body["statusCode"], 200);
}
