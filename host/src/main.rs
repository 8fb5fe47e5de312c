//! The command line of `bootstrap`.

#![deny(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use lambda_wasm_host::serve::{self, ServeOptions};
use lambda_wasm_host::{engine, invoke, lambda, logging};

/// This build's version, the Wasmtime it links (a `.cwasm` loads only in the same one) and the
/// contract's WIT package (the components it runs); `host/build.rs` reads the last two.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (wasmtime ",
    env!("BOOTSTRAP_WASMTIME_VERSION"),
    ", contract ",
    env!("BOOTSTRAP_WIT_PACKAGE"),
    ")"
);

/// Runs API Gateway handlers compiled to WebAssembly components, on AWS Lambda or locally.
#[derive(Debug, Parser)]
#[command(name = "bootstrap", version = VERSION)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve Lambda invocations from the Runtime API (the default when AWS_LAMBDA_RUNTIME_API is set).
    Lambda {
        /// The component; by default `$LAMBDA_TASK_ROOT/$_HANDLER`.
        #[arg(long, env = "LAMBDA_WASM_COMPONENT")]
        component: Option<PathBuf>,
    },
    /// Run one event file through the component and print the proxy response JSON.
    Invoke {
        /// The Lambda event (REST API, HTTP API, ALB or Function URL); `-` reads stdin.
        #[arg(long, short)]
        event: PathBuf,
        /// The component to run.
        #[arg(long, short, env = "LAMBDA_WASM_COMPONENT")]
        component: PathBuf,
        /// The invocation's deadline, as a Lambda function timeout, in seconds.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
    /// Compile a component ahead of time into a `.cwasm` that this same bootstrap loads without
    /// compiling (a faster cold start). Any other bootstrap build refuses it.
    Compile {
        /// The component (`.wasm`).
        input: PathBuf,
        /// Where to write the precompiled component (`.cwasm`).
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Serve the component over HTTP on 127.0.0.1 as API Gateway would, reloading it when the
    /// file changes.
    Serve(ServeOptions),
}

#[tokio::main]
async fn main() -> ExitCode {
    logging::init();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Invoke {
            event,
            component,
            timeout,
        }) => invoke::run(&event, &component, Duration::from_secs(timeout)).await,
        Some(Command::Lambda { component }) => lambda::run(component).await,
        Some(Command::Compile { input, output }) => engine::precompile(&input, &output),
        Some(Command::Serve(options)) => serve::run(options).await,
        None if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() => {
            lambda::run(std::env::var_os("LAMBDA_WASM_COMPONENT").map(PathBuf::from)).await
        }
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
