//! Old addresses of imported posts (`/2014/05/01/customer-service/`,
//! `/?p=123`), so links from elsewhere keep working.
//!
//! Paths are stored percent-decoded, with the query only when it names a
//! post (`?p=123`); a request is looked up in the same form, so
//! `/2015/03/%D0%BF%D1%80/` and `/2015/03/%d0%bf%d1%80/` find the same post.

use std::collections::HashSet;

use anyhow::Context;
use chrono::Utc;
use percent_encoding::percent_decode_str;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait,
    QuerySelect,
};

use super::posts::PostStatus;
use crate::entities::{post, redirect};
use crate::urls::post_path;

/// The form a path and query are stored and looked up in.
pub fn normalise(path: &str, query: Option<&str>) -> String {
    let path = percent_decode_str(path).decode_utf8_lossy();
    let post_id = query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|pair| {
            pair.strip_prefix("p=")
                .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
        });
    match post_id {
        Some(id) => format!("{path}?p={id}"),
        None => path.into_owned(),
    }
}

/// The paths old links to a post use: its permalink with and without the
/// trailing slash, and `?p=ID` under the old blog's address.
pub fn old_paths(link: &str, site_url: &str, post_id: Option<i64>) -> Vec<String> {
    let mut paths = Vec::new();
    if let Ok(url) = url::Url::parse(link) {
        let path = normalise(url.path(), url.query());
        if !path.contains('?') && path != "/" {
            match path.strip_suffix('/') {
                Some(bare) => paths.extend([path.clone(), bare.to_owned()]),
                None => paths.extend([path.clone(), format!("{path}/")]),
            }
        } else if path != "/" {
            paths.push(path);
        }
    }
    if let Some(id) = post_id.filter(|id| *id > 0) {
        let base = url::Url::parse(site_url)
            .map(|u| u.path().trim_end_matches('/').to_owned())
            .unwrap_or_default();
        let by_id = normalise(&format!("{base}/"), Some(&format!("p={id}")));
        if !paths.contains(&by_id) {
            paths.push(by_id);
        }
    }
    paths
}

/// Every stored path, to skip those that exist when adding more.
pub async fn stored_paths(db: &impl ConnectionTrait) -> anyhow::Result<HashSet<String>> {
    let rows: Vec<String> = redirect::Entity::find()
        .select_only()
        .column(redirect::Column::FromPath)
        .into_tuple()
        .all(db)
        .await
        .context("failed to load redirects")?;
    Ok(rows.into_iter().collect())
}

pub async fn add(db: &impl ConnectionTrait, from_path: &str, post_id: i32) -> anyhow::Result<()> {
    redirect::ActiveModel {
        from_path: Set(from_path.to_owned()),
        post_id: Set(post_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .with_context(|| format!("failed to store the redirect from {from_path}"))?;
    Ok(())
}

/// Where an old address now lives: the permalink of a published post (a
/// deleted one answers 410 there). Drafts are not revealed.
pub async fn target(
    db: &DatabaseConnection,
    path: &str,
    query: Option<&str>,
) -> anyhow::Result<Option<String>> {
    let from = normalise(path, query);
    let found = redirect::Entity::find_by_from_path(from.as_str())
        .find_also_related(post::Entity)
        .one(db)
        .await
        .with_context(|| format!("failed to look up the redirect from {from}"))?;
    Ok(found
        .and_then(|(_, post)| post)
        .filter(|p| p.status == PostStatus::Published)
        .map(|p| post_path(&p.slug)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_permalink_gives_both_slash_forms_and_the_id_form() {
        assert_eq!(
            old_paths(
                "https://old.example/blog/2014/05/01/customer-service/",
                "https://old.example/blog",
                Some(123)
            ),
            [
                "/blog/2014/05/01/customer-service/",
                "/blog/2014/05/01/customer-service",
                "/blog/?p=123"
            ]
        );
        assert_eq!(
            old_paths("https://old.example/?p=9", "https://old.example", Some(9)),
            ["/?p=9"]
        );
    }

    #[test]
    fn lookups_ignore_percent_case_and_other_parameters() {
        assert_eq!(normalise("/a/%D0%BF/", None), "/a/п/");
        assert_eq!(normalise("/a/%d0%bf/", Some("utm_source=x")), "/a/п/");
        assert_eq!(normalise("/", Some("utm=1&p=12")), "/?p=12");
        assert_eq!(normalise("/", Some("p=x")), "/");
    }
}
