//! The functions of a SAM template as `serve` runs them: where each one's component is, and
//! the settings Lambda would give it (environment variables, timeout, memory), each from the
//! function's own properties or else `Globals.Function`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use serde_json::{Map, Value};

use super::intrinsics::Scope;

/// One `AWS::Serverless::Function`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    /// Its logical id.
    pub id: String,
    /// `Handler`: for this runtime, the component's file name in the function's code.
    pub handler: Option<String>,
    /// `CodeUri`, when it is a local path.
    pub code_uri: Option<String>,
    /// `Environment.Variables`, intrinsics resolved, `Globals`' first.
    pub environment: Vec<(String, String)>,
    /// `Timeout`.
    pub timeout: Option<Duration>,
    /// `MemorySize`, in MB.
    pub memory_mb: Option<u32>,
    /// `AutoPublishAlias`: the alias its APIs call.
    pub alias: Option<String>,
}

/// The functions of `template`, by logical id.
pub fn read(template: &Value, scope: &Scope) -> anyhow::Result<Vec<Function>> {
    let globals = scope
        .resolve(&template["Globals"]["Function"])
        .context("in Globals.Function")?
        .unwrap_or(Value::Null);
    let mut functions = Vec::new();
    for (id, resource) in template["Resources"].as_object().into_iter().flatten() {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let function = function(id, &globals, &resource["Properties"], scope)
            .with_context(|| format!("in {id}"))?;
        functions.push(function);
    }
    Ok(functions)
}

fn function(
    id: &str,
    globals: &Value,
    properties: &Value,
    scope: &Scope,
) -> anyhow::Result<Function> {
    let own = |key: &str| -> anyhow::Result<Value> {
        Ok(scope
            .resolve(&properties[key])
            .with_context(|| format!("in {key}"))?
            .unwrap_or(Value::Null))
    };
    let property = |key: &str| -> anyhow::Result<Value> {
        Ok(match own(key)? {
            Value::Null => globals[key].clone(),
            value => value,
        })
    };
    let text = |value: Value| match value {
        Value::String(text) => Some(text),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    };
    let number = |key: &str| -> anyhow::Result<Option<u64>> {
        match text(property(key)?) {
            None => Ok(None),
            Some(value) => value
                .parse()
                .map(Some)
                .with_context(|| format!("{key} is not a whole number: {value:?}")),
        }
    };
    let mut environment = variables(&globals["Environment"]["Variables"])?;
    for (name, value) in variables(&own("Environment")?["Variables"])? {
        environment.retain(|(existing, _)| *existing != name);
        environment.push((name, value));
    }
    Ok(Function {
        id: id.to_owned(),
        handler: text(property("Handler")?),
        code_uri: text(property("CodeUri")?),
        environment,
        timeout: number("Timeout")?.map(Duration::from_secs),
        memory_mb: number("MemorySize")?
            .map(|mb| u32::try_from(mb).context("MemorySize is too large"))
            .transpose()?,
        alias: scope.alias_of(id).map(str::to_owned),
    })
}

/// `Environment.Variables`, resolved: a variable whose value is `AWS::NoValue` is unset.
fn variables(variables: &Value) -> anyhow::Result<Vec<(String, String)>> {
    let empty = Map::new();
    let fields = match variables {
        Value::Null => &empty,
        Value::Object(fields) => fields,
        _ => bail!("Environment.Variables is not a map"),
    };
    fields
        .iter()
        .map(|(name, value)| {
            let value = match value {
                Value::String(text) => text.clone(),
                Value::Number(number) => number.to_string(),
                Value::Bool(flag) => flag.to_string(),
                other => bail!("Environment.Variables.{name} is not text: {other}"),
            };
            Ok((name.clone(), value))
        })
        .collect()
}

impl Function {
    /// Where `sam build` and `make package` put this function's component, and the function's
    /// own `CodeUri`, relative to the template's directory, in that order; the first that holds
    /// `Handler` is the component.
    pub fn candidates(&self, template_dir: &Path) -> Vec<PathBuf> {
        let Some(handler) = &self.handler else {
            return Vec::new();
        };
        let mut candidates = vec![
            template_dir
                .join(".aws-sam/build")
                .join(&self.id)
                .join(handler),
            template_dir
                .join("target/deploy")
                .join(&self.id)
                .join(handler),
        ];
        if let Some(code) = &self.code_uri {
            candidates.push(template_dir.join(code).join(handler));
        }
        candidates
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::template::yaml;

    #[test]
    fn functions_take_globals_they_do_not_override_and_resolve_their_environment() {
        let template = yaml::load(
            r#"
Parameters:
  Extra: { Type: String, Default: "" }
Conditions:
  HasExtra: !Not [!Equals [!Ref Extra, ""]]
Globals:
  Function:
    Timeout: 10
    Environment:
      Variables:
        SHARED: global
        EXTRA: !If [HasExtra, !Ref Extra, !Ref AWS::NoValue]
Resources:
  Table: { Type: AWS::DynamoDB::Table }
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: guest/fn
      Handler: fn.wasm
      MemorySize: 256
      Environment:
        Variables:
          TABLE: !Ref Table
          SHARED: own
"#,
        )
        .unwrap();
        let scope = Scope::new(&template, &[], "us-east-1").unwrap();
        let functions = read(&template, &scope).unwrap();
        let function = &functions[0];
        assert_eq!(function.timeout, Some(Duration::from_secs(10)));
        assert_eq!(function.memory_mb, Some(256));
        assert_eq!(
            function.environment,
            [
                ("SHARED".to_owned(), "own".to_owned()),
                ("TABLE".to_owned(), "Table".to_owned())
            ]
        );
        assert_eq!(
            function.candidates(Path::new("/t")),
            [
                PathBuf::from("/t/.aws-sam/build/Fn/fn.wasm"),
                PathBuf::from("/t/target/deploy/Fn/fn.wasm"),
                PathBuf::from("/t/guest/fn/fn.wasm"),
            ]
        );
    }
}
