//! Which world a component is of, told from its exports at load: the one place a new kind of
//! component is added.

use std::fmt;

use anyhow::bail;
use wasmtime::Engine;
use wasmtime::component::Component;

/// The `handler` world's one export (wit/proxy.wit).
const HANDLER_EXPORT: &str = "handle";
/// The `event-handler` world's one export (wit/proxy.wit).
const EVENT_HANDLER_EXPORT: &str = "handle-event";
/// The `streaming-handler` world's one export (wit/proxy.wit, since 0.1.1).
const STREAMING_HANDLER_EXPORT: &str = "handle-streaming";
/// WASI 0.2's incoming handler, any 0.2 patch version (`wasi:http/proxy` exports it).
const WASI_HTTP_P2_EXPORT: &str = "wasi:http/incoming-handler@0.2.";
/// WASI 0.3's `wasi:http/service` world exports this interface.
const WASI_HTTP_P3_EXPORT: &str = "wasi:http/handler@0.3.";

/// What bootstrap runs, for error messages.
const ACCEPTED: &str = "the `lambda-wasm:proxy` `handler` world (export `handle`), its \
    `streaming-handler` world (export `handle-streaming`), its `event-handler` world (export \
    `handle-event`) or WASI 0.2 `wasi:http/proxy` (export `wasi:http/incoming-handler@0.2.x`)";

/// The worlds the host runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// The contract's `handler` world.
    Handler,
    /// The contract's `streaming-handler` world.
    Streaming,
    /// The contract's `event-handler` world: the event JSON in, the function's result out.
    Event,
    /// A `wasi:http` 0.2 incoming handler.
    WasiHttp,
}

impl Kind {
    /// The kind of `component`, or an error naming what it exports and what is accepted.
    pub(super) fn of(engine: &Engine, component: &Component) -> anyhow::Result<Self> {
        let exports: Vec<String> = component
            .component_type()
            .exports(engine)
            .map(|(name, _)| name.to_owned())
            .collect();
        Self::from_exports(&exports)
    }

    fn from_exports(exports: &[String]) -> anyhow::Result<Self> {
        let exports_any = |prefix: &str| exports.iter().any(|name| name.starts_with(prefix));
        let exports_exactly = |export: &str| exports.iter().any(|name| name == export);
        if exports_exactly(HANDLER_EXPORT) {
            return Ok(Self::Handler);
        }
        if exports_exactly(STREAMING_HANDLER_EXPORT) {
            return Ok(Self::Streaming);
        }
        if exports_exactly(EVENT_HANDLER_EXPORT) {
            return Ok(Self::Event);
        }
        if exports_any(WASI_HTTP_P2_EXPORT) {
            return Ok(Self::WasiHttp);
        }
        let listed = if exports.is_empty() {
            "nothing".to_owned()
        } else {
            exports.join(", ")
        };
        if exports_any(WASI_HTTP_P3_EXPORT) {
            bail!(
                "the component is a WASI 0.3 `wasi:http/service` (it exports {listed}), which \
                 bootstrap does not run yet; bootstrap accepts {ACCEPTED}"
            );
        }
        bail!("the component exports {listed}; bootstrap accepts {ACCEPTED}")
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Handler => "a `handler` component",
            Self::Streaming => "a `streaming-handler` component",
            Self::Event => "an `event-handler` component",
            Self::WasiHttp => "a `wasi:http/proxy` component",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(exports: &[&str]) -> anyhow::Result<Kind> {
        Kind::from_exports(
            &exports
                .iter()
                .map(|name| (*name).to_owned())
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn each_world_is_told_by_its_export() {
        assert_eq!(kind(&["handle"]).unwrap(), Kind::Handler);
        assert_eq!(kind(&["handle-streaming"]).unwrap(), Kind::Streaming);
        assert_eq!(kind(&["handle-event"]).unwrap(), Kind::Event);
        assert_eq!(
            kind(&["wasi:http/incoming-handler@0.2.10"]).unwrap(),
            Kind::WasiHttp
        );
        assert_eq!(
            kind(&["wasi:http/incoming-handler@0.2.0"]).unwrap(),
            Kind::WasiHttp
        );
    }

    #[test]
    fn any_other_world_is_refused_naming_its_exports_and_what_is_accepted() {
        let message = kind(&["wasi:cli/run@0.2.6"]).unwrap_err().to_string();
        assert!(message.contains("exports wasi:cli/run@0.2.6"), "{message}");
        assert!(message.contains("`handle-event`"), "{message}");
        assert!(message.contains("`handle-streaming`"), "{message}");
        assert!(
            message.contains("wasi:http/incoming-handler@0.2.x"),
            "{message}"
        );
        let message = kind(&[]).unwrap_err().to_string();
        assert!(message.contains("exports nothing"), "{message}");
        let message = kind(&["wasi:http/handler@0.3.0"]).unwrap_err().to_string();
        assert!(message.contains("WASI 0.3"), "{message}");
    }
}
