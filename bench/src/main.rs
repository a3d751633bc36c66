//! Benchmarks, each beside a reference measured in the same run:
//! `cargo build --release --workspace`, then `target/release/bench SCENARIO` with
//! SCENARIO one of `read`, `footprint`, `bigthread`, `inbox`, `storm`,
//! `fanout` (or `all`); `layout` writes the order in which the linker places
//! the server's functions. The server under test is the release `blog` binary
//! beside this one. Everything runs on loopback, is bounded in time and stops
//! by itself. `BENCH_DATABASE_URL` (a PostgreSQL server URL) runs them on a
//! fresh PostgreSQL database instead of SQLite.

mod bigthread;
mod browser;
mod fanout;
mod inbox;
mod layout;
mod load;
mod openloop;
mod peers;
mod read;
mod seed;
mod signing;
mod stampede;
mod storm;

use std::process::ExitCode;

const SCENARIOS: &str = "read, footprint, bigthread, inbox, storm, fanout, all, or layout";

#[tokio::main]
async fn main() -> ExitCode {
    let scenario = std::env::args().nth(1).unwrap_or_else(|| "all".into());
    let result = match scenario.as_str() {
        "read" => read::run().await,
        "footprint" => read::footprint().await,
        // `scaling` measured the same with 1,000 replies.
        "bigthread" | "scaling" => bigthread::run().await,
        "inbox" => inbox::run().await,
        "storm" => storm::run().await,
        "fanout" => fanout::run().await,
        // Not a measurement: writes the linker's order of functions.
        "layout" => layout::run().await,
        "all" => {
            async {
                bigthread::run().await?;
                read::footprint().await?;
                read::run().await?;
                inbox::run().await?;
                storm::run().await?;
                fanout::run().await
            }
            .await
        }
        other => Err(anyhow::anyhow!("unknown scenario {other}: use {SCENARIOS}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("bench failed: {err:#}");
            ExitCode::FAILURE
        }
    }
}
