//! One route pattern: checking it as API Gateway does, matching a request path against it, the
//! values of its parameters, and how specific it is.

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Ordering;
use core::fmt;
use core::str::FromStr;

/// The values of a matched pattern's parameters, in the pattern's order:
/// `[("userId", "42")]` for `/users/{userId}` and `/users/42`.
pub type Params = Vec<(String, String)>;

/// An API Gateway route path: `/`, `/users`, `/users/{userId}`, `/files/{path+}`.
///
/// A pattern starts with `/`; each segment is a literal path part (letters, digits, `-`, `.`,
/// `_` and `,`), a parameter `{name}` that takes one segment, or a greedy parameter
/// `{name+}` that takes the rest of the path, one segment or more, and must come last. A
/// parameter is a whole segment (`/users/{id}`, never `/users{id}`) and its name is letters,
/// digits, `-`, `.` or `_`. These are the rules of API Gateway's "important notes for REST APIs"
/// and of its REST resource and HTTP API route pages; a name used twice is refused too, since
/// one of the two values would be lost.
///
/// A single trailing `/` is dropped (`/users/` is `/users`); an empty segment (`/a//b`) is
/// refused. See the crate's documentation for how request paths are read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    /// The pattern as written, without its trailing `/`.
    text: String,
    segments: Vec<Segment>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// `{name}`: one segment.
    Param(String),
    /// `{name+}`: the rest of the path, at least one segment.
    Greedy(String),
}

/// Why a route pattern is not one API Gateway accepts; its `Display` names the pattern and the
/// problem, e.g. ``route pattern `/{proxy+}/more` has `more` after the greedy `{proxy+}` ...``.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError {
    pattern: String,
    problem: Problem,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Problem {
    NoLeadingSlash,
    EmptySegment,
    Literal(String),
    Name(String),
    AfterGreedy { greedy: String, next: String },
    Repeated(String),
}

impl Pattern {
    /// Parses and checks a pattern; the error says what API Gateway would refuse.
    pub fn parse(pattern: &str) -> Result<Pattern, PatternError> {
        let error = |problem| PatternError {
            pattern: pattern.to_owned(),
            problem,
        };
        let rest = pattern
            .strip_prefix('/')
            .ok_or_else(|| error(Problem::NoLeadingSlash))?;
        // `//` is not the root with a trailing slash but an empty segment.
        let rest = match rest.strip_suffix('/') {
            Some(trimmed) if !trimmed.is_empty() => trimmed,
            _ => rest,
        };
        let mut segments = Vec::new();
        for text in rest.split('/').filter(|_| !rest.is_empty()) {
            let segment = Segment::parse(text).map_err(error)?;
            check_order(&segments, &segment, text).map_err(error)?;
            segments.push(segment);
        }
        Ok(Pattern {
            text: format!("/{rest}"),
            segments,
        })
    }

    /// The pattern as written, without a trailing `/`: `/users/{userId}`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The parameters' values when `path` matches, else `None`. Empty segments of `path` are
    /// skipped (see the crate's documentation); a greedy parameter's value is the segments it
    /// took, joined by `/`.
    ///
    /// ```
    /// use lambda_wasm_routes::Pattern;
    ///
    /// let files = Pattern::parse("/files/{path+}")?;
    /// let params = files.matches("/files/a/b.txt").unwrap_or_default();
    /// assert_eq!(params, [("path".to_owned(), "a/b.txt".to_owned())]);
    /// assert_eq!(files.matches("/files"), None);
    /// # Ok::<(), lambda_wasm_routes::PatternError>(())
    /// ```
    pub fn matches(&self, path: &str) -> Option<Params> {
        let parts: Vec<&str> = segments(path).collect();
        self.match_segments(&parts)
    }

