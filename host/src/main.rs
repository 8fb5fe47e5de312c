//! The command line of `bootstrap`.

#![deny(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::LazyLock;
use std::time::Duration;

use clap::{Parser, Subcommand};
use lambda_wasm_host::serve::export::{self, ExportOptions};
use lambda_wasm_host::serve::{self, ServeOptions};
use lambda_wasm_host::settings::{Environment, LogSettings};
use lambda_wasm_host::{check, engine, invoke, lambda, logging};

/// This build's version and identity (a `.cwasm` loads only in the build that compiled it), the
/// Wasmtime it links and the contract's WIT package (the components it runs; `host/build.rs`
/// resolves it).
static VERSION: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{} build {} (wasmtime {}, contract {})",
        env!("CARGO_PKG_VERSION"),
        env!("BOOTSTRAP_BUILD_ID"),
        wasmtime_environ::VERSION,
        env!("BOOTSTRAP_WIT_PACKAGE")
    )
});

/// Runs API Gateway handlers compiled to WebAssembly components, on AWS Lambda or locally.
#[derive(Debug, Parser)]
#[command(name = "bootstrap", version = VERSION.as_str())]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve Lambda invocations from the Runtime API (the default when AWS_LAMBDA_RUNTIME_API is set).
    Lambda {
        /// The component [default: $LAMBDA_WASM_COMPONENT, else $LAMBDA_TASK_ROOT/$_HANDLER].
        #[arg(long)]
        component: Option<PathBuf>,
    },
    /// Run one event file through the component and print the proxy response JSON.
    Invoke {
        /// The Lambda event (REST API, HTTP API, ALB or Function URL); `-` reads stdin.
        #[arg(long, short)]
        event: PathBuf,
        /// The component to run [default: $LAMBDA_WASM_COMPONENT].
        #[arg(long, short)]
        component: Option<PathBuf>,
        /// The invocation's deadline, as a Lambda function timeout, in seconds.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
    /// Compile a component ahead of time into a `.cwasm` that this build of bootstrap loads
    /// without compiling (the cold start Lambda needs), for the CPU baseline of every Lambda host
    /// of this architecture rather than this machine's CPU. Any other bootstrap build refuses it.
    Compile {
        /// The component (`.wasm`).
        input: PathBuf,
        /// Where to write the precompiled component (`.cwasm`).
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Load each component as Lambda mode would at Init, without running it: a `.cwasm` from
    /// another bootstrap build or for another architecture is refused, naming both.
    Check {
        /// The components (`.wasm` or `.cwasm`).
        #[arg(required = true)]
        components: Vec<PathBuf>,
    },
    /// Serve a component, or a whole SAM template (`--template`), over HTTP on 127.0.0.1 as API
    /// Gateway would, authorizers included, reloading each component when its file changes.
    Serve(ServeOptions),
    /// Print one API of a SAM template as OpenAPI 3.0 JSON, each route with its path parameters
    /// and `x-amazon-apigateway-integration`, as `aws apigateway get-export` gives it.
    Openapi(ExportOptions),
}

#[tokio::main]
async fn main() -> ExitCode {
    let env = Environment::of_process();
    logging::init(&LogSettings::read(&env));
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Invoke {
            event,
            component,
            timeout,
        }) => invoke::run(&env, &event, component, Duration::from_secs(timeout)).await,
        Some(Command::Lambda { component }) => lambda::run(&env, component).await,
        Some(Command::Compile { input, output }) => engine::precompile(&input, &output),
        Some(Command::Check { components }) => check::run(&env, &components),
        Some(Command::Serve(options)) => serve::run(&env, options).await,
        Some(Command::Openapi(options)) => export::run(&env, &options),
        None if env.runtime_api().is_some() => lambda::run(&env, None).await,
        None => {
            eprintln!(
                "bootstrap: no command given and AWS_LAMBDA_RUNTIME_API is not set; see `bootstrap --help`"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
