//! Configuration mistakes told the way a person fixes them: the file and
//! line, the key as it is written (`[blog] titel`), what is wrong, and the
//! nearest valid key when one was misspelt.

use figment::error::Kind;

/// The line of `key` in TOML `text`, within table `table` (empty for the
/// top level), counted from 1.
fn line_of(text: &str, table: &[String], key: &str) -> Option<usize> {
    use toml_edit::TableLike;
    let document = toml_edit::ImDocument::parse(text).ok()?;
    let mut within: &dyn TableLike = document.as_table();
    for name in table {
        within = within.get(name)?.as_table_like()?;
    }
    let (found, _) = within.get_key_value(key)?;
    let at = found.span()?.start;
    Some(text[..at].matches('\n').count() + 1)
}

/// The valid key nearest to `found`, when it is near enough to be a slip.
fn nearest<'a>(found: &str, valid: &[&'a str]) -> Option<&'a str> {
    valid
        .iter()
        .map(|v| (strsim::damerau_levenshtein(found, v), *v))
        .filter(|(distance, v)| *distance <= 2.max(v.len() / 3))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, v)| v)
}

/// One mistake, in words.
fn describe(error: &figment::Error) -> String {
    let (table, key) = match error.path.split_last() {
        Some((key, table)) => (table.to_vec(), key.clone()),
        None => (Vec::new(), String::new()),
    };
    let file = error
        .metadata
        .as_ref()
        .and_then(|m| m.source.as_ref())
        .and_then(|s| s.file_path());
    let place = match file {
        Some(path) => {
            let line = std::fs::read_to_string(path)
                .ok()
                .and_then(|text| line_of(&text, &table, &key));
            match line {
                Some(line) => format!("{}, line {line}", path.display()),
                None => path.display().to_string(),
            }
        }
        None => error
            .metadata
            .as_ref()
            .map_or_else(|| "the configuration".to_owned(), |m| m.name.to_string()),
    };
    let written = if table.is_empty() {
        format!("`{key}`")
    } else {
        format!("`{key}` in [{}]", table.join("."))
    };
    let what = match &error.kind {
        Kind::UnknownField(found, valid) => {
            let hint = match nearest(found, valid) {
                Some(near) => format!("; did you mean `{near}`?"),
                None => String::new(),
            };
            format!(
                "unknown key {written}{hint} (valid keys there: {})",
                valid.join(", ")
            )
        }
        other => format!("`{}`: {other}", error.path.join(".")),
    };
    format!("{place}: {what}")
}

/// Every mistake of a configuration that does not load, one a line.
pub fn explain(error: figment::Error) -> anyhow::Error {
    let lines: Vec<String> = error.into_iter().map(|e| describe(&e)).collect();
    anyhow::anyhow!("invalid configuration:\n  {}", lines.join("\n  "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_found_on_its_line_within_its_table() {
        let text = "public_url = \"https://x.example\"\n\n[blog]\n# a comment\ntitel = \"Hi\"\n[federation]\ntitel = 1\n[media.more]\nx = 2\n";
        assert_eq!(line_of(text, &["blog".into()], "titel"), Some(5));
        assert_eq!(line_of(text, &["federation".into()], "titel"), Some(7));
        assert_eq!(line_of(text, &[], "public_url"), Some(1));
        assert_eq!(line_of(text, &[], "titel"), None);
        assert_eq!(
            line_of(text, &["media".into(), "more".into()], "x"),
            Some(9)
        );
    }

    #[test]
    fn a_slip_finds_the_key_meant_and_nonsense_finds_none() {
        let valid = ["title", "description", "username", "language"];
        assert_eq!(nearest("titel", &valid), Some("title"));
        assert_eq!(nearest("usernme", &valid), Some("username"));
        assert_eq!(nearest("colour", &valid), None);
    }
}