    /// [`Pattern::matches`] on a path already split by [`segments`].
    pub(crate) fn match_segments(&self, parts: &[&str]) -> Option<Params> {
        let mut params = Vec::new();
        for (index, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Literal(text) => (*parts.get(index)? == text).then_some(())?,
                Segment::Param(name) => {
                    params.push((name.clone(), (*parts.get(index)?).to_owned()))
                }
                Segment::Greedy(name) => {
                    let rest = parts.get(index..).filter(|rest| !rest.is_empty())?;
                    params.push((name.clone(), rest.join("/")));
                    return Some(params);
                }
            }
        }
        (parts.len() == self.segments.len()).then_some(params)
    }

    /// The path this pattern stands for with each parameter replaced by `value(name, greedy)`,
    /// or `None` when `value` has none for one of them: `/users/42` for `/users/{userId}`.
    ///
    /// ```
    /// use lambda_wasm_routes::Pattern;
    ///
    /// let files = Pattern::parse("/files/{dir}/{rest+}")?;
    /// let path = files.expand(|name, greedy| Some(format!("{name}-{greedy}")));
    /// assert_eq!(path.as_deref(), Some("/files/dir-false/rest-true"));
    /// assert_eq!(files.expand(|_, _| None), None);
    /// # Ok::<(), lambda_wasm_routes::PatternError>(())
    /// ```
    pub fn expand(&self, mut value: impl FnMut(&str, bool) -> Option<String>) -> Option<String> {
        if self.segments.is_empty() {
            return Some("/".to_owned());
        }
        let mut path = String::with_capacity(self.text.len());
        for segment in &self.segments {
            path.push('/');
            match segment {
                Segment::Literal(text) => path.push_str(text),
                Segment::Param(name) => path.push_str(&value(name, false)?),
                Segment::Greedy(name) => path.push_str(&value(name, true)?),
            }
        }
        Some(path)
    }

    /// Orders two patterns that match the same path: `Greater` when `self` is the more specific.
    ///
    /// Segments are compared from the left, and the first that differ decide: a literal beats a
    /// `{param}`, which beats a greedy `{proxy+}`. That is API Gateway's "a method request against
    /// a specific resource takes precedence over a method request against a generic resource at
    /// the same level of the resource hierarchy" (REST) and "full match, then greedy path
    /// variable, then `$default`" (HTTP API).
    pub fn specificity_cmp(&self, other: &Pattern) -> Ordering {
        let ours = self.segments.iter().map(Segment::rank);
        ours.cmp(other.segments.iter().map(Segment::rank))
    }
}

/// The non-empty segments of a request path: `/users//42/` is `users`, `42`.
pub(crate) fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|segment| !segment.is_empty())
}

/// Refuses a segment after a greedy one, and a parameter name used before.
fn check_order(before: &[Segment], segment: &Segment, text: &str) -> Result<(), Problem> {
    if let Some(Segment::Greedy(greedy)) = before.last() {
        return Err(Problem::AfterGreedy {
            greedy: greedy.clone(),
            next: text.to_owned(),
        });
    }
    match segment.name() {
        Some(name) if before.iter().any(|seen| seen.name() == Some(name)) => {
            Err(Problem::Repeated(name.to_owned()))
        }
        _ => Ok(()),
    }
}

impl Segment {
    fn parse(text: &str) -> Result<Segment, Problem> {
        if text.is_empty() {
            return Err(Problem::EmptySegment);
        }
        let Some(inner) = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) else {
            return match text.chars().all(is_literal_char) {
                true => Ok(Segment::Literal(text.to_owned())),
                false => Err(Problem::Literal(text.to_owned())),
            };
        };
        let (name, greedy) = match inner.strip_suffix('+') {
            Some(name) => (name, true),
            None => (inner, false),
        };
        if name.is_empty() || !name.chars().all(is_name_char) {
            return Err(Problem::Name(text.to_owned()));
        }
        Ok(match greedy {
            true => Segment::Greedy(name.to_owned()),
            false => Segment::Param(name.to_owned()),
        })
    }

    fn name(&self) -> Option<&str> {
        match self {
            Segment::Literal(_) => None,
            Segment::Param(name) | Segment::Greedy(name) => Some(name),
        }
    }

    /// Greater is more specific.
    fn rank(&self) -> u8 {
        match self {
            Segment::Literal(_) => 2,
            Segment::Param(_) => 1,
            Segment::Greedy(_) => 0,
        }
    }
}

/// API Gateway's own refusal reads "Resource's path part only allow a-zA-Z0-9._- and curly
/// braces at the beginning and the end"; its important notes for REST APIs list commas too.
fn is_literal_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | ',')
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')
}

impl FromStr for Pattern {
    type Err = PatternError;

