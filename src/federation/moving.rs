//! Accounts that move: the blog's `Move` to another account, after reading
//! that account from its server (found through WebFinger or by id), and a
//! follower's `Move` (see `activities::relocate`), checked the same way.

use activitypub_federation::fetch::{fetch_object_http, webfinger::webfinger_resolve_actor};
use serde_json::Value;
use url::Url;

use super::{FedContext, Federation, actor::RemoteActor};
use crate::services::identity::{Account, Directory, Found};

/// The ids an actor document lists in `alsoKnownAs` (one or a list, each
/// an id or an embedded object).
pub fn also_known_as(actor: &Value) -> Vec<String> {
    let items = match actor.get("alsoKnownAs") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    };
    items
        .into_iter()
        .filter_map(super::activities::embedded_id)
        .map(str::to_owned)
        .collect()
}

/// Reads the actor at `id` fresh from its server (not from what the blog
/// kept), keeps it, and returns its document too.
pub async fn read_actor(data: &FedContext, id: &Url) -> Result<(RemoteActor, Value), String> {
    use activitypub_federation::traits::Object;
    let unreadable = |err: &dyn std::fmt::Display| format!("Could not read {id}: {err}");
    let document = fetch_object_http::<_, Value>(id, data)
        .await
        .map_err(|err| unreadable(&err))?
        .object;
    let person: super::objects::person::RemotePerson =
        serde_json::from_value(document.clone()).map_err(|err| unreadable(&err))?;
    RemoteActor::verify(&person, id, data)
        .await
        .map_err(|err| unreadable(&err))?;
    let actor = RemoteActor::from_json(person, data)
        .await
        .map_err(|err| unreadable(&err))?;
    Ok((actor, document))
}

/// Finds accounts for the admin pages.
pub struct FedDirectory(pub Federation);

#[async_trait::async_trait]
impl Directory for FedDirectory {
    async fn look_up(&self, address: &str) -> Result<Found, String> {
        let data = self.0.to_request_data();
        let address = address.trim();
        let id = if address.starts_with("https://") || address.starts_with("http://") {
            Url::parse(address).map_err(|_| format!("{address} is not an address"))?
        } else {
            let handle = address.trim_start_matches('@');
            if !handle.contains('@') {
                return Err(format!(
                    "Type the account as name@server.example, or its address. {address} is neither."
                ));
            }
            let actor = webfinger_resolve_actor::<_, RemoteActor>(handle, &data)
                .await
                .map_err(|err| format!("Could not find {address}: {err}"))?;
            Url::parse(&actor.row.ap_id).map_err(|_| format!("{address} has no valid id"))?
        };
        if data.urls.is_ours(&id) {
            return Err("That is an address on this blog.".into());
        }
        let (actor, document) = read_actor(&data, &id).await?;
        let row = actor.row;
        Ok(Found {
            account: Account {
                handle: format!("@{}@{}", row.preferred_username, row.host),
                url: row.url.clone(),
                id: row.ap_id.clone(),
            },
            also_known_as: also_known_as(&document),
        })
    }
}
