//! A self-hosted blog server that lives on the fediverse.

pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
mod config_errors;
pub mod domain;
pub mod entities;
pub mod error;
pub mod federation;
pub mod files;
pub mod group_commit;
pub mod handle;
pub mod limits;
pub mod negotiation;
pub mod pages;
pub mod routes;
pub mod scheduler;
pub mod services;
pub mod state;
pub mod urls;
pub mod web;