    fn from_str(pattern: &str) -> Result<Self, Self::Err> {
        Pattern::parse(pattern)
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PatternError {
    /// The pattern that was refused, as given.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "route pattern `{}` ", self.pattern)?;
        match &self.problem {
            Problem::NoLeadingSlash => f.write_str("must start with `/`"),
            Problem::EmptySegment => f.write_str("has an empty segment: write `/a/b`, not `/a//b`"),
            Problem::Literal(text) => write!(
                f,
                "has the segment `{text}`, which is neither a path part (letters, digits and \
                 `-._,`) nor a whole-segment parameter `{{name}}` or `{{name+}}`"
            ),
            Problem::Name(text) => write!(
                f,
                "has the parameter `{text}`: a parameter's name is letters, digits, `-`, `.` or \
                 `_`, and not empty"
            ),
            Problem::AfterGreedy { greedy, next } => write!(
                f,
                "has `{next}` after the greedy `{{{greedy}+}}`, which must be the last segment"
            ),
            Problem::Repeated(name) => write!(f, "names the parameter `{name}` twice"),
        }
    }
}

impl core::error::Error for PatternError {}

#[cfg(test)]
mod tests {
    use alloc::string::ToString;
    use alloc::vec;

    use super::*;

    fn params(pattern: &str, path: &str) -> Option<Params> {
        Pattern::parse(pattern).unwrap().matches(path)
    }

    fn pairs(pairs: &[(&str, &str)]) -> Params {
        pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    }

    fn problem(pattern: &str) -> String {
        Pattern::parse(pattern).unwrap_err().to_string()
    }

    #[test]
    fn literal_patterns_match_only_themselves() {
        assert_eq!(params("/users", "/users"), Some(vec![]));
        assert_eq!(params("/users", "/user"), None);
        assert_eq!(params("/users", "/Users"), None, "paths are case-sensitive");
        assert_eq!(params("/users", "/users/1"), None);
        assert_eq!(params("/", "/"), Some(vec![]));
        assert_eq!(params("/", "/users"), None);
    }

    #[test]
    fn parameters_take_one_segment() {
        assert_eq!(
            params("/users/{userId}", "/users/42"),
            Some(pairs(&[("userId", "42")]))
        );
        assert_eq!(
            params("/users/{userId}/posts/{postId}", "/users/1/posts/2"),
            Some(pairs(&[("userId", "1"), ("postId", "2")]))
        );
        assert_eq!(params("/users/{userId}", "/users"), None);
        assert_eq!(params("/users/{userId}", "/users/1/posts"), None);
    }

    #[test]
    fn greedy_parameters_take_the_rest_of_the_path_and_at_least_one_segment() {
        assert_eq!(
            params("/{proxy+}", "/a/b/c"),
            Some(pairs(&[("proxy", "a/b/c")]))
        );
        assert_eq!(
            params("/files/{path+}", "/files/x"),
            Some(pairs(&[("path", "x")]))
        );
        assert_eq!(params("/{proxy+}", "/"), None);
        assert_eq!(params("/files/{path+}", "/files"), None);
    }

    // API Gateway collapses empty segments before it routes.
    #[test]
    fn an_empty_segment_in_a_path_is_skipped() {
        assert_eq!(
            params("/users/{userId}", "/users//42"),
            Some(pairs(&[("userId", "42")]))
        );
        assert_eq!(params("/users", "//users"), Some(vec![]));
        assert_eq!(
            params("/users/{userId}", "/users//"),
            None,
            "no segment left"
        );
    }

    // A greedy value is the path it matched, empty segments collapsed as everywhere else.
    #[test]
    fn a_greedy_value_is_its_segments_without_empty_ones() {
        assert_eq!(
            params("/files/{path+}", "/files/a//b/"),
            Some(pairs(&[("path", "a/b")]))
        );
    }

    // However many trailing slashes, they are empty segments.
    #[test]
    fn trailing_slashes_do_not_matter() {
        assert_eq!(params("/users", "/users/"), Some(vec![]));
        assert_eq!(
            params("/users/{userId}", "/users/42//"),
            Some(pairs(&[("userId", "42")]))
        );
        assert_eq!(params("/", "//"), Some(vec![]));
    }

    #[test]
    fn a_pattern_may_end_with_one_slash_which_is_dropped() {
        let users = Pattern::parse("/users/").unwrap();
        assert_eq!(users.as_str(), "/users");
        assert_eq!(users, Pattern::parse("/users").unwrap());
        assert_eq!(Pattern::parse("/").unwrap().as_str(), "/");
    }

