//! End-to-end tests in a real browser: headless Chromium, driven through
//! chromedriver, against the real server. A test is a scenario of named
//! steps; each step ends with a screenshot. A failure names its step and
//! keeps the screenshots; a pass removes them.
//!
//! Without Chromium and chromedriver the tests are skipped, except under
//! `CI`, where they fail.

mod chromedriver;
mod screenshots;

mod account;
mod admin_pages;
mod moderation;
mod writing;

use std::{any::Any, io::Write, panic::AssertUnwindSafe, time::Duration};

use fantoccini::{Client, Locator, elements::Element};
use futures_util::FutureExt;

use self::{
    chromedriver::{Chromedriver, Programs},
    screenshots::Screenshots,
};

/// How long to wait for a page or an element: generous, for busy machines.
const WAIT: Duration = Duration::from_secs(30);

/// Runs `scenario` in a fresh browser against the server at `base`.
pub async fn run(test: &str, base: &str, scenario: impl AsyncFnOnce(&mut Browser)) {
    let programs = match Programs::find() {
        Ok(programs) => programs,
        Err(missing) => return skip_or_fail(test, &missing),
    };
    let shots = Screenshots::new(test);
    let log = shots.dir().join("chromedriver.log");
    let driver = Chromedriver::start(&programs.chromedriver, &log).await;
    let client = driver.open(&programs.chromium).await;
    let mut browser = Browser {
        client,
        base: base.trim_end_matches('/').to_owned(),
        steps: 0,
        step: None,
        shots,
        _driver: driver,
    };
    let outcome = AssertUnwindSafe(scenario(&mut browser))
        .catch_unwind()
        .await;
    browser.finish(outcome).await;
}

fn skip_or_fail(test: &str, missing: &str) {
    let install = "install chromium and chromium-driver (apt install chromium chromium-driver)";
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
    assert!(!ci, "{test}: no browser to test with: {missing}; {install}");
    // Straight to standard error: the test harness hides what passing tests print.
    let _ = writeln!(std::io::stderr(), "{test}: skipped: {install}; {missing}");
}

/// A browser session and the test's screenshots.
pub struct Browser {
    client: Client,
    base: String,
    steps: usize,
    step: Option<String>,
    shots: Screenshots,
    // Declared last: dropped once the session is closed.
    _driver: Chromedriver,
}

impl Browser {
    /// The test's own folder (its screenshots' too), for files it needs.
    pub fn folder(&self) -> &std::path::Path {
        self.shots.dir()
    }

    /// Ends the current step with its screenshot and begins the next.
    pub async fn step(&mut self, name: &str) {
        if let Some(done) = self.step.take() {
            self.screenshot(&done).await;
        }
        self.steps += 1;
        self.step = Some(name.to_owned());
    }

    async fn screenshot(&mut self, label: &str) {
        let png = tokio::time::timeout(WAIT, self.client.screenshot()).await;
        match png {
            Ok(Ok(png)) => self.shots.save(self.steps, label, &png),
            Ok(Err(err)) => panic!("screenshot of “{label}” failed: {err}"),
            Err(_) => panic!("screenshot of “{label}” took over {WAIT:?}"),
        }
    }

    async fn finish(mut self, outcome: Result<(), Box<dyn Any + Send>>) {
        let Err(panic) = outcome else {
            if let Err(err) = self.client.clone().close().await {
                let _ = writeln!(std::io::stderr(), "closing the browser failed: {err}");
            }
            return self.shots.discard();
        };
        let step = self.step.take().unwrap_or_else(|| "start".into());
        let url = self.url().await;
        // The page as the step left it; if even that fails, the step's own
        // failure is the one to report.
        let _ = AssertUnwindSafe(self.screenshot(&format!("{step} failed")))
            .catch_unwind()
            .await;
        let _ = self.client.clone().close().await;
        panic!(
            "browser test failed in step {} “{step}” at {url}: {}\n\
             screenshots and chromedriver.log are in {}",
            self.steps,
            message(&panic),
            self.shots.dir().display()
        );
    }

