//! The business rules. The only code that writes entities; knows neither HTTP
//! nor the ActivityPub wire format.

pub mod actors;
pub mod backup;
pub mod blocks;
pub mod comments;
pub mod deliveries;
pub mod followers;
pub mod outbox;
pub mod posts;
pub mod reactions;
pub mod received;
pub mod secrets;
pub mod sessions;
pub mod users;