    // The "important notes for REST APIs" page: "Path parameters must be separate path segments.
    // For example, "resource/{path_parameter_name}" is valid; "resource{path_parameter_name}" is
    // not." https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-known-issues.html
    #[test]
    fn parameters_must_be_whole_segments() {
        assert!(Pattern::parse("/resource/{path_parameter_name}").is_ok());
        assert_eq!(
            problem("/resource{path_parameter_name}"),
            "route pattern `/resource{path_parameter_name}` has the segment \
             `resource{path_parameter_name}`, which is neither a path part (letters, digits and \
             `-._,`) nor a whole-segment parameter `{name}` or `{name+}`"
        );
    }

    // "Set up API resources", the proxy resource examples:
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-settings-method-request.html
    #[test]
    fn a_greedy_parameter_must_be_the_last_segment() {
        for allowed in ["/{proxy+}", "/parent/{proxy+}", "/parent/{child}/{proxy+}"] {
            assert!(Pattern::parse(allowed).is_ok(), "{allowed}");
        }
        for refused in [
            "/{proxy+}/child",
            "/parent/{proxy+}/{child}",
            "/parent/{child}/{proxy+}/{grandchild+}",
        ] {
            assert!(Pattern::parse(refused).is_err(), "{refused}");
        }
        assert_eq!(
            problem("/{proxy+}/child"),
            "route pattern `/{proxy+}/child` has `child` after the greedy `{proxy+}`, which must \
             be the last segment"
        );
    }

    // API Gateway refuses each of these when the API is deployed: `serve` and the SDK refuse them
    // when the routes are read, so the mistake shows before a deploy.
    #[test]
    fn refuses_the_patterns_api_gateway_refuses() {
        assert_eq!(
            problem("users"),
            "route pattern `users` must start with `/`"
        );
        assert_eq!(problem(""), "route pattern `` must start with `/`");
        assert_eq!(
            problem("/a//b"),
            "route pattern `/a//b` has an empty segment: write `/a/b`, not `/a//b`"
        );
        assert_eq!(
            problem("//"),
            "route pattern `//` has an empty segment: write `/a/b`, not `/a//b`"
        );
        assert!(problem("/{}").contains("a parameter's name is letters"));
        assert!(problem("/{+}").contains("a parameter's name is letters"));
        assert!(problem("/{a{b}}").contains("a parameter's name is letters"));
        assert!(problem("/a{b}").contains("neither a path part"));
        assert!(problem("/{open").contains("neither a path part"));
    }

    // API Gateway takes letters, digits, `-`, `.`, `_` and `,` in a path part; letters, digits,
    // `-`, `.` and `_` in a parameter name.
    #[test]
    fn refuses_characters_api_gateway_refuses() {
        for refused in [
            "/a b",
            "/~user",
            "/caf%C3%A9",
            "/users/{user id}",
            "/x/*",
            "/files:batchGet",
        ] {
            assert!(Pattern::parse(refused).is_err(), "{refused}");
        }
        for allowed in ["/v1.0/items_all/a-b,c", "/{user_id}/{v1.x-y}"] {
            assert!(Pattern::parse(allowed).is_ok(), "{allowed}");
        }
    }

    #[test]
    fn refuses_a_parameter_name_used_twice() {
        assert_eq!(
            problem("/{id}/x/{id+}"),
            "route pattern `/{id}/x/{id+}` names the parameter `id` twice"
        );
    }

    #[test]
    fn literals_beat_parameters_which_beat_greedy() {
        let pattern = |text| Pattern::parse(text).unwrap();
        let me = pattern("/users/me");
        let id = pattern("/users/{id}");
        let rest = pattern("/users/{proxy+}");
        let any = pattern("/{proxy+}");
        assert_eq!(me.specificity_cmp(&id), Ordering::Greater);
        assert_eq!(id.specificity_cmp(&rest), Ordering::Greater);
        assert_eq!(rest.specificity_cmp(&any), Ordering::Greater);
        assert_eq!(any.specificity_cmp(&me), Ordering::Less);
        assert_eq!(
            id.specificity_cmp(&pattern("/users/{name}")),
            Ordering::Equal
        );
        // The leftmost difference decides: `/a/{y}` is the more specific for `/a/b`.
        assert_eq!(
            pattern("/{x}/b").specificity_cmp(&pattern("/a/{y}")),
            Ordering::Less
        );
    }

    #[test]
    fn parses_from_str_and_displays_as_written() {
        let pattern: Pattern = "/users/{userId}/".parse().unwrap();
        assert_eq!(pattern.to_string(), "/users/{userId}");
        let error = "nope".parse::<Pattern>().unwrap_err();
        assert_eq!(error.pattern(), "nope");
    }
}
