//! API Gateway route patterns: `/users`, `/users/{userId}`, greedy `/files/{path+}`, and which of
//! two matching patterns is the more specific.

use std::cmp::Ordering;

/// A parsed route pattern.
#[derive(Clone, Debug)]
pub(crate) struct Pattern {
    segments: Vec<Segment>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    /// Matches itself exactly.
    Literal(String),
    /// `{name}`: one non-empty segment.
    Param(String),
    /// `{name+}`: the rest of the path, one segment or more; last in a pattern.
    Greedy(String),
}

impl Segment {
    /// Literal before parameter before greedy, as API Gateway prefers them.
    fn specificity(&self) -> u8 {
        match self {
            Segment::Literal(_) => 2,
            Segment::Param(_) => 1,
            Segment::Greedy(_) => 0,
        }
    }
}

impl Pattern {
    /// Parses `/a/{b}/{c+}`; says what is wrong with a pattern API Gateway would refuse.
    pub(crate) fn parse(pattern: &str) -> Result<Pattern, String> {
        let rest = pattern
            .strip_prefix('/')
            .ok_or_else(|| format!("route pattern `{pattern}` must start with `/`"))?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let mut segments = Vec::new();
        for text in rest.split('/').filter(|_| !rest.is_empty()) {
            if matches!(segments.last(), Some(Segment::Greedy(_))) {
                return Err(format!(
                    "route pattern `{pattern}`: a greedy `{{name+}}` must be the last segment"
                ));
            }
            let segment = match text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                Some(name) => match name.strip_suffix('+') {
                    Some(name) => Segment::Greedy(name.to_owned()),
                    None => Segment::Param(name.to_owned()),
                },
                None => Segment::Literal(text.to_owned()),
            };
            let name_is_bad = match &segment {
                Segment::Param(name) | Segment::Greedy(name) => {
                    name.is_empty() || name.contains(['{', '}', '+'])
                }
                Segment::Literal(text) => text.is_empty() || text.contains(['{', '}']),
            };
            if name_is_bad {
                return Err(format!(
                    "route pattern `{pattern}`: `{text}` is not `name`, `{{name}}` or `{{name+}}`"
                ));
            }
            segments.push(segment);
        }
        Ok(Pattern { segments })
    }

    /// The path parameters when `path` matches, e.g. `[("userId", "42")]` for
    /// `/users/{userId}` and `/users/42`. A trailing `/` on the path is ignored.
    pub(crate) fn matches(&self, path: &str) -> Option<Vec<(String, String)>> {
        let path = path.strip_prefix('/').unwrap_or(path);
        let path = path.strip_suffix('/').unwrap_or(path);
        let parts: Vec<&str> = if path.is_empty() {
            Vec::new()
        } else {
            path.split('/').collect()
        };
        let mut params = Vec::new();
        for (index, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Literal(text) => {
                    if parts.get(index) != Some(&text.as_str()) {
                        return None;
                    }
                }
                Segment::Param(name) => {
                    let value = parts.get(index).filter(|value| !value.is_empty())?;
                    params.push((name.clone(), (*value).to_owned()));
                }
                Segment::Greedy(name) => {
                    let rest = parts.get(index..).map(|rest| rest.join("/"))?;
                    if rest.is_empty() {
                        return None;
                    }
                    params.push((name.clone(), rest));
                    return Some(params);
                }
            }
        }
        (parts.len() == self.segments.len()).then_some(params)
    }

    /// Orders two patterns that match the same path: the greater is the more specific.
    pub(crate) fn specificity_cmp(&self, other: &Pattern) -> Ordering {
        let ours = self.segments.iter().map(Segment::specificity);
        let theirs = other.segments.iter().map(Segment::specificity);
        ours.cmp(theirs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pattern: &str, path: &str) -> Option<Vec<(String, String)>> {
        Pattern::parse(pattern).unwrap().matches(path)
    }

    fn pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn literal_patterns_match_only_themselves() {
        assert_eq!(params("/users", "/users"), Some(Vec::new()));
        assert_eq!(params("/users", "/users/"), Some(Vec::new()));
        assert_eq!(params("/users", "/user"), None);
        assert_eq!(params("/users", "/users/1"), None);
        assert_eq!(params("/", "/"), Some(Vec::new()));
        assert_eq!(params("/", "/users"), None);
    }

    #[test]
    fn parameters_take_one_non_empty_segment() {
        assert_eq!(
            params("/users/{userId}", "/users/42"),
            Some(pairs(&[("userId", "42")]))
        );
        assert_eq!(
            params("/users/{userId}/posts/{postId}", "/users/1/posts/2"),
            Some(pairs(&[("userId", "1"), ("postId", "2")]))
        );
        assert_eq!(params("/users/{userId}", "/users"), None);
        assert_eq!(params("/users/{userId}", "/users//"), None);
        assert_eq!(params("/users/{userId}", "/users/1/posts"), None);
    }

    #[test]
    fn greedy_parameters_take_the_rest_of_the_path() {
        assert_eq!(
            params("/{proxy+}", "/a/b/c"),
            Some(pairs(&[("proxy", "a/b/c")]))
        );
        assert_eq!(
            params("/files/{path+}", "/files/x"),
            Some(pairs(&[("path", "x")]))
        );
        assert_eq!(params("/{proxy+}", "/"), None, "greedy needs a segment");
        assert_eq!(params("/files/{path+}", "/files"), None);
    }

    #[test]
    fn literals_beat_parameters_which_beat_greedy() {
        let me = Pattern::parse("/users/me").unwrap();
        let id = Pattern::parse("/users/{id}").unwrap();
        let any = Pattern::parse("/{proxy+}").unwrap();
        assert_eq!(me.specificity_cmp(&id), Ordering::Greater);
        assert_eq!(id.specificity_cmp(&any), Ordering::Greater);
        assert_eq!(any.specificity_cmp(&me), Ordering::Less);
    }

    #[test]
    fn refuses_patterns_api_gateway_would_refuse() {
        for bad in [
            "users",
            "/{}",
            "/{proxy+}/more",
            "/a//b",
            "/a{b}",
            "/{a{b}}",
        ] {
            assert!(Pattern::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
