//! The guest's limits and allowances, read once at start from environment variables the SAM
//! template sets. Every variable is optional; the defaults are documented in the README.

use std::ops::RangeInclusive;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};

use crate::outbound::OutboundPolicy;

/// Guest memory cap in MiB. Default: half the function's memory, or 128 outside Lambda.
pub const MEMORY_MB_VAR: &str = "LAMBDA_WASM_MEMORY_MB";
/// Bytes of stdout and of stderr kept per invocation, in KiB. Default 64.
pub const OUTPUT_KB_VAR: &str = "LAMBDA_WASM_OUTPUT_KB";
/// How long before Lambda's deadline the guest is stopped, in ms, so that the host can still
/// answer 504. Default 250.
pub const DEADLINE_MARGIN_MS_VAR: &str = "LAMBDA_WASM_DEADLINE_MARGIN_MS";
/// Comma-separated names of the host's environment variables the guest may read. `AWS_*`
/// variables (credentials among them) are never passed, but for [`GUEST_REGION_VAR`].
pub const GUEST_ENV_VAR: &str = "LAMBDA_WASM_GUEST_ENV";
/// The one `AWS_*` variable every guest sees when it is set: the function's region, which an AWS
/// SDK inside the guest needs to name its endpoints (and which the host signs for). It is no
/// secret: it is in every endpoint the function calls.
pub const GUEST_REGION_VAR: &str = "AWS_REGION";

/// What each guest instance may use.
#[derive(Debug, Clone)]
pub struct GuestConfig {
    /// The most linear memory an instance may grow to, all memories together.
    pub memory_bytes: usize,
    /// What is kept of stdout, and of stderr; the rest is dropped.
    pub output_bytes: usize,
    /// Taken off every deadline, so the host answers before Lambda stops it.
    pub deadline_margin: Duration,
    /// The environment the guest sees, read once from the host's.
    pub env: Vec<(String, String)>,
    /// Where the guest's outbound HTTP requests may go, and what each invocation may send.
    pub outbound: Arc<OutboundPolicy>,
}

impl Default for GuestConfig {
    fn default() -> Self {
        Self {
            memory_bytes: (DEFAULT_MEMORY_MB << 20) as usize,
            output_bytes: (DEFAULT_OUTPUT_KB << 10) as usize,
            deadline_margin: Duration::from_millis(DEFAULT_MARGIN_MS),
            env: Vec::new(),
            outbound: Arc::default(),
        }
    }
}

impl GuestConfig {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let number = |name: &str, range: RangeInclusive<u64>| number(name, lookup(name), range);
        let function_mb = number("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", FUNCTION_MEMORY_MB)?;
        let memory_mb = number(MEMORY_MB_VAR, MEMORY_MB)?.unwrap_or_else(|| {
            function_mb.map_or(DEFAULT_MEMORY_MB, |mb| {
                (mb / 2).clamp(*MEMORY_MB.start(), *MEMORY_MB.end())
            })
        });
        let output_kb = number(OUTPUT_KB_VAR, OUTPUT_KB)?.unwrap_or(DEFAULT_OUTPUT_KB);
        let margin_ms =
            number(DEADLINE_MARGIN_MS_VAR, DEADLINE_MARGIN_MS)?.unwrap_or(DEFAULT_MARGIN_MS);
        Ok(Self {
            memory_bytes: bytes(memory_mb, 20, MEMORY_MB_VAR)?,
            output_bytes: bytes(output_kb, 10, OUTPUT_KB_VAR)?,
            deadline_margin: Duration::from_millis(margin_ms),
            env: guest_env(&lookup),
            outbound: Arc::new(OutboundPolicy::from_lookup(&lookup)?),
        })
    }
}

/// Lambda's function memory setting: 128 MB to 10,240 MB (emulators may set less).
const FUNCTION_MEMORY_MB: RangeInclusive<u64> = 1..=10_240;
/// A 32-bit linear memory holds at most 4 GiB; a larger cap could never be used.
const MEMORY_MB: RangeInclusive<u64> = 1..=4_096;
/// 0 keeps nothing; 64 MiB per stream is already far more than a log should take.
const OUTPUT_KB: RangeInclusive<u64> = 0..=65_536;
/// Up to Lambda's longest timeout, 15 minutes.
const DEADLINE_MARGIN_MS: RangeInclusive<u64> = 0..=900_000;
const DEFAULT_MEMORY_MB: u64 = 128;
const DEFAULT_OUTPUT_KB: u64 = 64;
const DEFAULT_MARGIN_MS: u64 = 250;

/// The whole number in `value`, if set and not blank; anything else, or a number outside
/// `range`, is an error that names the variable and the range.
pub(crate) fn number(
    name: &str,
    value: Option<String>,
    range: RangeInclusive<u64>,
) -> anyhow::Result<Option<u64>> {
    let Some(value) = value.filter(|value| !value.trim().is_empty()) else {
        return Ok(None);
    };
    match value.trim().parse::<u64>() {
        Ok(number) if range.contains(&number) => Ok(Some(number)),
        _ => bail!(
            "{name} must be a whole number from {} to {}, not {value:?}",
            range.start(),
            range.end()
        ),
    }
}

/// `amount << shift` bytes; the ranges above keep it far from overflowing, this checks anyway.
fn bytes(amount: u64, shift: u32, name: &str) -> anyhow::Result<usize> {
    amount
        .checked_mul(1 << shift)
        .and_then(|bytes| usize::try_from(bytes).ok())
        .with_context(|| format!("{name} is too large for this machine"))
}

/// `AWS_REGION`, then the variables `LAMBDA_WASM_GUEST_ENV` names that are set, never another
/// `AWS_*` one.
fn guest_env(lookup: &impl Fn(&str) -> Option<String>) -> Vec<(String, String)> {
    let mut env = Vec::new();
    if let Some(region) = lookup(GUEST_REGION_VAR) {
        env.push((GUEST_REGION_VAR.to_owned(), region));
    }
    for name in lookup(GUEST_ENV_VAR)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
    {
        if name.to_ascii_uppercase().starts_with("AWS_") {
            tracing::warn!(
                "{GUEST_ENV_VAR} names {name}: AWS_* variables are never passed to the guest"
            );
            continue;
        }
        if let Some(value) = lookup(name) {
            env.push((name.to_owned(), value));
        }
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> anyhow::Result<GuestConfig> {
        GuestConfig::from_lookup(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        })
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
        assert_eq!(
            config(&vars).unwrap().env,
            [("AWS_REGION".to_owned(), "eu-west-3".to_owned())]
        );
    }

    /// Each variable, its smallest and largest accepted values, and values just outside.
    const RANGES: [(&str, u64, u64); 4] = [
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", 1, 10_240),
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
    fn a_tiny_function_still_gives_the_guest_one_mib() {
        assert_eq!(
            config(&[("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1")])
                .unwrap()
                .memory_bytes,
            1 << 20
        );
    }
}
