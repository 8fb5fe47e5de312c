//! A CloudFormation template in YAML, read into JSON values with its short-form intrinsics
//! (`!Ref X`, `!Sub "..."`, `!GetAtt A.B`, `!If [...]`) in their long form (`{"Ref": "X"}`,
//! `{"Fn::Sub": "..."}`, `{"Fn::GetAtt": ["A", "B"]}`), as CloudFormation reads them. A plain
//! YAML loader drops the tags, which would make `!Ref Table` the string `Table`.

use std::collections::BTreeMap;

use anyhow::Context as _;
use serde_json::{Map, Value};
use yaml_rust2::Yaml;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// The first document of `text`, with intrinsics in long form. A JSON template is YAML too.
pub fn load(text: &str) -> anyhow::Result<Value> {
    let mut loader = Loader::default();
    Parser::new_from_str(text)
        .load(&mut loader, false)
        .context("not valid YAML")?;
    if let Some(error) = loader.error {
        anyhow::bail!("not valid YAML: {error}");
    }
    Ok(loader.document.unwrap_or(Value::Null))
}

/// A node being built: its value, its anchor, and the intrinsic its tag names.
struct Node {
    value: Value,
    anchor: usize,
    tag: Option<String>,
    /// For a mapping, the key read and waiting for its value.
    key: Option<String>,
}

#[derive(Default)]
struct Loader {
    stack: Vec<Node>,
    anchors: BTreeMap<usize, Value>,
    document: Option<Value>,
    error: Option<String>,
}

impl MarkedEventReceiver for Loader {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if self.error.is_some() || self.document.is_some() {
            return;
        }
        match event {
            Event::SequenceStart(anchor, tag) => self.stack.push(Node {
                value: Value::Array(Vec::new()),
                anchor,
                tag: intrinsic(tag.as_ref()),
                key: None,
            }),
            Event::MappingStart(anchor, tag) => self.stack.push(Node {
                value: Value::Object(Map::new()),
                anchor,
                tag: intrinsic(tag.as_ref()),
                key: None,
            }),
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(node) = self.stack.pop() {
                    let value = tagged(node.tag.as_deref(), node.value);
                    self.insert(value, node.anchor, mark);
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let name = intrinsic(tag.as_ref());
                let value = match (&name, style) {
                    (Some(_), _)
                    | (None, TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted) => {
                        Value::String(text)
                    }
                    (None, TScalarStyle::Plain) if tag.is_none() => plain(&text),
                    (None, _) => Value::String(text),
                };
                self.insert(tagged(name.as_deref(), value), anchor, mark);
            }
            Event::Alias(anchor) => {
                let value = self.anchors.get(&anchor).cloned().unwrap_or(Value::Null);
                self.insert(value, 0, mark);
            }
            Event::DocumentEnd
            | Event::DocumentStart
            | Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd => {}
        }
    }
}

impl Loader {
    fn insert(&mut self, value: Value, anchor: usize, mark: Marker) {
        if anchor > 0 {
            self.anchors.insert(anchor, value.clone());
        }
        let Some(parent) = self.stack.last_mut() else {
            self.document = Some(value);
            return;
        };
        match &mut parent.value {
            Value::Array(items) => items.push(value),
            Value::Object(fields) => match parent.key.take() {
                None => match value {
                    Value::String(key) => parent.key = Some(key),
                    other => parent.key = Some(other.to_string()),
                },
                Some(key) => {
                    if fields.insert(key.clone(), value).is_some() {
                        self.error = Some(format!(
                            "line {}: {key:?} appears twice in one mapping",
                            mark.line()
                        ));
                    }
                }
            },
            _ => {}
        }
    }
}

/// The intrinsic a local tag names (`!Ref` is `Ref`); `None` for no tag or a standard one.
fn intrinsic(tag: Option<&Tag>) -> Option<String> {
    let tag = tag?;
    (tag.handle == "!").then(|| tag.suffix.clone())
}

/// `value` under its intrinsic's long-form key.
fn tagged(name: Option<&str>, value: Value) -> Value {
    let Some(name) = name else {
        return value;
    };
    let (key, value) = match name {
        "Ref" => ("Ref".to_owned(), value),
        "Condition" => ("Condition".to_owned(), value),
        // `!GetAtt A.B` is the string form of `["A", "B"]`.
        "GetAtt" => match value {
            Value::String(text) => {
                let (resource, attribute) = text.split_once('.').unwrap_or((&text, ""));
                (
                    "Fn::GetAtt".to_owned(),
                    Value::Array(vec![resource.into(), attribute.into()]),
                )
            }
            other => ("Fn::GetAtt".to_owned(), other),
        },
        other => (format!("Fn::{other}"), value),
    };
    Value::Object(Map::from_iter([(key, value)]))
}

/// An untagged plain scalar as YAML's core schema reads it: a number, a boolean, null or text.
fn plain(text: &str) -> Value {
    match Yaml::from_str(text) {
        Yaml::Integer(number) => Value::from(number),
        Yaml::Real(real) => real
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::String(text.to_owned()), Value::Number),
        Yaml::Boolean(flag) => Value::Bool(flag),
        Yaml::Null => Value::Null,
        _ => Value::String(text.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn short_form_intrinsics_read_as_their_long_form() {
        let template = load(
            r#"
A: !Ref Table
B: !Sub "https://${AWS::Region}"
C: !GetAtt Fn.Arn
D: !If [HasX, !Ref X, !Ref "AWS::NoValue"]
E: !Sub
  - "${a}"
  - { a: 1 }
F: { "Fn::Join": ["", [a, b]] }
G: [1, 2.5, true, ~, "7", '8', text]
"#,
        )
        .unwrap();
        assert_eq!(template["A"], json!({ "Ref": "Table" }));
        assert_eq!(
            template["B"],
            json!({ "Fn::Sub": "https://${AWS::Region}" })
        );
        assert_eq!(template["C"], json!({ "Fn::GetAtt": ["Fn", "Arn"] }));
        assert_eq!(
            template["D"],
            json!({ "Fn::If": ["HasX", { "Ref": "X" }, { "Ref": "AWS::NoValue" }] })
        );
        assert_eq!(template["E"], json!({ "Fn::Sub": ["${a}", { "a": 1 }] }));
        assert_eq!(template["F"], json!({ "Fn::Join": ["", ["a", "b"]] }));
        assert_eq!(template["G"], json!([1, 2.5, true, null, "7", "8", "text"]));
    }

    #[test]
    fn anchors_repeat_their_value_and_duplicate_keys_are_an_error() {
        let template = load("a: &x { k: 1 }\nb: *x\n").unwrap();
        assert_eq!(template["b"], json!({ "k": 1 }));
        let error = load("a: 1\na: 2\n").unwrap_err().to_string();
        assert!(error.contains("appears twice"), "{error}");
        assert!(load("a: [").is_err());
    }
}
