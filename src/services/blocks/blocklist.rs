//! Shared domain blocklists in Mastodon's CSV format
//! (`#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate`):
//! read one into what it would block, show what applying it changes, apply
//! it, and write ours in the same format.

use std::collections::BTreeSet;

use anyhow::Context;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;

use super::BlockKind;
use crate::{
    domain::HostName,
    entities::{actor, block, comment, follower},
};

/// The header Mastodon writes and reads.
const HEADER: [&str; 6] = [
    "#domain",
    "#severity",
    "#reject_media",
    "#reject_reports",
    "#public_comment",
    "#obfuscate",
];

/// A server the list blocks, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub domain: HostName,
    pub reason: Option<String>,
}

/// A line that blocks nothing here, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub line: u64,
    pub text: String,
    pub why: &'static str,
}

/// A blocklist as read: what it blocks, in file order and each server once,
/// and the lines it skips.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Blocklist {
    pub entries: Vec<Entry>,
    pub skipped: Vec<Skipped>,
}

/// Where each column is: from the header when there is one, else a bare
/// list of servers with an optional severity beside each.
struct Columns {
    domain: usize,
    severity: Option<usize>,
    comment: Option<usize>,
}

impl Columns {
    fn from_header(record: &csv::StringRecord) -> Option<Columns> {
        let names: Vec<String> = record
            .iter()
            .map(|f| f.trim().trim_start_matches('#').to_ascii_lowercase())
            .collect();
        let find = |name: &str| names.iter().position(|n| n == name);
        Some(Columns {
            domain: find("domain")?,
            severity: find("severity"),
            comment: find("public_comment").or_else(|| find("comment")),
        })
    }

    const BARE: Columns = Columns {
        domain: 0,
        severity: Some(1),
        comment: None,
    };
}

impl Blocklist {
    /// Reads a blocklist. Only suspensions block here: limits (`silence`)
    /// and `noop` rows are skipped, and so are obfuscated names
    /// (`ex*mple.com`) and anything that is not a server's name.
    pub fn parse(text: &str) -> Blocklist {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let mut list = Blocklist::default();
        let mut columns = None;
        let mut seen = BTreeSet::new();
        for (index, record) in reader.records().enumerate() {
            let Ok(record) = record else {
                list.skipped.push(Skipped {
                    line: index as u64 + 1,
                    text: String::new(),
                    why: "not readable as CSV",
                });
                continue;
            };
            let line = record.position().map_or(index as u64 + 1, |p| p.line());
            if record.iter().all(str::is_empty) {
                continue;
            }
            if columns.is_none()
                && let Some(header) = Columns::from_header(&record)
            {
                columns = Some(header);
                continue;
            }
            let at = columns.get_or_insert(Columns::BARE);
            let field = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or_default();
            let raw = field(Some(at.domain));
            let skip = |why| Skipped {
                line,
                text: raw.to_owned(),
                why,
            };
            let severity = field(at.severity).to_ascii_lowercase();
            if !matches!(severity.as_str(), "" | "suspend") {
                list.skipped.push(skip(if severity == "silence" {
                    "a limit (silence): this blog blocks whole servers only"
                } else {
                    "no block asked for"
                }));
                continue;
            }
            if raw.contains('*') {
                list.skipped.push(skip("the name is obfuscated"));
                continue;
            }
            let Ok(domain) = HostName::parse(raw) else {
                list.skipped.push(skip("not a server's name"));
                continue;
            };
            if !seen.insert(domain.to_string()) {
                list.skipped.push(skip("listed twice"));
                continue;
            }
            let reason = Some(field(at.comment).to_owned()).filter(|r| !r.is_empty());
            list.entries.push(Entry { domain, reason });
        }
        list
    }
}

/// What blocking one server of a list would change here.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub domain: String,
    pub reason: Option<String>,
    /// Followers from there, who are removed.
    pub followers: usize,
    /// Comments from there, which are hidden.
    pub comments: usize,
}

/// A blocklist held against the blocks in place.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Preview {
    /// Servers not blocked yet.
    pub new: Vec<Change>,
    /// Servers a block in place already covers.
    pub already: Vec<String>,
    pub skipped: Vec<Skipped>,
}

