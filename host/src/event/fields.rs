//! The JSON maps of proxy events, read in document order, and the merging rules shared by the
//! payload formats.
//!
//! Events are not read with `aws_lambda_events`: its maps are hash maps, and the contract
//! promises headers and query parameters in the order the front end sent them.

use std::collections::HashSet;
use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

/// A JSON object of strings, in document order. `null`, a missing map and `null` values are empty.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct StringMap(pub Vec<(String, String)>);

/// A JSON object of string lists (`multiValueHeaders`), in document order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct MultiStringMap(pub Vec<(String, Vec<String>)>);

impl<'de> Deserialize<'de> for StringMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let pairs: Vec<(String, Option<String>)> =
            deserializer.deserialize_option(PairsVisitor::new())?;
        Ok(Self(
            pairs
                .into_iter()
                .filter_map(|(key, value)| Some((key, value?)))
                .collect(),
        ))
    }
}

impl<'de> Deserialize<'de> for MultiStringMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let pairs: Vec<(String, Option<Vec<Option<String>>>)> =
            deserializer.deserialize_option(PairsVisitor::new())?;
        let pairs = pairs
            .into_iter()
            .map(|(key, values)| {
                (
                    key,
                    values.unwrap_or_default().into_iter().flatten().collect(),
                )
            })
            .collect();
        Ok(Self(pairs))
    }
}

/// Reads an optional JSON object into its key/value pairs without reordering them.
struct PairsVisitor<V>(std::marker::PhantomData<V>);

impl<V> PairsVisitor<V> {
    fn new() -> Self {
        Self(std::marker::PhantomData)
    }
}

impl<'de, V: Deserialize<'de>> Visitor<'de> for PairsVisitor<V> {
    type Value = Vec<(String, V)>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an object or null")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(pair) = map.next_entry()? {
            pairs.push(pair);
        }
        Ok(pairs)
    }
}

/// Merges a multi-value map with its single-value twin: the multi-value map wins, and a name
/// only in the single-value map is added. `normalize` maps a name to its canonical form
/// (lower case for headers, unchanged for query parameters). Linear in the number of entries.
pub fn merge(
    single: StringMap,
    multi: MultiStringMap,
    normalize: fn(String) -> String,
) -> Vec<(String, String)> {
    let mut merged = Vec::with_capacity(multi.0.len() + single.0.len());
    let mut in_multi = HashSet::with_capacity(multi.0.len());
    for (name, values) in multi.0 {
        let name = normalize(name);
        merged.extend(values.into_iter().map(|value| (name.clone(), value)));
        in_multi.insert(name);
    }
    for (name, value) in single.0 {
        let name = normalize(name);
        if !in_multi.contains(&name) {
            merged.push((name, value));
        }
    }
    merged
}

/// Header names are case-insensitive; the contract gives them in lower case.
pub fn header_name(name: String) -> String {
    if name.bytes().any(|byte| byte.is_ascii_uppercase()) {
        name.to_ascii_lowercase()
    } else {
        name
    }
}

/// The value of the last header called `name` (already lower case).
pub fn last_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .rev()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// What the front end recorded, else what the last header `name` says: an event's user agent
/// and domain name fall back to the `user-agent` and `host` headers.
pub fn or_header(
    recorded: Option<String>,
    headers: &[(String, String)],
    name: &str,
) -> Option<String> {
    recorded.or_else(|| last_header(headers, name).map(str::to_owned))
}

/// The cookies of every `cookie` header, each `name=value`.
pub fn cookies_from_headers(headers: &[(String, String)]) -> Vec<String> {
    headers
        .iter()
        .filter(|(name, _)| name == "cookie")
        .flat_map(|(_, value)| value.split(';'))
        .map(str::trim)
        .filter(|cookie| !cookie.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A query string in wire form (`a=1&b=x%20y`) for parameters that arrive decoded.
pub fn encode_query(query: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query)
        .finish()
}

/// Decodes `a=1&b=x%20y` into ordered pairs, `+` as a space as browsers send it.
pub fn decode_query(raw: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.as_bytes())
        .into_owned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn reads_maps_in_document_order_and_null_as_empty() {
        let map: StringMap = serde_json::from_str(r#"{"b": "1", "a": null, "c": "3"}"#).unwrap();
        assert_eq!(map.0, pairs(&[("b", "1"), ("c", "3")]));
        let map: StringMap = serde_json::from_str("null").unwrap();
        assert!(map.0.is_empty());
        let multi: MultiStringMap =
            serde_json::from_str(r#"{"z": ["1", null, "2"], "y": null}"#).unwrap();
        assert_eq!(
            multi.0,
            vec![
                ("z".into(), vec!["1".into(), "2".into()]),
                ("y".into(), vec![])
            ]
        );
    }

    #[test]
    fn merge_prefers_multi_values_and_never_duplicates() {
        let single = StringMap(pairs(&[("Accept", "b"), ("X-Only-Single", "s")]));
        let multi = MultiStringMap(vec![("accept".into(), vec!["a".into(), "b".into()])]);
        assert_eq!(
            merge(single, multi, header_name),
            pairs(&[("accept", "a"), ("accept", "b"), ("x-only-single", "s")])
        );
    }

    #[test]
    fn merge_keeps_single_names_that_repeat_and_multi_names_without_values() {
        let single = StringMap(pairs(&[("a", "1"), ("A", "2"), ("b", "3")]));
        let multi = MultiStringMap(vec![("B".into(), vec![])]);
        assert_eq!(
            merge(single, multi, header_name),
            pairs(&[("a", "1"), ("a", "2")]),
            "`b` is in the multi-value map, with no values"
        );
    }

    #[test]
    fn merge_handles_many_names() {
        let names: Vec<String> = (0..50_000).map(|i| format!("h{i}")).collect();
        let single = StringMap(names.iter().map(|n| (n.clone(), "s".into())).collect());
        let multi = MultiStringMap(
            names
                .iter()
                .step_by(2)
                .map(|n| (n.clone(), vec!["m".into()]))
                .collect(),
        );
        let merged = merge(single, multi, header_name);
        assert_eq!(merged.len(), 50_000);
        assert_eq!(merged[0], ("h0".to_owned(), "m".to_owned()));
        assert_eq!(merged[25_000], ("h1".to_owned(), "s".to_owned()));
    }

    #[test]
    fn splits_cookie_headers() {
        let headers = pairs(&[("cookie", "a=1; b=2"), ("x", "y"), ("cookie", "c=3;")]);
        assert_eq!(cookies_from_headers(&headers), ["a=1", "b=2", "c=3"]);
    }

    #[test]
    fn query_round_trips_through_wire_form() {
        let query = pairs(&[("q", "a b&c"), ("q", "é")]);
        let raw = encode_query(&query);
        assert_eq!(raw, "q=a+b%26c&q=%C3%A9");
        assert_eq!(decode_query(&raw), query);
    }
}
