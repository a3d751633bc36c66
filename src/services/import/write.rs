//! Writing converted items in the import's transaction: posts not seen
//! before, comments not seen before (also under posts imported earlier), and
//! old addresses not stored yet.

use std::collections::{BTreeSet, HashSet};

use sea_orm::ConnectionTrait;

use super::{
    Progress, Summary,
    convert::{Answer, Item},
};
use crate::services::{
    comments::{self, CommentStatus},
    posts::{self, PostStatus},
    redirects,
};

pub struct Writer<'a, C> {
    pub db: &'a C,
    pub author_id: i32,
    pub federate: bool,
    pub stored_paths: HashSet<String>,
    pub tags: BTreeSet<String>,
}

impl<C: ConnectionTrait> Writer<'_, C> {
    pub async fn write(
        &mut self,
        items: Vec<Item>,
        summary: &mut Summary,
        progress: &dyn Progress,
    ) -> anyhow::Result<()> {
        progress.begin("Writing", items.len() as u64);
        for item in items {
            self.item(item, summary).await?;
            progress.advance();
        }
        summary.tags = self.tags.len();
        progress.finish();
        Ok(())
    }

    async fn item(&mut self, item: Item, summary: &mut Summary) -> anyhow::Result<()> {
        let post_id = match posts::find_imported(self.db, &item.post.source).await? {
            Some(existing) => {
                summary.posts_existing += 1;
                existing.id
            }
            None => {
                let saved =
                    posts::insert_imported(self.db, self.author_id, &item.post, self.federate)
                        .await?;
                summary.posts_new += 1;
                match item.post.status {
                    PostStatus::Scheduled => summary.scheduled += 1,
                    PostStatus::Draft => summary.drafts += 1,
                    _ if self.federate => summary.announced += 1,
                    _ => {}
                }
                self.tags
                    .extend(item.post.tags.iter().map(|t| t.slug.to_string()));
                saved.id
            }
        };
        for path in &item.old_paths {
            if self.stored_paths.insert(path.clone()) {
                redirects::add(self.db, path, post_id).await?;
                summary.redirects += 1;
            }
        }
        summary.comments_spam += item.comments_skipped.spam;
        summary.comments_notices += item.comments_skipped.notices;
        self.comments(post_id, item.comments, summary).await
    }

    async fn comments(
        &mut self,
        post_id: i32,
        list: Vec<Answer>,
        summary: &mut Summary,
    ) -> anyhow::Result<()> {
        let ids: Vec<String> = list.iter().map(|(c, _)| c.ap_id.clone()).collect();
        let mut stored = comments::stored_ids(self.db, &ids).await?;
        for (comment, parent) in list {
            if stored.contains_key(&comment.ap_id) {
                summary.comments_existing += 1;
                continue;
            }
            // An answer to a comment that was left out (spam, say) is shown
            // as a reply to the post.
            let parent_id = parent.and_then(|p| stored.get(&p).copied());
            let saved = comments::insert_imported(self.db, post_id, parent_id, &comment).await?;
            summary.comments_new += 1;
            if comment.status == CommentStatus::Pending {
                summary.comments_pending += 1;
            }
            stored.insert(comment.ap_id, saved.id);
        }
        Ok(())
    }
}
