//! Database migrations, written once and run unchanged on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261129_000001_core;
mod m20261129_000002_federation;
mod m20261129_000003_comments;
mod m20261129_000004_session_epoch;
mod m20261129_000005_publishing;
mod m20261129_000006_threads;
mod m20261129_000007_inbound;
mod m20261202_000008_thread_answers;
mod m20261205_000009_block_hosts;
mod m20261205_000010_closed_sets;
mod m20261205_000011_post_settings;
mod m20261205_000012_quotes;
mod m20261205_000013_backfill;
mod m20261205_000014_quoting;
mod m20261205_000015_block_reasons;
mod m20261205_000016_reports;
mod m20261205_000017_settings;
mod m20261205_000018_author_accounts;
mod m20261205_000019_last_login;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_core::Migration),
            Box::new(m20261129_000002_federation::Migration),
            Box::new(m20261129_000003_comments::Migration),
            Box::new(m20261129_000004_session_epoch::Migration),
            Box::new(m20261129_000005_publishing::Migration),
            Box::new(m20261129_000006_threads::Migration),
            Box::new(m20261129_000007_inbound::Migration),
            Box::new(m20261202_000008_thread_answers::Migration),
            Box::new(m20261205_000009_block_hosts::Migration),
            Box::new(m20261205_000010_closed_sets::Migration),
            Box::new(m20261205_000011_post_settings::Migration),
            Box::new(m20261205_000012_quotes::Migration),
            Box::new(m20261205_000013_backfill::Migration),
            Box::new(m20261205_000014_quoting::Migration),
            Box::new(m20261205_000015_block_reasons::Migration),
            Box::new(m20261205_000016_reports::Migration),
            Box::new(m20261205_000017_settings::Migration),
            Box::new(m20261205_000018_author_accounts::Migration),
            Box::new(m20261205_000019_last_login::Migration),
        ]
    }
}
