//! The integration suite: every test runs the real server on a bound port
//! against a fresh database (SQLite, or PostgreSQL when TEST_DATABASE_URL is set).

mod fediverse;
mod helpers;
mod peer;

mod app_tokens;
mod auth;
mod browser;
mod caching;
mod cli;
mod comment_pages;
mod config;
mod conversation;
mod delivery;
mod discovery;
mod editor;
mod errors;
mod feeds;
mod fixtures;
mod follows;
mod hardening;
mod import;
mod inbox_queue;
mod inbox_restart;
mod inbox_trust;
mod mastodon_display;
mod media;
mod micropub;
mod moderation;
mod mutations;
mod outgoing;
pub mod processes;
mod public_pages;
mod quotes;
mod reactions;
mod remote;
mod remote_links;
mod replies;
mod reply_controls;
mod reply_fixtures;
mod restart;
mod roles;
mod scheduling;
mod secrets_on_disk;
mod ssrf;
mod stored_values;
mod xss;
