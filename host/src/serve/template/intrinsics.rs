//! CloudFormation's intrinsic functions, resolved as far as a local run can: parameters (their
//! defaults, or the values given with `--parameter`), pseudo parameters, conditions, `Ref` of a
//! resource (its logical id, as `sam local` gives it), `Fn::GetAtt` (a placeholder ARN),
//! `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::If`, `Fn::Equals`, `Fn::Not`,
//! `Fn::And`, `Fn::Or`, and `AWS::NoValue` (the property dropped); and SAM's references to what
//! it generates for a function with `AutoPublishAlias`: `Ref Function.Alias` (and
//! `${Function.Alias}`, `Ref FunctionAlias<name>`) is the alias's ARN, `Ref Function.Version` a
//! version's.

use std::collections::{BTreeMap, HashMap};

use anyhow::{Context as _, bail};
use serde_json::{Map, Value};

/// The account id local ARNs and events name, as `sam local` does.
pub const LOCAL_ACCOUNT_ID: &str = "123456789012";

/// What intrinsics resolve against.
#[derive(Debug)]
pub struct Scope {
    parameters: HashMap<String, Value>,
    /// Parameters without a `Default` nor a value given.
    unset: Vec<String>,
    conditions: BTreeMap<String, bool>,
    resources: HashMap<String, String>,
    /// The alias each `AWS::Serverless::Function` with `AutoPublishAlias` publishes.
    aliases: HashMap<String, String>,
    region: String,
}

impl Scope {
    /// The scope of `template`: its parameters (`overrides` first, then defaults), its
    /// resources' types, its conditions evaluated, and `region` for `AWS::Region`.
    pub fn new(
        template: &Value,
        overrides: &[(String, String)],
        region: &str,
    ) -> anyhow::Result<Self> {
        let mut parameters = HashMap::new();
        let mut unset = Vec::new();
        for (name, declared) in template["Parameters"].as_object().into_iter().flatten() {
            let value = match overrides.iter().rev().find(|(key, _)| key == name) {
                Some((_, value)) => Value::String(value.clone()),
                None => match &declared["Default"] {
                    Value::Null => {
                        unset.push(name.clone());
                        continue;
                    }
                    Value::String(text) => Value::String(text.clone()),
                    other => Value::String(other.to_string()),
                },
            };
            // A list parameter's value is its items.
            let value = match (declared["Type"].as_str(), value) {
                (Some(kind), Value::String(text))
                    if kind.starts_with("List<") || kind == "CommaDelimitedList" =>
                {
                    Value::Array(
                        text.split(',')
                            .map(|item| Value::String(item.trim().to_owned()))
                            .collect(),
                    )
                }
                (_, value) => value,
            };
            parameters.insert(name.clone(), value);
        }
        for (name, _) in overrides {
            if !template["Parameters"]
                .as_object()
                .is_some_and(|declared| declared.contains_key(name))
            {
                bail!("--parameter {name}: the template has no parameter {name}");
            }
        }
        let resources = template["Resources"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, resource)| {
                let kind = resource["Type"].as_str().unwrap_or_default().to_owned();
                (name.clone(), kind)
            })
            .collect();
        let mut scope = Self {
            parameters,
            unset,
            conditions: BTreeMap::new(),
            resources,
            aliases: HashMap::new(),
            region: region.to_owned(),
        };
        let declared: Vec<(String, Value)> = template["Conditions"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        // A condition may name another: evaluate until every one is known.
        let mut pending = declared;
        while !pending.is_empty() {
            let before = pending.len();
            let mut waiting = Vec::new();
            for (name, condition) in pending {
                match scope.condition(&condition) {
                    Ok(value) => {
                        scope.conditions.insert(name, value);
                    }
                    Err(_) => waiting.push((name, condition)),
                }
            }
            if waiting.len() == before {
                let (name, condition) = &waiting[0];
                let error = match scope.condition(condition) {
                    Err(error) => error,
                    Ok(_) => anyhow::anyhow!("it names a condition that cannot be evaluated"),
                };
                return Err(error.context(format!("in condition {name}")));
            }
            pending = waiting;
        }
        scope.aliases = scope.aliases(template)?;
        Ok(scope)
    }

