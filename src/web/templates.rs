//! HTML templates: built into the binary, each overridable by a file of the
//! same name in the configured theme folder.

use std::{path::PathBuf, sync::Arc};

use anyhow::Context;
use minijinja::{Environment, Value, context};

use crate::{config::Config, entities::user, error::AppResult};

macro_rules! builtin {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/", $name)))),*]
    };
}

const BUILTIN: &[(&str, &str)] = builtin![
    "base.html",
    "index.html",
    "post.html",
    "tag.html",
    "author.html",
    "follow.html",
    "error.html",
    "login.html",
    "partials/post_card.html",
    "partials/pagination.html",
    "partials/post_list.html",
    "partials/handle_form.html",
    "admin/base.html",
    "admin/posts.html",
    "admin/editor.html",
    "admin/delete.html",
    "admin/fediverse.html",
    "admin/comments.html",
    "admin/answer.html",
    "admin/answers.html",
    "admin/blocks.html",
    "admin/blocklist.html",
    "admin/reports.html",
    "admin/report.html",
    "admin/account.html",
    "admin/media.html",
    "style.css",
];

#[derive(Clone)]
pub struct Templates {
    env: Arc<Environment<'static>>,
}

impl Templates {
    pub fn new(theme_dir: Option<PathBuf>, tz: chrono_tz::Tz) -> Templates {
        let mut env = Environment::new();
        env.set_loader(move |name| {
            if let Some(dir) = &theme_dir {
                let path = dir.join(name);
                // Names come from our own code, never from a request.
                if path.is_file() {
                    return std::fs::read_to_string(&path).map(Some).map_err(|err| {
                        minijinja::Error::new(
                            minijinja::ErrorKind::TemplateNotFound,
                            format!("cannot read theme file {}: {err}", path.display()),
                        )
                    });
                }
            }
            Ok(BUILTIN
                .iter()
                .find(|(builtin, _)| *builtin == name)
                .map(|(_, source)| (*source).to_owned()))
        });
        env.set_formatter(html_formatter);
        env.add_filter("date", format_date);
        env.add_filter("datetime", move |value: Value| format_datetime(value, tz));
        Templates { env: Arc::new(env) }
    }

    pub fn render(&self, name: &str, ctx: Value) -> AppResult<String> {
        let template = self
            .env
            .get_template(name)
            .with_context(|| format!("failed to load template {name}"))?;
        Ok(template
            .render(ctx)
            .with_context(|| format!("failed to render template {name}"))?)
    }
}

/// HTML escaping of the five significant characters. The default also
/// escapes `/`, which is harmless in quoted attributes but turns every URL
/// into `http:&#x2f;&#x2f;...`.
fn html_formatter(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    match value.as_str() {
        Some(text) if *state.auto_escape() != minijinja::AutoEscape::None && !value.is_safe() => {
            let failed =
                |_| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "write failed");
            // Runs of plain text are written whole, each special character as
            // its entity.
            let mut rest = text;
            while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
                let entity = match rest.as_bytes()[at] {
                    b'&' => "&amp;",
                    b'<' => "&lt;",
                    b'>' => "&gt;",
                    b'"' => "&quot;",
                    _ => "&#x27;",
                };
                out.write_str(&rest[..at]).map_err(failed)?;
                out.write_str(entity).map_err(failed)?;
                rest = &rest[at + 1..];
            }
            out.write_str(rest).map_err(failed)
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// Any serialisable value as a template value.
pub fn to_value<T: serde::Serialize>(value: T) -> Value {
    Value::from(minijinja::value::Serde(value))
}

/// `{{ post.published_at | date }}` -> "29 November 2026".
fn format_date(value: Value) -> String {
    let text = value.as_str().unwrap_or_default();
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|d| d.format("%-d %B %Y").to_string())
        .unwrap_or_else(|_| text.to_owned())
}

/// `{{ time | datetime }}` -> "29 November 2026, 14:05 CET", in the blog's zone.
fn format_datetime(value: Value, tz: chrono_tz::Tz) -> String {
    let text = value.as_str().unwrap_or_default();
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|d| {
            d.with_timezone(&tz)
                .format("%-d %B %Y, %H:%M %Z")
                .to_string()
        })
        .unwrap_or_else(|_| text.to_owned())
}

/// What every page's layout needs.
pub fn base_context(config: &Config, user: Option<&user::Model>, csrf: Option<&str>) -> Value {
    let urls = crate::urls::Urls::new(config);
    let domain = urls.domain().unwrap_or_default();
    context! {
        blog => context! {
            title => config.blog.title.as_str(),
            description => config.blog.description.as_str(),
            language => config.blog.language.as_str(),
            url => urls.home(),
            domain => domain,
            handle => format!("@{}@{domain}", config.blog.username),
            me_links => config.blog.me_links.clone(),
            fediverse_creator => config.blog.fediverse_creator.as_deref().map(|h| format!("@{}", h.trim_start_matches('@'))),
        },
        user => user.map(|u| context! { username => u.username.as_str(), is_admin => u.is_admin }),
        csrf => csrf,
    }
}
