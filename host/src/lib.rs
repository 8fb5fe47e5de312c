//! `bootstrap`: an AWS Lambda custom runtime that runs API Gateway proxy handlers written as
//! WebAssembly components of the `handler` world in `wit/`.

#![deny(unsafe_code)]

pub mod bindings;
pub mod component;
pub mod config;
pub mod event;
pub mod invoke;
pub mod lambda;
pub mod logging;
mod output;
pub mod proxy;
pub mod response;
pub mod serve;
mod state;
