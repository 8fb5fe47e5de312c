//! `bootstrap check`: whether components load in this bootstrap as Lambda mode loads them at
//! Init (read or compiled, their world told, linked against the host), without running them. A
//! packaging step runs it with the layer's own bootstrap, so that a `.cwasm` that does not fit
//! the layer is found before it is deployed.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::bail;

use crate::component::Loader;
use crate::engine::{self, Concurrency};
use crate::settings::{Environment, Settings};

/// Loads each of `components` with the settings of `env`; an error names every one that does
/// not load, and why.
pub fn run(env: &Environment, components: &[PathBuf]) -> anyhow::Result<()> {
    let loader = Loader::new(Settings::read(env)?.guest, Concurrency::Sequential)?;
    let mut failed = 0;
    for path in components {
        match loader.load(path) {
            Ok(component) => {
                // Written, not `println!`ed: a closed stdout must not look like a failed check.
                let _ = writeln!(
                    std::io::stdout(),
                    "{}: {component}, loads in {}",
                    path.display(),
                    engine::BUILD
                );
            }
            Err(err) => {
                failed += 1;
                tracing::error!("{err:#}");
            }
        }
    }
    if failed > 0 {
        bail!(
            "{failed} of {} components do not load in this bootstrap",
            components.len()
        );
    }
    Ok(())
}
