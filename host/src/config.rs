//! The guest's limits and allowances, read once at start from environment variables the SAM
//! template sets. Every variable is optional; the defaults are documented in the README.

use std::time::Duration;

use anyhow::{Context as _, bail};

/// Guest memory cap in MiB. Default: half the function's memory, or 128 outside Lambda.
pub const MEMORY_MB_VAR: &str = "LAMBDA_WASM_MEMORY_MB";
/// Bytes of stdout and of stderr kept per invocation, in KiB. Default 64.
pub const OUTPUT_KB_VAR: &str = "LAMBDA_WASM_OUTPUT_KB";
/// How long before Lambda's deadline the guest is stopped, in ms, so that the host can still
/// answer 504. Default 250.
pub const DEADLINE_MARGIN_MS_VAR: &str = "LAMBDA_WASM_DEADLINE_MARGIN_MS";
/// Comma-separated names of the host's environment variables the guest may read. `AWS_*`
/// variables (credentials among them) are never passed.
pub const GUEST_ENV_VAR: &str = "LAMBDA_WASM_GUEST_ENV";

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
}

impl Default for GuestConfig {
    fn default() -> Self {
        Self {
            memory_bytes: 128 << 20,
            output_bytes: 64 << 10,
            deadline_margin: Duration::from_millis(250),
            env: Vec::new(),
        }
    }
}

impl GuestConfig {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let defaults = Self::default();
        let number = |name: &str| -> anyhow::Result<Option<u64>> {
            lookup(name)
                .filter(|value| !value.trim().is_empty())
                .map(|value| {
                    value
                        .trim()
                        .parse::<u64>()
                        .with_context(|| format!("{name}={value:?} is not a whole number"))
                })
                .transpose()
        };
        let function_mb = number("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")?;
        let memory_mb = match number(MEMORY_MB_VAR)? {
            Some(0) => bail!("{MEMORY_MB_VAR} must be at least 1"),
            Some(mb) => mb,
            None => function_mb.map_or((defaults.memory_bytes >> 20) as u64, |mb| (mb / 2).max(1)),
        };
        let output_kb = number(OUTPUT_KB_VAR)?.unwrap_or((defaults.output_bytes >> 10) as u64);
        let margin_ms =
            number(DEADLINE_MARGIN_MS_VAR)?.unwrap_or(defaults.deadline_margin.as_millis() as u64);
        let mut env = Vec::new();
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
        Ok(Self {
            memory_bytes: usize::try_from(memory_mb << 20)
                .context("the memory cap is too large")?,
            output_bytes: usize::try_from(output_kb << 10)
                .context("the output cap is too large")?,
            deadline_margin: Duration::from_millis(margin_ms),
            env,
        })
    }
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
    fn refuses_values_that_are_not_numbers() {
        let err = config(&[("LAMBDA_WASM_OUTPUT_KB", "lots")]).unwrap_err();
        assert!(err.to_string().contains("LAMBDA_WASM_OUTPUT_KB"), "{err}");
        assert!(config(&[("LAMBDA_WASM_MEMORY_MB", "0")]).is_err());
    }
}