    /// Each serverless function's `AutoPublishAlias` (its own, else `Globals.Function`'s).
    fn aliases(&self, template: &Value) -> anyhow::Result<HashMap<String, String>> {
        let global = &template["Globals"]["Function"]["AutoPublishAlias"];
        let mut aliases = HashMap::new();
        for (id, resource) in template["Resources"].as_object().into_iter().flatten() {
            if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
                continue;
            }
            let declared = match &resource["Properties"]["AutoPublishAlias"] {
                Value::Null => global,
                own => own,
            };
            if let Some(alias) = self
                .string(declared)
                .with_context(|| format!("in {id}.AutoPublishAlias"))?
                .filter(|alias| !alias.is_empty())
            {
                aliases.insert(id.clone(), alias);
            }
        }
        Ok(aliases)
    }

    /// The alias SAM publishes for `function` (`AutoPublishAlias`), if any.
    pub fn alias_of(&self, function: &str) -> Option<&str> {
        self.aliases.get(function).map(String::as_str)
    }

    /// `value` with every intrinsic resolved; `None` for `AWS::NoValue` (the property is
    /// dropped). Properties whose value is `AWS::NoValue` are dropped from objects and lists.
    pub fn resolve(&self, value: &Value) -> anyhow::Result<Option<Value>> {
        match value {
            Value::Object(fields) if fields.len() == 1 => {
                let (key, argument) = fields.iter().next().expect("one field");
                if key == "Ref" || key.starts_with("Fn::") {
                    return self.function(key, argument);
                }
                self.object(fields).map(Some)
            }
            Value::Object(fields) => self.object(fields).map(Some),
            Value::Array(items) => {
                let mut resolved = Vec::with_capacity(items.len());
                for item in items {
                    resolved.extend(self.resolve(item)?);
                }
                Ok(Some(Value::Array(resolved)))
            }
            other => Ok(Some(other.clone())),
        }
    }

    /// `value` resolved to a string: numbers and booleans as CloudFormation writes them.
    pub fn string(&self, value: &Value) -> anyhow::Result<Option<String>> {
        Ok(match self.resolve(value)? {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text),
            Some(Value::Number(number)) => Some(number.to_string()),
            Some(Value::Bool(flag)) => Some(flag.to_string()),
            Some(other) => bail!("expected a string, found {other}"),
        })
    }

    fn object(&self, fields: &Map<String, Value>) -> anyhow::Result<Value> {
        let mut resolved = Map::new();
        for (key, value) in fields {
            if let Some(value) = self.resolve(value).with_context(|| format!("in {key}"))? {
                resolved.insert(key.clone(), value);
            }
        }
        Ok(Value::Object(resolved))
    }

    fn function(&self, name: &str, argument: &Value) -> anyhow::Result<Option<Value>> {
        let text = |value: &Value| -> anyhow::Result<String> {
            self.string(value)?
                .with_context(|| format!("{name}: expected a string"))
        };
        Ok(Some(match name {
            "Ref" => return self.reference(&text(argument)?),
            "Fn::GetAtt" => {
                let (resource, attribute) = match argument {
                    Value::Array(parts) if parts.len() == 2 => (text(&parts[0])?, text(&parts[1])?),
                    Value::String(dotted) => match dotted.split_once('.') {
                        Some((resource, attribute)) => (resource.to_owned(), attribute.to_owned()),
                        None => bail!("Fn::GetAtt: expected Resource.Attribute"),
                    },
                    _ => bail!("Fn::GetAtt: expected [Resource, Attribute]"),
                };
                Value::String(self.attribute(&resource, &attribute)?)
            }
            "Fn::Sub" => Value::String(self.substitute(argument)?),
            "Fn::Join" => {
                let [separator, items] =
                    arguments::<2>(argument, "Fn::Join: expected [separator, [items]]")?;
                let separator = text(separator)?;
                let items = match self.resolve(items)? {
                    Some(Value::Array(items)) => items,
                    _ => bail!("Fn::Join: the items are not a list"),
                };
                let items: Vec<String> = items.iter().map(text).collect::<anyhow::Result<_>>()?;
                Value::String(items.join(&separator))
            }
            "Fn::Select" => {
                let [index, items] =
                    arguments::<2>(argument, "Fn::Select: expected [index, [items]]")?;
                let index: usize = text(index)?
                    .parse()
                    .context("Fn::Select: the index is not a number")?;
                match self.resolve(items)? {
                    Some(Value::Array(items)) => items
                        .get(index)
                        .cloned()
                        .with_context(|| format!("Fn::Select: no item {index}"))?,
                    _ => bail!("Fn::Select: the items are not a list"),
                }
            }
            "Fn::Split" => {
                let [separator, source] =
                    arguments::<2>(argument, "Fn::Split: expected [separator, text]")?;
                let (separator, source) = (text(separator)?, text(source)?);
                Value::Array(
                    source
                        .split(separator.as_str())
                        .map(|part| Value::String(part.to_owned()))
                        .collect(),
                )
            }
            "Fn::If" => {
                let [condition, then, otherwise] =
                    arguments::<3>(argument, "Fn::If: expected [condition, then, else]")?;
                let condition = text(condition)?;
                let holds = *self
                    .conditions
                    .get(&condition)
                    .with_context(|| format!("Fn::If: no condition {condition}"))?;
                return self.resolve(if holds { then } else { otherwise });
            }
            "Fn::Equals" | "Fn::Not" | "Fn::And" | "Fn::Or" => {
                let call = Value::Object(Map::from_iter([(name.to_owned(), argument.clone())]));
                Value::Bool(self.condition(&call)?)
            }
            "Fn::Base64" => {
                use base64::Engine as _;
                Value::String(base64::engine::general_purpose::STANDARD.encode(text(argument)?))
            }
            other => bail!("{other} cannot be resolved locally"),
        }))
    }

    /// A condition's value: `Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or`, `Condition`.
    fn condition(&self, condition: &Value) -> anyhow::Result<bool> {
        let Some((name, argument)) = condition
            .as_object()
            .filter(|o| o.len() == 1)
            .and_then(|o| o.iter().next())
        else {
            bail!("not a condition: {condition}");
        };
        let list = || {
            argument
                .as_array()
                .with_context(|| format!("{name}: expected a list"))
        };
        match name.as_str() {
            "Condition" => {
                let name = argument.as_str().context("Condition: expected a name")?;
                self.conditions
                    .get(name)
                    .copied()
                    .with_context(|| format!("no condition {name} (yet)"))
            }
            "Fn::Equals" => {
                let items = list()?;
                anyhow::ensure!(items.len() == 2, "Fn::Equals: expected two values");
                Ok(self.resolve(&items[0])? == self.resolve(&items[1])?)
            }
            "Fn::Not" => {
                let items = list()?;
                anyhow::ensure!(items.len() == 1, "Fn::Not: expected one condition");
                Ok(!self.condition(&items[0])?)
            }
            "Fn::And" => list()?
                .iter()
                .try_fold(true, |all, item| Ok(all && self.condition(item)?)),
            "Fn::Or" => list()?
                .iter()
                .try_fold(false, |any, item| Ok(any || self.condition(item)?)),
            other => bail!("{other} is not a condition function"),
        }
    }

    /// `Ref name`: a parameter's value, a pseudo parameter, a resource's logical id; `None`
    /// for `AWS::NoValue`.
    fn reference(&self, name: &str) -> anyhow::Result<Option<Value>> {
        if let Some(value) = self.parameters.get(name) {
            return Ok(Some(value.clone()));
        }
        if let Some(pseudo) = self.pseudo(name) {
            return Ok(pseudo.map(Value::String));
        }
        if self.resources.contains_key(name) {
            return Ok(Some(Value::String(name.to_owned())));
        }
        if let Some(arn) = self.generated(name)? {
            return Ok(Some(Value::String(arn)));
        }
        if self.unset.iter().any(|unset| unset == name) {
            bail!("the parameter {name} has no Default: give it with --parameter {name}=VALUE");
        }
        bail!("Ref {name}: no parameter or resource of that name")
    }

    /// A pseudo parameter's local value; `Some(None)` for `AWS::NoValue`, `None` if `name` is
    /// none.
    fn pseudo(&self, name: &str) -> Option<Option<String>> {
        Some(Some(match name {
            "AWS::NoValue" => return Some(None),
            "AWS::Region" => self.region.clone(),
            "AWS::AccountId" => LOCAL_ACCOUNT_ID.to_owned(),
            "AWS::Partition" => "aws".to_owned(),
            "AWS::URLSuffix" => "amazonaws.com".to_owned(),
            "AWS::StackName" => "local".to_owned(),
            "AWS::StackId" => format!(
                "arn:aws:cloudformation:{}:{LOCAL_ACCOUNT_ID}:stack/local/local",
                self.region
            ),
            "AWS::NotificationARNs" => String::new(),
            _ => return None,
        }))
    }

    /// `Fn::GetAtt resource.attribute`: a function's ARN as Lambda would name it, else a
    /// placeholder that names the resource.
    fn attribute(&self, resource: &str, attribute: &str) -> anyhow::Result<String> {
        let kind = self
            .resources
            .get(resource)
            .with_context(|| format!("Fn::GetAtt: no resource {resource}"))?;
        let region = &self.region;
        Ok(match (kind.as_str(), attribute) {
            ("AWS::Serverless::Function" | "AWS::Lambda::Function", "Arn") => {
                format!("arn:aws:lambda:{region}:{LOCAL_ACCOUNT_ID}:function:{resource}")
            }
            (_, "Arn") => format!("arn:aws:local:{region}:{LOCAL_ACCOUNT_ID}:{resource}"),
            _ => format!("{resource}.{attribute}"),
        })
    }

    /// What SAM lets a template refer to of the version and alias it publishes for a function:
    /// `Function.Alias` and `FunctionAlias<name>` (the alias's ARN), `Function.Version` (a
    /// version's ARN, the first); `None` when `name` is none of those.
    fn generated(&self, name: &str) -> anyhow::Result<Option<String>> {
        let arn = |function: &str, qualifier: &str| {
            format!(
                "arn:aws:lambda:{}:{LOCAL_ACCOUNT_ID}:function:{function}:{qualifier}",
                self.region
            )
        };
        if let Some((function, property)) = name.split_once('.')
            && self.resources.get(function).map(String::as_str) == Some("AWS::Serverless::Function")
        {
            let alias = self.aliases.get(function);
            return match (property, alias) {
                ("Alias", Some(alias)) => Ok(Some(arn(function, alias))),
                ("Version", Some(_)) => Ok(Some(arn(function, "1"))),
                ("Alias" | "Version", None) => {
                    bail!(
                        "{name}: {function} has no AutoPublishAlias, so SAM publishes no {property}"
                    )
                }
                _ => Ok(None),
            };
        }
        Ok(self.aliases.iter().find_map(|(function, alias)| {
            (name
                .strip_prefix(function.as_str())
                .and_then(|rest| rest.strip_prefix("Alias"))
                == Some(alias.as_str()))
            .then(|| arn(function, alias))
        }))
    }

    /// `Fn::Sub`: a string with `${Name}` and `${Resource.Attribute}`, or `[string, {vars}]`;
    /// `${!Literal}` is `${Literal}`.
    fn substitute(&self, argument: &Value) -> anyhow::Result<String> {
        let (template, variables) = match argument {
            Value::String(text) => (text.as_str(), None),
            Value::Array(parts) if parts.len() == 2 => (
                parts[0].as_str().context("Fn::Sub: expected a string")?,
                parts[1].as_object(),
            ),
            _ => bail!("Fn::Sub: expected a string or [string, {{variables}}]"),
        };
        let mut out = String::new();
        let mut rest = template;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find('}').context("Fn::Sub: a ${ is not closed")?;
            let name = after[..end].trim();
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(value) = variables.and_then(|variables| variables.get(name)) {
                out.push_str(&self.string(value)?.unwrap_or_default());
            } else if let Some(arn) = self.generated(name)? {
                out.push_str(&arn);
            } else if let Some((resource, attribute)) = name.split_once('.') {
                out.push_str(&self.attribute(resource, attribute)?);
            } else {
                match self.reference(name)? {
                    Some(Value::String(text)) => out.push_str(&text),
                    Some(Value::Array(items)) => out.push_str(
                        &items
                            .iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(","),
                    ),
                    Some(other) => out.push_str(&other.to_string()),
                    None => {}
                }
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// The `N` arguments of an intrinsic given as a list, or the error `usage` says.
fn arguments<'a, const N: usize>(
    argument: &'a Value,
    usage: &str,
) -> anyhow::Result<&'a [Value; N]> {
    argument
        .as_array()
        .and_then(|items| <&[Value; N]>::try_from(items.as_slice()).ok())
        .with_context(|| usage.to_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::serve::template::yaml;

    const TEMPLATE: &str = r#"
Parameters:
  Env: { Type: String, Default: "" }
  Size: { Type: Number, Default: 128 }
  Hosts: { Type: CommaDelimitedList, Default: "a, b" }
Conditions:
  HasEnv: !Not [!Equals [!Ref Env, ""]]
  Both: !And [!Condition HasEnv, !Equals [!Ref Size, "128"]]
Resources:
  Table: { Type: AWS::DynamoDB::Table }
  Fn: { Type: AWS::Serverless::Function }
"#;

    fn scope(overrides: &[(&str, &str)]) -> (Value, Scope) {
        let template = yaml::load(TEMPLATE).unwrap();
        let overrides: Vec<(String, String)> = overrides
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let scope = Scope::new(&template, &overrides, "eu-west-1").unwrap();
        (template, scope)
    }

    fn resolve(scope: &Scope, text: &str) -> Option<Value> {
        scope.resolve(&yaml::load(text).unwrap()).unwrap()
    }

    #[test]
    fn parameters_conditions_and_pseudo_parameters_resolve() {
        let (_, scope) = scope(&[]);
        assert_eq!(
            resolve(&scope, "!If [HasEnv, !Ref Env, !Ref AWS::NoValue]"),
            None
        );
        assert_eq!(
            resolve(
                &scope,
                r#"!Sub "https://dynamodb.${AWS::Region}.${AWS::URLSuffix}""#
            ),
            Some(json!("https://dynamodb.eu-west-1.amazonaws.com"))
        );
        assert_eq!(resolve(&scope, "!Ref Table"), Some(json!("Table")));
        assert_eq!(
            resolve(&scope, "!GetAtt Fn.Arn"),
            Some(json!("arn:aws:lambda:eu-west-1:123456789012:function:Fn"))
        );
        assert_eq!(resolve(&scope, "!Ref Size"), Some(json!("128")));
        assert_eq!(
            resolve(&scope, "!Join [',', !Ref Hosts]"),
            Some(json!("a,b"))
        );
        assert_eq!(
            resolve(
                &scope,
                "{ a: !Ref AWS::NoValue, b: [1, !Ref AWS::NoValue] }"
            ),
            Some(json!({ "b": [1] }))
        );
        assert_eq!(
            resolve(&scope, r#"!Sub ["${x}-${!y}", { x: !Ref Env }]"#),
            Some(json!("-${y}"))
        );
    }

    #[test]
    fn overrides_win_over_defaults_and_conditions_follow_them() {
        let (_, scope) = scope(&[("Env", "X,Y")]);
        assert_eq!(
            resolve(&scope, "!If [Both, !Ref Env, none]"),
            Some(json!("X,Y"))
        );
        let template = yaml::load(TEMPLATE).unwrap();
        let error = Scope::new(&template, &[("Nope".into(), "1".into())], "us-east-1")
            .unwrap_err()
            .to_string();
        assert!(error.contains("no parameter Nope"), "{error}");
    }

    #[test]
    fn a_published_alias_and_version_resolve_to_their_arns() {
        let template = yaml::load(
            "Globals: { Function: { AutoPublishAlias: !Ref Alias } }\n\
             Parameters: { Alias: { Type: String, Default: live } }\n\
             Resources:\n  Fn: { Type: AWS::Serverless::Function }\n  \
             Plain: { Type: AWS::Serverless::Function, Properties: { AutoPublishAlias: '' } }",
        )
        .unwrap();
        let scope = Scope::new(&template, &[], "eu-west-1").unwrap();
        let arn = "arn:aws:lambda:eu-west-1:123456789012:function:Fn";
        assert_eq!(
            resolve(&scope, "!Ref Fn.Alias"),
            Some(json!(format!("{arn}:live")))
        );
        assert_eq!(
            resolve(&scope, "!Ref FnAliaslive"),
            Some(json!(format!("{arn}:live")))
        );
        assert_eq!(
            resolve(&scope, "!Ref Fn.Version"),
            Some(json!(format!("{arn}:1")))
        );
        assert_eq!(
            resolve(&scope, r#"!Sub "functions/${Fn.Alias}/invocations""#),
            Some(json!(format!("functions/{arn}:live/invocations")))
        );
        let error = scope
            .resolve(&yaml::load("!Ref Plain.Alias").unwrap())
            .unwrap_err()
            .to_string();
        assert!(error.contains("no AutoPublishAlias"), "{error}");
    }

    #[test]
    fn what_cannot_be_resolved_is_an_error_naming_it() {
        let (_, scope) = scope(&[]);
        let error = scope
            .resolve(&yaml::load("!ImportValue other-stack").unwrap())
            .unwrap_err()
            .to_string();
        assert!(error.contains("Fn::ImportValue"), "{error}");
        assert!(scope.resolve(&yaml::load("!Ref Missing").unwrap()).is_err());
    }
}
