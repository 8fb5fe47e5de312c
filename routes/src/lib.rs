//! API Gateway route patterns and the choice among routes: one implementation of the rules for
//! the host's `bootstrap serve` and for the guest SDK's `Router`.
//!
//! - [`Pattern`]: a route path such as `/users/{userId}` or `/files/{path+}`, checked as API
//!   Gateway checks it; matching a request path gives the values of its parameters.
//! - [`Routes`]: routes by [`Method`] (or `ANY`) and pattern, with an optional HTTP API
//!   `$default` route; [`Routes::find`] picks the route API Gateway would pick, or says why none
//!   answers ([`Lookup`]).
//!
//! ```
//! use lambda_wasm_routes::{Lookup, Method, Pattern, Routes};
//!
//! let mut routes = Routes::new();
//! routes.add(Method::new("GET"), Pattern::parse("/users/{userId}")?, "one user");
//! routes.add(Method::new("GET"), Pattern::parse("/users/me")?, "me");
//! match routes.find("GET", "/users/42") {
//!     Lookup::Found { value, params } => {
//!         assert_eq!(*value, "one user");
//!         assert_eq!(params, [("userId".to_owned(), "42".to_owned())]);
//!     }
//!     other => panic!("{other:?}"),
//! }
//! assert!(matches!(routes.find("GET", "/users/me"), Lookup::Found { value: &"me", .. }));
//! assert!(matches!(routes.find("DELETE", "/users/42"), Lookup::MethodNotAllowed { .. }));
//! assert!(matches!(routes.find("GET", "/orders"), Lookup::NotFound));
//! # Ok::<(), lambda_wasm_routes::PatternError>(())
//! ```
//!
//! # Empty segments and trailing slashes
//!
//! A request path is the sequence of its non-empty segments: `/users/42/`, `/users//42` and
//! `//users/42` all match `/users/{userId}` with `userId` = `42`, and `/users/` matches
//! `/users`. API Gateway's documentation describes an API as a tree of resources whose path
//! parts are never empty, and says nothing of requests with empty segments; this rule is our
//! choice, made to agree with what API Gateway is reported to do: the SAM CLI answers `/foo/`
//! with the route `/foo` to "Match local APIG API slashes behavior to AWS APIG"
//! (aws/aws-sam-cli#1495), and on AWS `/prod//orders` reaches `/orders`
//! (localstack/localstack#11253).
//!
//! A pattern is stricter, as API Gateway is when it creates a route: `/a//b` is refused. Only a
//! single trailing `/` is allowed, and dropped (`/users/` is `/users`), since a REST API made
//! from a SAM template with `Path: /users/` is reported to deploy it as `/users`
//! (aws-powertools/powertools-lambda-python#1552).

#![no_std]
#![warn(missing_docs)]

extern crate alloc;

pub mod encoding;
mod pattern;
mod table;

pub use pattern::{Params, Pattern, PatternError};
pub use table::{DEFAULT_ROUTE, Lookup, Method, Routes};
