//! SeaORM entities: the shape of each table, nothing more.

pub mod activity;
pub mod actor;
pub mod api_token;
pub mod author_follower;
pub mod backfill_job;
pub mod block;
pub mod comment;
pub mod delivery;
pub mod delivery_host;
pub mod follower;
pub mod inbound_activity;
pub mod media;
pub mod outgoing_quote;
pub mod post;
pub mod post_tag;
pub mod quote;
pub mod reaction;
pub mod redirect;
pub mod report;
pub mod report_target;
pub mod secret;
pub mod session;
pub mod setting;
pub mod tag;
pub mod user;
