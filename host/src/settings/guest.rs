//! The guest's limits and allowances: its memory cap, its output, the margin before Lambda's
//! deadline, and the environment variables it may read.

use std::ops::RangeInclusive;
use std::sync::Arc;
use std::time::Duration;

use super::lambda::{DEFAULT_REGION_VAR, LambdaSettings, REGION_VAR};
use super::{Environment, bytes, list, number, outbound};
use crate::sandbox::{GuestConfig, InstanceScope};

/// Guest memory cap in MiB. Default: half the function's memory shared by the invocations that
/// may run at once (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE / 2 / AWS_LAMBDA_MAX_CONCURRENCY`), or 128
/// outside Lambda.
pub const MEMORY_MB_VAR: &str = "LAMBDA_WASM_MEMORY_MB";
/// Bytes of stdout and of stderr kept per invocation, in KiB. Default 64.
pub const OUTPUT_KB_VAR: &str = "LAMBDA_WASM_OUTPUT_KB";
/// How long before Lambda's deadline the guest is stopped, in ms, so that the host can still
/// answer 504. Default 250.
pub const DEADLINE_MARGIN_MS_VAR: &str = "LAMBDA_WASM_DEADLINE_MARGIN_MS";
/// Comma-separated names of the host's environment variables the guest may read. `AWS_*`
/// variables (credentials among them) are never passed, but for the region.
pub const GUEST_ENV_VAR: &str = "LAMBDA_WASM_GUEST_ENV";
/// How long an `event-handler` instance lives: `environment` (the default: kept for the
/// invocations of the execution environment, as Lambda's runtimes keep their process) or
/// `invocation` (a fresh instance for each, for isolation).
pub const INSTANCE_SCOPE_VAR: &str = "LAMBDA_WASM_INSTANCE_SCOPE";

/// A 32-bit linear memory holds at most 4 GiB; a larger cap could never be used.
const MEMORY_MB: RangeInclusive<u64> = 1..=4_096;
/// 0 keeps nothing; 64 MiB per stream is already far more than a log should take.
const OUTPUT_KB: RangeInclusive<u64> = 0..=65_536;
/// Up to Lambda's longest timeout, 15 minutes.
const DEADLINE_MARGIN_MS: RangeInclusive<u64> = 0..=900_000;
const DEFAULT_MEMORY_MB: u64 = 128;
const DEFAULT_OUTPUT_KB: u64 = 64;
const DEFAULT_MARGIN_MS: u64 = 250;

/// What each guest instance may use.
pub(super) fn read(env: &Environment, lambda: &LambdaSettings) -> anyhow::Result<GuestConfig> {
    let memory_mb = number(env, MEMORY_MB_VAR, MEMORY_MB)?.unwrap_or_else(|| {
        lambda.function.memory_mb.map_or(DEFAULT_MEMORY_MB, |mb| {
            default_memory_mb(u64::from(mb), lambda.max_concurrency.unwrap_or(1).into())
        })
    });
    let output_kb = number(env, OUTPUT_KB_VAR, OUTPUT_KB)?.unwrap_or(DEFAULT_OUTPUT_KB);
    let margin_ms =
        number(env, DEADLINE_MARGIN_MS_VAR, DEADLINE_MARGIN_MS)?.unwrap_or(DEFAULT_MARGIN_MS);
    Ok(GuestConfig {
        memory_bytes: bytes(memory_mb, 20, MEMORY_MB_VAR)?,
        output_bytes: bytes(output_kb, 10, OUTPUT_KB_VAR)?,
        deadline_margin: Duration::from_millis(margin_ms),
        env: guest_env(env, lambda.region.as_deref()),
        outbound: Arc::new(outbound::read(env, lambda)?),
        instance_scope: instance_scope(env)?,
    })
}

/// `LAMBDA_WASM_INSTANCE_SCOPE`, `environment` when unset.
fn instance_scope(env: &Environment) -> anyhow::Result<InstanceScope> {
    match env.non_blank(INSTANCE_SCOPE_VAR) {
        None | Some("environment") => Ok(InstanceScope::Environment),
        Some("invocation") => Ok(InstanceScope::Invocation),
        Some(other) => anyhow::bail!(
            "{INSTANCE_SCOPE_VAR} must be `environment` or `invocation`, not {other:?}"
        ),
    }
}

