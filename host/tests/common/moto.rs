//! moto's server as the users API's DynamoDB: `deploy/local-dynamodb.py` from the project's
//! .venv (the Makefile installs `moto[server]` there before the tests run), on a free port,
//! with the tables of template.yaml. Stopped when dropped.

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// The users table's name in moto: template.yaml's logical id (the stack names it on AWS).
pub const USERS_TABLE: &str = "UsersTable";

pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
}

impl Moto {
    pub fn start() -> Self {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let python = root.join(".venv/bin/python");
        assert!(
            python.is_file(),
            "{} is missing: `make .venv/.tools` installs moto[server]",
            python.display()
        );
        let mut child = Command::new(python)
            .arg(root.join("deploy/local-dynamodb.py"))
            .arg("--template")
            .arg(root.join("template.yaml"))
            .args(["--region", "us-east-1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting deploy/local-dynamodb.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("reading moto's endpoint");
        let endpoint = line
            .trim()
            .strip_prefix("AWS_ENDPOINT_URL_DYNAMODB=")
            .unwrap_or_else(|| panic!("moto did not start: {line:?}"))
            .to_owned();
        Moto { child, endpoint }
    }

    /// The environment under which `bootstrap` serves the users component against this moto:
    /// the endpoint override, the table the guest may read, DynamoDB signed (moto checks no
    /// signature, so the keys are placeholders).
    pub fn users_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL_DYNAMODB", self.endpoint.clone()),
            ("AWS_REGION", "us-east-1".to_owned()),
            ("AWS_ACCESS_KEY_ID", "local".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "local".to_owned()),
            ("LAMBDA_WASM_AWS_SERVICES", "dynamodb".to_owned()),
            (
                "LAMBDA_WASM_OUTBOUND_HOSTS",
                "https://dynamodb.us-east-1.amazonaws.com".to_owned(),
            ),
            ("USERS_TABLE", USERS_TABLE.to_owned()),
            ("LAMBDA_WASM_GUEST_ENV", "USERS_TABLE".to_owned()),
        ]
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
