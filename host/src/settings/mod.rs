//! Every setting `bootstrap` reads from its environment, in one place: each variable's name, its
//! parser and its range. The environment is read once, at start, into an [`Environment`]; the
//! rest of the host gets the typed values built from it and never reads the environment itself.

mod guest;
mod lambda;
mod logging;
mod outbound;

use std::collections::HashMap;
use std::fmt;
use std::ops::RangeInclusive;

use anyhow::{Context as _, bail};

pub use self::lambda::{FUNCTION_MEMORY_VAR, FunctionSettings, LambdaSettings, RuntimeApiAddress};
pub use self::logging::LogSettings;
use crate::sandbox::GuestConfig;

/// The process environment, read once at start. Its `Debug` shows names only: the Lambda
/// environment holds the function's credentials.
#[derive(Clone, Default)]
pub struct Environment(HashMap<String, String>);

impl Environment {
    /// The process's environment: the one place `bootstrap` reads it. A variable whose name or
    /// value is not UTF-8 is left out, as if unset.
    pub fn of_process() -> Self {
        Self(
            std::env::vars_os()
                .filter_map(|(name, value)| {
                    Some((name.into_string().ok()?, value.into_string().ok()?))
                })
                .collect(),
        )
    }

    /// An environment of exactly these variables (tests, benchmarks).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .collect(),
        )
    }

    /// This environment with `variables` set over it: a function's own environment, as a
    /// template gives it, over the process's (`serve --template`).
    pub fn overlaid<'a>(&self, variables: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut overlaid = self.clone();
        for (name, value) in variables {
            overlaid.0.insert(name.to_owned(), value.to_owned());
        }
        overlaid
    }

    /// `AWS_LAMBDA_RUNTIME_API`, when set: Lambda mode reads it before anything else can
    /// fail, so that whatever fails next can be reported to it.
    pub fn runtime_api(&self) -> Option<anyhow::Result<RuntimeApiAddress>> {
        self.non_blank(lambda::RUNTIME_API_VAR)
            .map(RuntimeApiAddress::parse)
    }

    /// The value of `name`, as set.
    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// The value of `name`, trimmed, when it is set and not blank.
    fn non_blank(&self, name: &str) -> Option<&str> {
        self.get(name)
            .map(str::trim)
            .filter(|value| !value.is_empty())
    }
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&str> = self.0.keys().map(String::as_str).collect();
        names.sort_unstable();
        f.debug_tuple("Environment").field(&names).finish()
    }
}

/// What `bootstrap` runs with, read from the environment at start.
#[derive(Debug)]
pub struct Settings {
    /// What Lambda says about the function and its Runtime API.
    pub lambda: LambdaSettings,
    /// What each guest instance may use, outbound HTTP included.
    pub guest: GuestConfig,
}

impl Settings {
    /// Reads every setting from `env`. A value that is not valid (a number out of its range, a
    /// malformed allowlist or endpoint, an unreadable CA file) is an error naming the variable.
    pub fn read(env: &Environment) -> anyhow::Result<Self> {
        let lambda = LambdaSettings::read(env)?;
        let guest = guest::read(env, &lambda)?;
        Ok(Self { lambda, guest })
    }

    /// Reads every setting from the process's environment (benchmarks and examples).
    pub fn from_process() -> anyhow::Result<Self> {
        Self::read(&Environment::of_process())
    }
}

/// The whole number in `name`, if set and not blank; anything else, or a number outside
/// `range`, is an error that names the variable and the range. Surrounding whitespace is
/// ignored.
fn number(
    env: &Environment,
    name: &str,
    range: RangeInclusive<u64>,
) -> anyhow::Result<Option<u64>> {
    let Some(value) = env.non_blank(name) else {
        return Ok(None);
    };
    match value.parse::<u64>() {
        Ok(number) if range.contains(&number) => Ok(Some(number)),
        _ => bail!(
            "{name} must be a whole number from {} to {}, not {:?}",
            range.start(),
            range.end(),
            env.get(name).unwrap_or_default()
        ),
    }
}

/// `amount << shift` bytes; the ranges keep it far from overflowing, this checks anyway.
fn bytes(amount: u64, shift: u32, name: &str) -> anyhow::Result<usize> {
    amount
        .checked_mul(1 << shift)
        .and_then(|bytes| usize::try_from(bytes).ok())
        .with_context(|| format!("{name} is too large for this machine"))
}

/// A comma-separated list: its items trimmed, blanks left out.
fn list(value: Option<&str>) -> impl Iterator<Item = &str> {
    value
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_never_shows_its_values() {
        let env = Environment::from_pairs([("AWS_SECRET_ACCESS_KEY", "very-secret")]);
        let shown = format!("{env:?}");
        assert!(shown.contains("AWS_SECRET_ACCESS_KEY"), "{shown}");
        assert!(!shown.contains("very-secret"), "{shown}");
    }

    #[test]
    fn lists_skip_blanks_and_trim() {
        assert_eq!(list(Some(" a, ,b,")).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(list(None).count(), 0);
    }
}
