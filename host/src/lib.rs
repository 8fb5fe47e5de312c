//! `bootstrap`: an AWS Lambda custom runtime that runs API Gateway proxy handlers written as
//! WebAssembly components of the `handler` world in `wit/`.
//!
//! One invocation's path: [`event`] reads the front end's JSON into the contract's request,
//! [`component`] runs it on a fresh instance of the guest (inside the sandbox it is given, on
//! the [`engine`] built once), and [`response`] shapes the guest's answer for that front end;
//! [`pipeline`] is that whole path. [`lambda`], [`invoke`] and [`serve`] feed it events from the
//! Runtime API, a file, or HTTP. [`settings`] reads the environment, once, at start; [`quotas`]
//! holds how large requests and responses may be.

#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod bindings;
pub mod check;
pub mod component;
pub mod engine;
pub mod event;
pub mod function_result;
pub(crate) mod guest_text;
pub mod invoke;
pub mod lambda;
pub mod logging;
pub(crate) mod memory_budget;
pub mod outbound;
pub mod pipeline;
pub mod quotas;
pub mod response;
pub(crate) mod sandbox;
pub mod serve;
pub mod settings;
pub(crate) mod wall_clock;