    async fn url(&self) -> String {
        match self.client.current_url().await {
            Ok(url) => url.to_string(),
            Err(err) => format!("(unknown page: {err})"),
        }
    }

    /// Opens `path` on the blog, as if typed into the address bar.
    pub async fn visit(&self, path: &str) {
        let url = format!("{}{path}", self.base);
        self.client
            .goto(&url)
            .await
            .unwrap_or_else(|err| panic!("failed to open {url}: {err}"));
    }

    /// Waits for the element at `xpath`; `what` says what it is in the message
    /// when it never appears.
    pub async fn find(&self, xpath: &str, what: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::XPath(xpath))
            .await
        {
            Ok(element) => element,
            Err(err) => panic!(
                "waited in vain for {what} ({xpath}) on {}: {err}",
                self.url().await
            ),
        }
    }

    /// Checks that the page shows `what`, waiting for it if need be.
    pub async fn see(&self, xpath: &str, what: &str) {
        self.find(xpath, what).await;
    }

    /// Types `text` into the field labelled `label` (its label starts so).
    pub async fn fill(&self, label: &str, text: &str) {
        let xpath = format!(
            "//*[@id=//label[starts-with(normalize-space(), {})]/@for]",
            literal(label)
        );
        let field = self.find(&xpath, &format!("the field “{label}”")).await;
        field.clear().await.expect("field cleared");
        field.send_keys(text).await.expect("text typed");
    }

    /// Chooses the file at `path` in the file field labelled `label`.
    pub async fn attach(&self, label: &str, path: &std::path::Path) {
        let xpath = format!(
            "//input[@type='file'][@id=//label[starts-with(normalize-space(), {})]/@for]",
            literal(label)
        );
        let field = self
            .find(&xpath, &format!("the file field “{label}”"))
            .await;
        field
            .send_keys(&path.display().to_string())
            .await
            .expect("file chosen");
    }

    /// The value of the field labelled `label`.
    pub async fn value(&self, label: &str) -> String {
        let xpath = format!(
            "//*[@id=//label[starts-with(normalize-space(), {})]/@for]",
            literal(label)
        );
        let field = self.find(&xpath, &format!("the field “{label}”")).await;
        field
            .prop("value")
            .await
            .expect("field value")
            .unwrap_or_default()
    }

    /// Clicks the element at `xpath`.
    pub async fn click(&self, xpath: &str, what: &str) {
        let element = self.find(xpath, what).await;
        element
            .click()
            .await
            .unwrap_or_else(|err| panic!("clicking {what} failed: {err}"));
    }

    /// Clicks the link whose text is `text`, under `within` (an XPath, or "").
    pub async fn click_link(&self, within: &str, text: &str) {
        let xpath = format!(
            "{within}//a[starts-with(normalize-space(), {})]",
            literal(text)
        );
        self.click(&xpath, &format!("the link “{text}”")).await;
    }

    /// Clicks the button whose text is `text`, under `within` (an XPath, or "").
    pub async fn click_button(&self, within: &str, text: &str) {
        let xpath = format!("{within}//button[normalize-space()={}]", literal(text));
        self.click(&xpath, &format!("the button “{text}”")).await;
    }

    /// Clicks an entry of the admin menu.
    pub async fn menu(&self, entry: &str) {
        self.click_link("//nav[@aria-label='Admin']", entry).await;
    }

    /// Logs in through the login form as `name`.
    pub async fn log_in(&mut self, name: &str) {
        self.step("log in").await;
        self.visit("/login").await;
        self.fill("Username", name).await;
        self.fill("Password", crate::helpers::PASSWORD).await;
        self.click_button("", "Log in").await;
        self.see(
            &format!(
                "//nav[@aria-label='Admin']//button[contains(., {})]",
                literal(name)
            ),
            "the admin menu with the log-out button",
        )
        .await;
    }
}

/// `text` as an XPath string literal.
pub fn literal(text: &str) -> String {
    assert!(!text.contains('\''), "no quotes in XPath text: {text}");
    format!("'{text}'")
}

fn message(panic: &Box<dyn Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}
