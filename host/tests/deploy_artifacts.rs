//! The deploy artifacts as Lambda gets them: the layer's `bootstrap` and each function's code,
//! checked against `template.yaml` and run on their APIs' events. They come from the plain build
//! (`make package`: zips in target/deploy, the default) or from the directory in
//! `LAMBDA_WASM_ARTIFACTS` (`.aws-sam/build` after `sam build`; relative to the workspace root).

#![allow(clippy::unwrap_used)] // a failed step is a failed test

mod common;

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

const GREETING: &str = "Good evening, John of Seattle. Happy Thursday!";

/// Each function of the template, an event its API sends, the status and a text its answer's
/// body holds. The users function stores into moto's DynamoDB, as it would into its table.
const EVENTS: &[(&str, &str, u64, &str)] = &[
    (
        "HelloWorldFunction",
        "events/tutorial-rest-api.json",
        200,
        GREETING,
    ),
    (
        "HelloWorldFunction",
        "events/tutorial-http-api.json",
        200,
        GREETING,
    ),
    (
        "JsHelloFunction",
        "events/tutorial-http-api.json",
        200,
        GREETING,
    ),
    (
        "UsersFunction",
        "events/users-rest-api-create-user.json",
        201,
        "User created successfully",
    ),
    (
        "PythonHelloFunction",
        "events/tutorial-http-api.json",
        200,
        GREETING,
    ),
    // `invoke` answers buffered: the clock's whole stream, its two ticks and its end.
    (
        "ClockFunction",
        "events/clock-function-url.json",
        200,
        "event: done\ndata: {\"reason\":\"finished\",\"ticks\":2}",
    ),
];

/// Each authorizer function of the template, an authorizer event, and the `Effect` of the
/// policy it answers: with no API key configured (the template's default), a Deny.
const AUTHORIZER_EVENTS: &[(&str, &str, &str)] = &[(
    "UsersAuthorizerFunction",
    "aws-samples/apigw-custom-auth-request-token.json",
    "Deny",
)];

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The parts of `template.yaml` the artifacts must match.
struct Template {
    /// The logical id of the one layer, the runtime.
    layer: String,
    /// The layer's `CompatibleArchitectures`.
    layer_architectures: Vec<String>,
    functions: Vec<Function>,
}

struct Function {
    id: String,
    handler: String,
    runtime: String,
    architectures: Vec<String>,
    layers: Vec<String>,
}

fn strings(yaml: &Yaml) -> Vec<String> {
    yaml.as_vec()
        .unwrap()
        .iter()
        .map(|item| item.as_str().unwrap().to_owned())
        .collect()
}

impl Template {
    fn load() -> Self {
        let text = std::fs::read_to_string(workspace_root().join("template.yaml")).unwrap();
        let document = YamlLoader::load_from_str(&text).unwrap().remove(0);
        let globals = &document["Globals"]["Function"];
        let resources = document["Resources"].as_hash().unwrap();
        let of_type = |wanted: &'static str| {
            resources
                .iter()
                .filter(move |(_, resource)| resource["Type"].as_str() == Some(wanted))
                .map(|(id, resource)| (id.as_str().unwrap().to_owned(), resource))
        };
        let layers: Vec<_> = of_type("AWS::Serverless::LayerVersion").collect();
        assert_eq!(layers.len(), 1, "the template has one layer, bootstrap");
        let (layer, layer_resource) = layers.into_iter().next().unwrap();
        // A property of the function, else of Globals. `!Ref X` reads as the string X.
        let property = |resource: &Yaml, name: &str| -> Yaml {
            match &resource["Properties"][name] {
                Yaml::BadValue => globals[name].clone(),
                value => value.clone(),
            }
        };
        let functions = of_type("AWS::Serverless::Function")
            .map(|(id, resource)| Function {
                handler: property(resource, "Handler").as_str().unwrap().to_owned(),
                runtime: property(resource, "Runtime").as_str().unwrap().to_owned(),
                architectures: strings(&property(resource, "Architectures")),
                layers: strings(&property(resource, "Layers")),
                id,
            })
            .collect();
        Self {
            layer,
            layer_architectures: strings(&layer_resource["Properties"]["CompatibleArchitectures"]),
            functions,
        }
    }
}

/// The build output: a directory of `<LogicalId>.zip` files or of `<LogicalId>/` directories.
struct Artifacts {
    root: PathBuf,
    unzipped: tempfile::TempDir,
}

impl Artifacts {
    fn open() -> Self {
        let root = match std::env::var_os("LAMBDA_WASM_ARTIFACTS") {
            Some(dir) => workspace_root().join(dir),
            None => workspace_root().join("target/deploy"),
        };
        assert!(
            root.is_dir(),
            "{} is missing: build the artifacts first (`make package`, or `sam build` with \
             LAMBDA_WASM_ARTIFACTS=.aws-sam/build)",
            root.display()
        );
        Self {
            root,
            unzipped: tempfile::tempdir().unwrap(),
        }
    }

