//! Any bytes as a Lambda event: translated or refused with an error, never a panic, and what is
//! translated keeps the contract's promises.

#![no_main]

use lambda_wasm_host::event::{self, EventError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match event::parse(data) {
        Ok(incoming) => {
            let request = incoming.request;
            assert!(request.headers.iter().all(|(name, _)| !name.bytes().any(|b| b.is_ascii_uppercase())));
            assert!(!request.method.bytes().any(|b| b.is_ascii_lowercase()));
        }
        Err(EventError::NotJson(_) | EventError::Unsupported | EventError::Malformed { .. } | EventError::InvalidBody { .. }) => {}
    }
});