/// The default guest memory cap: half of the function's memory, shared by the `concurrency`
/// guests that may run at once (the other half is the host's: its code, the compiled component,
/// events and responses in flight). Never below 1 MiB, nor above what one memory can hold.
fn default_memory_mb(function_mb: u64, concurrency: u64) -> u64 {
    (function_mb / 2 / concurrency.max(1)).clamp(*MEMORY_MB.start(), *MEMORY_MB.end())
}

/// The region as `AWS_REGION` and `AWS_DEFAULT_REGION` (Lambda sets both; boto3 reads the
/// second), then the variables `LAMBDA_WASM_GUEST_ENV` names that are set, never another `AWS_*`
/// one. The region is no secret (it is in every endpoint the function calls), and an AWS SDK
/// inside the guest needs it to name its endpoints.
fn guest_env(env: &Environment, region: Option<&str>) -> Vec<(String, String)> {
    let mut guest = Vec::new();
    if let Some(region) = region {
        for name in [REGION_VAR, DEFAULT_REGION_VAR] {
            guest.push((name.to_owned(), region.to_owned()));
        }
    }
    for name in list(env.get(GUEST_ENV_VAR)) {
        if name.to_ascii_uppercase().starts_with("AWS_") {
            tracing::warn!(
                "{GUEST_ENV_VAR} names {name}: AWS_* variables are never passed to the guest"
            );
            continue;
        }
        if let Some(value) = env.get(name) {
            guest.push((name.to_owned(), value.to_owned()));
        }
    }
    guest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> anyhow::Result<GuestConfig> {
        let env = Environment::from_pairs(vars.iter().copied());
        read(&env, &LambdaSettings::read(&env)?)
    }

    #[test]
    fn defaults_to_half_the_function_memory() {
        assert_eq!(config(&[]).unwrap().memory_bytes, 128 << 20);
        assert_eq!(
            config(&[("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")])
                .unwrap()
                .memory_bytes,
            256 << 20
        );
        assert_eq!(
            config(&[("LAMBDA_WASM_MEMORY_MB", "16")])
                .unwrap()
                .memory_bytes,
            16 << 20
        );
    }

    #[test]
    fn event_handler_instances_live_for_the_environment_unless_told_otherwise() {
        let scope = |vars: &[(&str, &str)]| config(vars).map(|config| config.instance_scope);
        assert_eq!(scope(&[]).unwrap(), InstanceScope::Environment);
        let named = |value| scope(&[(INSTANCE_SCOPE_VAR, value)]);
        assert_eq!(named("environment").unwrap(), InstanceScope::Environment);
        assert_eq!(named(" invocation ").unwrap(), InstanceScope::Invocation);
        let message = named("request").unwrap_err().to_string();
        assert!(message.contains(INSTANCE_SCOPE_VAR), "{message}");
        assert!(message.contains("\"request\""), "{message}");
    }

    #[test]
    fn passes_only_allowed_variables_and_never_aws_ones() {
        let vars = [
            (
                "LAMBDA_WASM_GUEST_ENV",
                "TABLE, AWS_SECRET_ACCESS_KEY,aws_session_token,MISSING",
            ),
            ("TABLE", "users"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("aws_session_token", "secret"),
            ("OTHER", "x"),
        ];
        assert_eq!(
            config(&vars).unwrap().env,
            [("TABLE".to_owned(), "users".to_owned())]
        );
    }

    #[test]
    fn the_region_is_the_one_aws_variable_the_guest_sees() {
        let vars = [
            ("AWS_REGION", "eu-west-3"),
            ("AWS_ACCESS_KEY_ID", "AKIDTEST"),
            ("LAMBDA_WASM_GUEST_ENV", "AWS_REGION,AWS_ACCESS_KEY_ID"),
        ];
        let region = |name: &str| (name.to_owned(), "eu-west-3".to_owned());
        assert_eq!(
            config(&vars).unwrap().env,
            [region("AWS_REGION"), region("AWS_DEFAULT_REGION")]
        );
    }

    /// Each variable, its smallest and largest accepted values, and values just outside.
    const RANGES: [(&str, u64, u64); 5] = [
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", 1, 10_240),
        ("AWS_LAMBDA_MAX_CONCURRENCY", 1, 1_600),
        ("LAMBDA_WASM_MEMORY_MB", 1, 4_096),
        ("LAMBDA_WASM_OUTPUT_KB", 0, 65_536),
        ("LAMBDA_WASM_DEADLINE_MARGIN_MS", 0, 900_000),
    ];

    #[test]
    fn accepts_each_variable_at_both_ends_of_its_range_and_around_whitespace() {
        for (name, min, max) in RANGES {
            for value in [min.to_string(), max.to_string(), format!(" {max}\n")] {
                assert!(config(&[(name, &value)]).is_ok(), "{name}={value:?}");
            }
        }
        let largest = config(&[
            ("LAMBDA_WASM_MEMORY_MB", "4096"),
            ("LAMBDA_WASM_OUTPUT_KB", "65536"),
            ("LAMBDA_WASM_DEADLINE_MARGIN_MS", "900000"),
        ])
        .unwrap();
        assert_eq!(largest.memory_bytes, 4 << 30);
        assert_eq!(largest.output_bytes, 64 << 20);
        assert_eq!(largest.deadline_margin, Duration::from_secs(900));
    }

    #[test]
    fn refuses_values_outside_the_range_naming_the_variable_and_the_range() {
        for (name, min, max) in RANGES {
            let mut bad = vec![
                (max + 1).to_string(),
                "18446744073709551615".to_owned(),
                "18446744073709551616".to_owned(),
                "99999999999999999999999".to_owned(),
                "-1".to_owned(),
                "lots".to_owned(),
                "1.5".to_owned(),
                "1 2".to_owned(),
                "0x10".to_owned(),
            ];
            if min > 0 {
                bad.push((min - 1).to_string());
            }
            for value in bad {
                let err = config(&[(name, &value)]).unwrap_err().to_string();
                assert!(err.contains(name), "{err}");
                assert!(err.contains(&format!("from {min} to {max}")), "{err}");
            }
        }
    }

    #[test]
    fn a_blank_variable_is_unset() {
        for (name, _, _) in RANGES {
            assert!(config(&[(name, "")]).is_ok(), "{name}");
            assert!(config(&[(name, " \t")]).is_ok(), "{name}");
        }
        assert_eq!(
            config(&[("LAMBDA_WASM_MEMORY_MB", " ")])
                .unwrap()
                .memory_bytes,
            128 << 20
        );
    }

    #[test]
    fn half_the_largest_function_is_capped_at_what_one_memory_can_hold() {
        assert_eq!(
            config(&[("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "10240")])
                .unwrap()
                .memory_bytes,
            4 << 30
        );
    }

    #[test]
    fn concurrent_invocations_share_half_the_function_memory_unless_the_cap_is_set() {
        let memory = |vars: &[(&str, &str)]| config(vars).unwrap().memory_bytes >> 20;
        let managed = [
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "4096"),
            ("AWS_LAMBDA_MAX_CONCURRENCY", "16"),
        ];
        assert_eq!(memory(&managed), 128, "4096 / 2 / 16");
        let env = Environment::from_pairs(managed);
        assert_eq!(
            LambdaSettings::read(&env).unwrap().max_concurrency,
            Some(16)
        );
        assert_eq!(
            memory(&[
                ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "2048"),
                ("AWS_LAMBDA_MAX_CONCURRENCY", "1"),
            ]),
            1024,
            "one at a time gets half the function's memory"
        );
        assert_eq!(
            memory(&[managed[0], managed[1], ("LAMBDA_WASM_MEMORY_MB", "300")]),
            300,
            "the cap overrides the formula"
        );
        assert_eq!(
            memory(&[
                ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
                ("AWS_LAMBDA_MAX_CONCURRENCY", "1600"),
            ]),
            1,
            "never below 1 MiB"
        );
        assert_eq!(
            LambdaSettings::read(&Environment::default())
                .unwrap()
                .max_concurrency,
            None
        );
    }

    #[test]
    fn a_tiny_function_still_gives_the_guest_one_mib() {
        assert_eq!(
            config(&[("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1")])
                .unwrap()
                .memory_bytes,
            1 << 20
        );
    }
}
