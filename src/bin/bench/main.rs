//! Benchmarks, each beside a reference measured in the same run:
//! `cargo build --release --bins`, then `target/release/bench SCENARIO` with
//! SCENARIO one of `read`, `footprint`, `scaling`, `inbox`, `fanout` (or
//! `all`). The server under test is the release `blog` binary beside this
//! one. Everything runs on loopback, is bounded in time and stops by itself.
//! `inbox` signs `BENCH_INBOX_REQUESTS` requests (10,000) before it starts
//! the clock.

mod browser;
mod fanout;
mod inbox;
mod load;
mod read;
mod scaling;
mod seed;
mod signing;

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let scenario = std::env::args().nth(1).unwrap_or_else(|| "all".into());
    let result = match scenario.as_str() {
        "read" => read::run().await,
        "footprint" => read::footprint().await,
        "scaling" => scaling::run().await,
        "inbox" => inbox::run().await,
        "fanout" => fanout::run().await,
        "all" => {
            async {
                scaling::run().await?;
                read::footprint().await?;
                read::run().await?;
                inbox::run().await?;
                fanout::run().await
            }
            .await
        }
        other => Err(anyhow::anyhow!(
            "unknown scenario {other}: use read, footprint, scaling, inbox, fanout or all"
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("bench failed: {err:#}");
            ExitCode::FAILURE
        }
    }
}
