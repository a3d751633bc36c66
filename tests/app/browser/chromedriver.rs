//! Chromium and chromedriver: finding both, running the driver on a port of
//! its own, and opening a headless session in it.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

/// How long the driver and the browser get to start on a busy machine.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The two programs a browser test needs.
pub struct Programs {
    pub chromedriver: PathBuf,
    pub chromium: PathBuf,
}

impl Programs {
    /// `CHROMEDRIVER` and `CHROME` when set, otherwise Debian's paths, otherwise
    /// the `PATH`; the error names what is missing.
    pub fn find() -> Result<Programs, String> {
        let chromedriver = program("CHROMEDRIVER", "/usr/bin/chromedriver", &["chromedriver"]);
        let chromium = program(
            "CHROME",
            "/usr/bin/chromium",
            &["chromium", "chromium-browser", "google-chrome"],
        );
        match (chromedriver, chromium) {
            (Ok(chromedriver), Ok(chromium)) => Ok(Programs {
                chromedriver,
                chromium,
            }),
            (Err(a), Err(b)) => Err(format!("{a}; {b}")),
            (Err(missing), _) | (_, Err(missing)) => Err(missing),
        }
    }
}

fn program(variable: &str, default: &str, names: &[&str]) -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os(variable).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!("{variable}={} does not exist", path.display()))
        };
    }
    let default = PathBuf::from(default);
    if default.is_file() {
        return Ok(default);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| format!("no {} ({variable} unset, not in PATH)", names[0]))
}

/// A running chromedriver; it and the browsers it started are killed when
/// this is dropped, even if the test panicked before closing its session.
pub struct Chromedriver {
    child: Child,
    pub url: String,
    log: PathBuf,
}

impl Chromedriver {
    /// Starts the driver on a free port, writing its log to `log`, and waits
    /// until it says it is ready.
    pub async fn start(program: &Path, log: &Path) -> Chromedriver {
        let mut child = Command::new(program)
            .arg("--port=0")
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|err| panic!("failed to start {}: {err}", program.display()));
        let stdout = child.stdout.take().expect("chromedriver's output");
        let mut lines = BufReader::new(stdout).lines();
        let port = tokio::time::timeout(START_TIMEOUT, async {
            while let Some(line) = lines.next_line().await.expect("chromedriver's output") {
                // "ChromeDriver was started successfully on port 45953."
                if let Some((_, port)) = line.split_once("started successfully on port ") {
                    return port.trim_end_matches('.').parse::<u16>().ok();
                }
            }
            None
        })
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("chromedriver did not start; see {}", log.display()));
        // Keep reading, so that the driver never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let driver = Chromedriver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log: log.to_owned(),
        };
        driver.wait_until_ready().await;
        driver
    }

    async fn wait_until_ready(&self) {
        let status = format!("{}/status", self.url);
        let started = Instant::now();
        loop {
            let ready = match reqwest::get(&status).await {
                Ok(response) => response
                    .json::<serde_json::Value>()
                    .await
                    .is_ok_and(|body| body["value"]["ready"] == true),
                Err(_) => false,
            };
            if ready {
                return;
            }
            assert!(
                started.elapsed() < START_TIMEOUT,
                "chromedriver at {status} did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A new headless Chromium session, the size of a laptop screen.
    pub async fn open(&self, chromium: &Path) -> Client {
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new",
                    // Tests run as root in CI, where the sandbox refuses to start.
                    "--no-sandbox",
                    // Containers have a tiny /dev/shm.
                    "--disable-dev-shm-usage",
                    "--window-size=1280,1024",
                    // The test fediverse's host names (blog.test, peer.test) are on loopback.
                    "--host-resolver-rules=MAP *.test 127.0.0.1",
                    "--no-first-run",
                    "--no-default-browser-check",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--password-store=basic",
                ],
            },
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("capabilities are an object");
        };
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(capabilities);
        match tokio::time::timeout(START_TIMEOUT, builder.connect(&self.url)).await {
            Ok(Ok(client)) => client,
            Ok(Err(err)) => panic!("Chromium did not start: {err}; see {}", self.log.display()),
            Err(_) => panic!(
                "Chromium did not start within {START_TIMEOUT:?}; see {}",
                self.log.display()
            ),
        }
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // Chromium outlives a killed driver, and its helpers end with it. The
        // driver stays in the test's process group so that Ctrl-C ends all.
        let Some(driver) = self.child.id() else {
            return;
        };
        for browser in children(driver) {
            // SAFETY: sends a signal to a process this driver started; touches no memory.
            unsafe {
                libc::kill(browser, libc::SIGKILL);
            }
        }
    }
}

/// The processes that `pid` started (any of its threads may have started them).
fn children(pid: u32) -> Vec<i32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
        .flat_map(|list| {
            list.split_whitespace()
                .filter_map(|child| child.parse().ok())
                .collect::<Vec<i32>>()
        })
        .collect()
}