/// What applying `list` would do, without doing it.
pub async fn preview(db: &DatabaseConnection, list: Blocklist) -> anyhow::Result<Preview> {
    let current = super::list(db).await?;
    let followers: Vec<String> = follower::Entity::find()
        .inner_join(actor::Entity)
        .select_only()
        .column(actor::Column::ApId)
        .into_tuple()
        .all(db)
        .await
        .context("failed to load followers")?;
    let commenters: Vec<(String, i64)> = comment::Entity::find()
        .inner_join(actor::Entity)
        .select_only()
        .column(actor::Column::ApId)
        .column_as(comment::Column::Id.count(), "n")
        .filter(comment::Column::Visible.eq(true))
        .group_by(actor::Column::ApId)
        .into_tuple()
        .all(db)
        .await
        .context("failed to count comments by author")?;
    // Each server read once, then compared with every entry of the list.
    let followers: Vec<HostName> = followers.iter().filter_map(|f| HostName::of(f)).collect();
    let commenters: Vec<(HostName, usize)> = commenters
        .iter()
        .filter_map(|(author, n)| Some((HostName::of(author)?, usize::try_from(*n).unwrap_or(0))))
        .collect();
    let mut preview = Preview {
        skipped: list.skipped,
        ..Preview::default()
    };
    for entry in list.entries {
        let domain = entry.domain.to_string();
        if current.covers(&entry.domain) {
            preview.already.push(domain);
            continue;
        }
        preview.new.push(Change {
            followers: followers
                .iter()
                .filter(|host| host.is_within(&entry.domain))
                .count(),
            comments: commenters
                .iter()
                .filter(|(host, _)| host.is_within(&entry.domain))
                .map(|(_, n)| n)
                .sum(),
            domain,
            reason: entry.reason,
        });
    }
    Ok(preview)
}

/// Blocks every server of `list` not blocked yet, with the reason the list
/// gives. Returns how many were added and the posts whose comments changed.
pub async fn apply(db: &DatabaseConnection, list: Blocklist) -> anyhow::Result<(usize, Vec<i32>)> {
    let current = super::list(db).await?;
    let mut added = 0;
    let mut posts = BTreeSet::new();
    for entry in list.entries {
        if current.covers(&entry.domain) {
            continue;
        }
        let changed = super::add(
            db,
            BlockKind::Domain,
            entry.domain.as_str(),
            entry.reason.as_deref(),
        )
        .await?;
        posts.extend(changed);
        added += 1;
    }
    Ok((added, posts.into_iter().collect()))
}

/// The servers blocked here, as a blocklist another server can import.
pub async fn export_csv(db: &DatabaseConnection) -> anyhow::Result<Vec<u8>> {
    use sea_orm::QueryOrder;
    let blocked = block::Entity::find()
        .filter(block::Column::Kind.eq(BlockKind::Domain))
        .order_by_asc(block::Column::Value)
        .all(db)
        .await
        .context("failed to load blocks")?;
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(HEADER)
        .context("failed to write the CSV header")?;
    for row in blocked {
        let reason = row.reason.unwrap_or_default();
        out.write_record([&row.value, "suspend", "true", "true", &reason, "false"])
            .context("failed to write a block")?;
    }
    out.into_inner().context("failed to finish the CSV")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domains(list: &Blocklist) -> Vec<&str> {
        list.entries.iter().map(|e| e.domain.as_str()).collect()
    }

    #[test]
    fn mastodons_export_is_read_with_its_reasons() {
        let list = Blocklist::parse(
            "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n\
             spam.example,suspend,true,true,Spam and harassment,false\n\
             loud.example,silence,false,false,Too loud,false\n\
             quiet.example,noop,true,false,,false\n\
             EVIL.example.,suspend,false,false,\"Hate, and more\",false\n\
             ev*l.example,suspend,false,false,,true\n\
             spam.example,suspend,false,false,,false\n\
             not a host,suspend,false,false,,false\n",
        );
        assert_eq!(domains(&list), ["spam.example", "evil.example"]);
        assert_eq!(
            list.entries[0].reason.as_deref(),
            Some("Spam and harassment")
        );
        assert_eq!(list.entries[1].reason.as_deref(), Some("Hate, and more"));
        let skipped: Vec<(u64, &str)> = list.skipped.iter().map(|s| (s.line, s.why)).collect();
        assert_eq!(
            skipped,
            [
                (3, "a limit (silence): this blog blocks whole servers only"),
                (4, "no block asked for"),
                (6, "the name is obfuscated"),
                (7, "listed twice"),
                (8, "not a server's name"),
            ]
        );
    }

    #[test]
    fn a_bare_list_of_servers_blocks_each() {
        let list =
            Blocklist::parse("\u{feff}one.example\n\ntwo.example,suspend\nthree.example,silence\n");
        assert_eq!(domains(&list), ["one.example", "two.example"]);
        assert_eq!(list.skipped.len(), 1);
    }

    #[test]
    fn columns_are_found_by_name_in_any_order() {
        let list = Blocklist::parse("domain,public_comment,severity\nx.example,why,suspend\n");
        assert_eq!(domains(&list), ["x.example"]);
        assert_eq!(list.entries[0].reason.as_deref(), Some("why"));
    }
}
