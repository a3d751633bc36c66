//! The integration suite: every test runs the real server on a bound port
//! against a fresh database (SQLite, or PostgreSQL when TEST_DATABASE_URL is set).

mod helpers;

mod auth;
mod cli;
mod config;
mod editor;
mod feeds;
mod public_pages;
mod restart;
