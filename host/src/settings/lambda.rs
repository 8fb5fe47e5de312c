//! What Lambda tells the runtime through its environment: the Runtime API's address, the
//! function's name, version, memory and log names, where its code is, how many invocations it
//! runs at once, and its region; and how the function answers (buffered or streamed), which the
//! function's configuration must say, since Lambda does not tell the runtime.

use std::net::{SocketAddr, ToSocketAddrs as _};
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::{Environment, number};
use crate::pipeline::InvokeMode;

/// Where the Lambda Runtime API listens, `host:port`.
pub const RUNTIME_API_VAR: &str = "AWS_LAMBDA_RUNTIME_API";
/// The function's name.
const FUNCTION_NAME_VAR: &str = "AWS_LAMBDA_FUNCTION_NAME";
/// The function's version, `$LATEST` or a number.
const FUNCTION_VERSION_VAR: &str = "AWS_LAMBDA_FUNCTION_VERSION";
/// The function's memory setting, in MB.
pub const FUNCTION_MEMORY_VAR: &str = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE";
const LOG_GROUP_VAR: &str = "AWS_LAMBDA_LOG_GROUP_NAME";
const LOG_STREAM_VAR: &str = "AWS_LAMBDA_LOG_STREAM_NAME";
/// How many invocations one execution environment runs at once; Lambda sets it on Managed
/// Instances. Unset: one at a time.
pub const MAX_CONCURRENCY_VAR: &str = "AWS_LAMBDA_MAX_CONCURRENCY";
/// The function's code directory, and the template's `Handler` in it (e.g. `hello_world.cwasm`).
const TASK_ROOT_VAR: &str = "LAMBDA_TASK_ROOT";
const HANDLER_VAR: &str = "_HANDLER";
/// The component to run, over `$LAMBDA_TASK_ROOT/$_HANDLER`.
pub const COMPONENT_VAR: &str = "LAMBDA_WASM_COMPONENT";
/// How the function answers: `buffered` (the default) or `response_stream`, as the function's
/// Function URL `InvokeMode` and REST API integrations' `responseTransferMode` are set.
pub const INVOKE_MODE_VAR: &str = "LAMBDA_WASM_INVOKE_MODE";
/// The function's region, which the host signs for; `AWS_DEFAULT_REGION` as a fallback, as the
/// AWS SDKs read it.
pub const REGION_VAR: &str = "AWS_REGION";
const DEFAULT_REGION_VAR: &str = "AWS_DEFAULT_REGION";

/// Lambda's function memory setting: 128 MB to 10,240 MB (emulators may set less).
const FUNCTION_MEMORY_MB: RangeInclusive<u64> = 1..=10_240;
/// Lambda Managed Instances' `PerExecutionEnvironmentMaxConcurrency`: 1 to 1,600.
const MAX_CONCURRENCY: RangeInclusive<u64> = 1..=1_600;

/// What Lambda says about the function and its Runtime API; outside Lambda, mostly nothing.
#[derive(Debug, Clone, Default)]
pub struct LambdaSettings {
    /// The Runtime API, when there is one (on Lambda, or under an emulator).
    pub runtime_api: Option<RuntimeApiAddress>,
    /// The function's identity and memory.
    pub function: FunctionSettings,
    /// How many invocations run at once (Managed Instances); `None`: one at a time.
    pub max_concurrency: Option<u32>,
    /// The component `LAMBDA_WASM_COMPONENT` names, for every command.
    pub component: Option<PathBuf>,
    /// The function's `Handler` in its code directory, `$LAMBDA_TASK_ROOT/$_HANDLER`: what
    /// Lambda mode runs when no component is named.
    pub handler: Option<PathBuf>,
    /// The function's region.
    pub region: Option<String>,
    /// How the function answers.
    pub invoke_mode: InvokeMode,
}

/// The function's identity, memory and log names, as Lambda sets them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunctionSettings {
    /// `AWS_LAMBDA_FUNCTION_NAME`.
    pub name: Option<String>,
    /// `AWS_LAMBDA_FUNCTION_VERSION`.
    pub version: Option<String>,
    /// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, checked against Lambda's range.
    pub memory_mb: Option<u32>,
    /// `AWS_LAMBDA_LOG_GROUP_NAME`; empty when unset.
    pub log_group: String,
    /// `AWS_LAMBDA_LOG_STREAM_NAME`; empty when unset.
    pub log_stream: String,
}