    /// What Lambda unpacks of the resource `id`: the layer under /opt, a function's code under
    /// LAMBDA_TASK_ROOT.
    fn code(&self, id: &str) -> PathBuf {
        let zip = self.root.join(format!("{id}.zip"));
        if zip.is_file() {
            let dir = self.unzipped.path().join(id);
            if dir.is_dir() {
                return dir;
            }
            let status = Command::new("unzip")
                .arg("-q")
                .arg(&zip)
                .arg("-d")
                .arg(&dir)
                .status()
                .expect("running unzip");
            assert!(status.success(), "unzip {} failed", zip.display());
            return dir;
        }
        let dir = self.root.join(id);
        assert!(
            dir.is_dir(),
            "{} has neither {id}.zip nor {id}/",
            self.root.display()
        );
        dir
    }
}

/// Every file under `dir`, as sorted paths relative to it.
fn files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(dir).unwrap();
                found.push(relative.to_string_lossy().into_owned());
            }
        }
    }
    found.sort();
    found
}

#[test]
fn the_layer_is_an_executable_bootstrap_alone_at_its_root() {
    let template = Template::load();
    let artifacts = Artifacts::open();
    let layer = artifacts.code(&template.layer);
    assert_eq!(files(&layer), ["bootstrap"]);
    let mode = std::fs::metadata(layer.join("bootstrap"))
        .unwrap()
        .permissions()
        .mode();
    assert!(mode & 0o555 == 0o555, "bootstrap is mode {mode:o}");
    // The ELF header's e_machine, at byte 18, little-endian.
    let elf = std::fs::read(layer.join("bootstrap")).unwrap();
    assert_eq!(&elf[..4], b"\x7fELF", "bootstrap is not an ELF executable");
    let architecture = match u16::from_le_bytes([elf[18], elf[19]]) {
        62 => "x86_64",
        183 => "arm64",
        other => panic!("bootstrap is for machine {other}, not a Lambda architecture"),
    };
    assert_eq!(
        template.layer_architectures,
        [architecture],
        "bootstrap is built for {architecture}"
    );
}

#[test]
fn each_function_is_its_handlers_component_alone_on_the_bootstrap_layer() {
    let template = Template::load();
    let artifacts = Artifacts::open();
    assert!(!template.functions.is_empty());
    for function in &template.functions {
        assert_eq!(
            files(&artifacts.code(&function.id)),
            [function.handler.as_str()],
            "{}",
            function.id
        );
        assert_eq!(function.runtime, "provided.al2023", "{}", function.id);
        assert_eq!(
            function.architectures, template.layer_architectures,
            "{}",
            function.id
        );
        assert_eq!(
            function.layers,
            [template.layer.as_str()],
            "{}",
            function.id
        );
    }
}

#[test]
fn each_function_answers_its_api_through_the_layers_bootstrap() {
    let template = Template::load();
    let artifacts = Artifacts::open();
    let bootstrap = artifacts.code(&template.layer).join("bootstrap");
    let moto = common::moto::Moto::start();
    for function in &template.functions {
        assert!(
            EVENTS.iter().any(|(id, ..)| *id == function.id)
                || AUTHORIZER_EVENTS.iter().any(|(id, ..)| *id == function.id),
            "{} has no event in EVENTS or AUTHORIZER_EVENTS",
            function.id
        );
    }
    let invoke = |id: &str, event: &str| -> Value {
        let function = template
            .functions
            .iter()
            .find(|function| function.id == id)
            .unwrap_or_else(|| panic!("{id} is not in template.yaml"));
        let component = artifacts.code(id).join(&function.handler);
        let output = Command::new(&bootstrap)
            .arg("invoke")
            .arg("--event")
            .arg(common::fixture(event))
            .arg("--component")
            .arg(&component)
            .envs(moto.users_env())
            .env_remove("AWS_LAMBDA_RUNTIME_API")
            .env("RUST_LOG", "warn")
            .output()
            .expect("running the layer's bootstrap");
        assert!(
            output.status.success(),
            "{id} on {event}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    };
    for (id, event, effect) in AUTHORIZER_EVENTS {
        let answer = invoke(id, event);
        assert_eq!(
            answer["policyDocument"]["Statement"][0]["Effect"], *effect,
            "{id} on {event}: {answer}"
        );
    }
    for (id, event, status, expected) in EVENTS {
        let response = invoke(id, event);
        assert_eq!(
            response["statusCode"], *status,
            "{id} on {event}: {response}"
        );
        let body = response["body"].as_str().unwrap();
        assert!(
            body.contains(expected),
            "{id} on {event}: {body:?} lacks {expected:?}"
        );
    }
}
