//! A SAM template, as `serve` reads it: the API events of its functions ([`events`]) and the
//! settings of the APIs they attach to ([`apis`]).

mod apis;
mod events;

pub use self::apis::ApiSettings;
pub(super) use self::events::{DeclaredRoute, routes_of_template};