/// The Runtime API as Lambda gives it (`127.0.0.1:9001`), or as emulators such as
/// cargo-lambda's do (a URL, `http://127.0.0.1:9009/.rt/bootstrap`, whose authority counts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeApiAddress {
    /// The endpoint to call.
    pub uri: http::Uri,
    /// The addresses it resolves to, once at start: a guest may never reach them.
    pub addresses: Vec<SocketAddr>,
}

impl LambdaSettings {
    pub(super) fn read(env: &Environment) -> anyhow::Result<Self> {
        let text = |name: &str| env.get(name).map(str::to_owned);
        let handler = env
            .non_blank(HANDLER_VAR)
            .map(|handler| Path::new(env.get(TASK_ROOT_VAR).unwrap_or(".")).join(handler));
        Ok(Self {
            runtime_api: env.runtime_api().transpose()?,
            function: FunctionSettings {
                name: text(FUNCTION_NAME_VAR),
                version: text(FUNCTION_VERSION_VAR),
                memory_mb: number(env, FUNCTION_MEMORY_VAR, FUNCTION_MEMORY_MB)?
                    .map(|mb| mb as u32),
                log_group: text(LOG_GROUP_VAR).unwrap_or_default(),
                log_stream: text(LOG_STREAM_VAR).unwrap_or_default(),
            },
            max_concurrency: number(env, MAX_CONCURRENCY_VAR, MAX_CONCURRENCY)?
                .map(|concurrency| concurrency as u32),
            component: env.non_blank(COMPONENT_VAR).map(PathBuf::from),
            handler,
            region: env
                .non_blank(REGION_VAR)
                .or_else(|| env.non_blank(DEFAULT_REGION_VAR))
                .map(str::to_owned),
            invoke_mode: invoke_mode(env)?,
        })
    }

    /// Whether Lambda set what Lambda mode needs; an error names the first one missing (its
    /// absence means `bootstrap` is not on Lambda).
    pub fn require_lambda(&self) -> anyhow::Result<()> {
        let not_on_lambda = |name: &str| {
            anyhow::anyhow!(
                "{name} is not set: Lambda mode runs inside AWS Lambda (use `bootstrap invoke` locally)"
            )
        };
        let function = &self.function;
        for (name, set) in [
            (FUNCTION_NAME_VAR, function.name.is_some()),
            (FUNCTION_VERSION_VAR, function.version.is_some()),
            (FUNCTION_MEMORY_VAR, function.memory_mb.is_some()),
        ] {
            if !set {
                return Err(not_on_lambda(name));
            }
        }
        self.runtime_api
            .as_ref()
            .map(drop)
            .ok_or_else(|| not_on_lambda(RUNTIME_API_VAR))
    }
}

/// `LAMBDA_WASM_INVOKE_MODE`, by the names `serve --invoke-mode` takes; unset is buffered.
fn invoke_mode(env: &Environment) -> anyhow::Result<InvokeMode> {
    let Some(value) = env.non_blank(INVOKE_MODE_VAR) else {
        return Ok(InvokeMode::default());
    };
    <InvokeMode as clap::ValueEnum>::from_str(value, true).map_err(|_| {
        anyhow::anyhow!("{INVOKE_MODE_VAR} must be buffered or response_stream, not {value:?}")
    })
}

