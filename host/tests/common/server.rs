//! A running `bootstrap serve` and a real HTTP client to call it.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

/// A running `bootstrap serve`, stopped when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
    /// With `--template`: each API's logical id and base URL, as printed at start.
    pub apis: Vec<(String, String)>,
    log: Arc<Mutex<String>>,
    client: Client<HttpConnector, Full<Bytes>>,
}

pub struct Answer {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|err| panic!("{err}: {}", String::from_utf8_lossy(&self.body)))
    }
}

impl Server {
    pub fn start(component: &Path, args: &[&str]) -> Self {
        Self::start_with_env(component, args, &[])
    }

    /// Starts the server with extra environment variables.
    pub fn start_with_env(component: &Path, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut command = super::bootstrap();
        command.envs(env.iter().copied());
        Self::spawn(command, component, args)
    }

    /// Starts the server with at most `limit` open file descriptors (`ulimit -n`).
    pub fn start_with_fd_limit(component: &Path, args: &[&str], limit: u32) -> Self {
        let bootstrap = super::bootstrap();
        let mut command = std::process::Command::new("sh");
        command
            .arg("-c")
            .arg(format!("ulimit -n {limit} && exec \"$0\" \"$@\""))
            .arg(bootstrap.get_program())
            .env_remove("AWS_LAMBDA_RUNTIME_API");
        Self::spawn(command, component, args)
    }

    /// `bootstrap serve --template` with `args` and extra environment variables: every API on a
    /// free port.
    pub fn start_template(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut command = super::bootstrap();
        command.envs(env.iter().copied());
        command.arg("serve").args(["--port", "0"]);
        Self::spawn_command(command, args)
    }

    fn spawn(mut command: std::process::Command, component: &Path, args: &[&str]) -> Self {
        command
            .arg("serve")
            .arg("--component")
            .arg(component)
            .args(["--port", "0"]);
        Self::spawn_command(command, args)
    }

    fn spawn_command(mut command: std::process::Command, args: &[&str]) -> Self {
        let mut child = command
            .args(args)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push_str(&line);
                sink.lock().unwrap().push('\n');
            }
        });
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        // One line per API: `Serving ID (...) on http://...`; the last says how to stop.
        let mut apis = Vec::new();
        loop {
            let mut banner = String::new();
            if stdout.read_line(&mut banner).unwrap() == 0 {
                let _ = child.wait();
                panic!(
                    "bootstrap serve stopped before serving:\n{}",
                    log.lock().unwrap()
                );
            }
            let address = banner
                .split_whitespace()
                .find(|word| word.starts_with("http://"));
            if let Some(address) = address {
                let id = banner
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_owned();
                apis.push((id, address.trim_end_matches(';').to_owned()));
            }
            if banner.contains("Ctrl-C") {
                break;
            }
        }
        // Keep reading so that the server's stdout stays open.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let base = apis
            .first()
            .map(|(_, base)| base.clone())
            .expect("an address");
        let client = Client::builder(TokioExecutor::new()).build_http();
        Self {
            child,
            base,
            apis,
            log,
            client,
        }
    }

    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Answer {
        self.send_to_base(&self.base, method, path, headers, body)
            .await
    }

    /// Sends to the API `api` of a `--template` server.
    pub async fn send_to(
        &self,
        api: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Answer {
        self.send_body_to(api, method, path, headers, b"").await
    }

    /// Sends `body` to the API `api` of a `--template` server.
    pub async fn send_body_to(
        &self,
        api: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Answer {
        let base = &self
            .apis
            .iter()
            .find(|(id, _)| id == api)
            .unwrap_or_else(|| panic!("no API {api} in {:?}", self.apis))
            .1;
        self.send_to_base(base, method, path, headers, body).await
    }

    async fn send_to_base(
        &self,
        base: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Answer {
        let mut request = http::Request::builder()
            .method(method)
            .uri(format!("{base}{path}"));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(Full::new(Bytes::copy_from_slice(body)))
            .unwrap();
        let response = self.client.request(request).await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send("GET", path, &[], b"").await
    }

    /// The "Hello, World!" tutorial's POST: John of Seattle, on a Thursday evening.
    pub async fn tutorial_post(&self) -> Answer {
        self.send(
            "POST",
            "/helloworld?name=John&city=Seattle",
            &[("content-type", "application/json"), ("day", "Thursday")],
            br#"{ "time": "evening" }"#,
        )
        .await
    }

    /// Everything the server logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    pub async fn wait_for_log(&self, text: &str) {
        self.wait_for_log_count(text, 1).await;
    }

    /// Waits (10 s at most) until `text` is in the log `count` times, and gives the log: the
    /// line of a request is written after its response is sent.
    pub async fn wait_for_log_count(&self, text: &str, count: usize) -> String {
        for _ in 0..200 {
            let log = self.log();
            if log.matches(text).count() >= count {
                return log;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{text:?} never logged {count} times:\n{}", self.log());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