impl RuntimeApiAddress {
    pub(super) fn parse(value: &str) -> anyhow::Result<Self> {
        let not_an_address = || format!("{RUNTIME_API_VAR} is not a host:port or a URL: {value:?}");
        let uri: http::Uri = value.parse().with_context(not_an_address)?;
        let authority = uri.authority().with_context(not_an_address)?;
        let port = authority
            .port_u16()
            .or_else(|| (uri.scheme() == Some(&http::uri::Scheme::HTTP)).then_some(80))
            .with_context(not_an_address)?;
        let addresses = (authority.host(), port)
            .to_socket_addrs()
            .with_context(not_an_address)?
            .collect();
        Ok(Self { uri, addresses })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lambda(vars: &[(&str, &str)]) -> anyhow::Result<LambdaSettings> {
        LambdaSettings::read(&Environment::from_pairs(vars.iter().copied()))
    }

    #[test]
    fn the_runtime_api_is_read_as_lambda_and_emulators_set_it() {
        let addresses = |value: &str| {
            lambda(&[(RUNTIME_API_VAR, value)])
                .unwrap()
                .runtime_api
                .unwrap()
                .addresses
        };
        let local = |port| vec![SocketAddr::from(([127, 0, 0, 1], port))];
        assert_eq!(addresses("127.0.0.1:9001"), local(9001));
        assert_eq!(
            addresses("http://127.0.0.1:9009/.rt/bootstrap"),
            local(9009)
        );
        assert_eq!(addresses("http://127.0.0.1"), local(80));
        assert!(lambda(&[]).unwrap().runtime_api.is_none());
        for bad in ["no port", "127.0.0.1", "/just/a/path"] {
            let error = format!("{:#}", lambda(&[(RUNTIME_API_VAR, bad)]).unwrap_err());
            assert!(error.contains(RUNTIME_API_VAR), "{error}");
        }
    }

    #[test]
    fn the_handler_is_found_in_the_task_root() {
        let handler = |vars: &[(&str, &str)]| lambda(vars).unwrap().handler;
        assert_eq!(handler(&[]), None);
        assert_eq!(handler(&[(HANDLER_VAR, "")]), None);
        assert_eq!(
            handler(&[(HANDLER_VAR, "hello.cwasm"), (TASK_ROOT_VAR, "/var/task")]),
            Some(PathBuf::from("/var/task/hello.cwasm"))
        );
        assert_eq!(
            handler(&[(HANDLER_VAR, "hello.cwasm")]),
            Some(PathBuf::from("./hello.cwasm"))
        );
        let named = lambda(&[(COMPONENT_VAR, "/tmp/x.wasm")]).unwrap();
        assert_eq!(named.component, Some(PathBuf::from("/tmp/x.wasm")));
    }

    #[test]
    fn a_bad_memory_size_is_an_error_not_zero() {
        let error = lambda(&[(FUNCTION_MEMORY_VAR, "lots")])
            .unwrap_err()
            .to_string();
        assert!(error.contains(FUNCTION_MEMORY_VAR), "{error}");
        let settings = lambda(&[(FUNCTION_MEMORY_VAR, "512")]).unwrap();
        assert_eq!(settings.function.memory_mb, Some(512));
    }

    #[test]
    fn lambda_mode_names_the_first_setting_lambda_would_have_set() {
        let error = lambda(&[])
            .unwrap()
            .require_lambda()
            .unwrap_err()
            .to_string();
        assert!(error.contains(FUNCTION_NAME_VAR), "{error}");
        let all = lambda(&[
            (FUNCTION_NAME_VAR, "f"),
            (FUNCTION_VERSION_VAR, "$LATEST"),
            (FUNCTION_MEMORY_VAR, "128"),
        ])
        .unwrap();
        let error = all.require_lambda().unwrap_err().to_string();
        assert!(error.contains(RUNTIME_API_VAR), "{error}");
    }

    #[test]
    fn the_invoke_mode_is_buffered_unless_set_and_a_bad_one_is_an_error() {
        let mode = |vars: &[(&str, &str)]| lambda(vars).map(|settings| settings.invoke_mode);
        assert_eq!(mode(&[]).unwrap(), InvokeMode::Buffered);
        assert_eq!(
            mode(&[(INVOKE_MODE_VAR, " response_stream ")]).unwrap(),
            InvokeMode::ResponseStream
        );
        assert_eq!(
            mode(&[(INVOKE_MODE_VAR, "BUFFERED")]).unwrap(),
            InvokeMode::Buffered
        );
        let error = mode(&[(INVOKE_MODE_VAR, "RESPONSE-STREAM")])
            .unwrap_err()
            .to_string();
        assert!(error.contains(INVOKE_MODE_VAR), "{error}");
    }

    #[test]
    fn the_region_falls_back_to_the_default_region() {
        let region = |vars: &[(&str, &str)]| lambda(vars).unwrap().region;
        assert_eq!(
            region(&[(DEFAULT_REGION_VAR, "eu-west-3")]).as_deref(),
            Some("eu-west-3")
        );
        assert_eq!(
            region(&[(REGION_VAR, "us-east-1"), (DEFAULT_REGION_VAR, "eu-west-3")]).as_deref(),
            Some("us-east-1")
        );
        assert_eq!(region(&[(REGION_VAR, " ")]), None);
    }
}
