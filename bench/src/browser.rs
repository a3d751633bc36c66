//! A person at the admin pages, as far as the blog can tell: a client that
//! keeps its cookies, loads forms for their CSRF token and posts them.

use std::collections::BTreeMap;

use axum::http::{Method, header};

/// A client with its cookies, for one blog.
pub struct Browser {
    client: reqwest::Client,
    base: String,
    cookies: BTreeMap<String, String>,
}

impl Browser {
    pub fn new(base: &str) -> anyhow::Result<Browser> {
        Ok(Browser {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
            base: base.to_owned(),
            cookies: BTreeMap::new(),
        })
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let request = self.client.request(method, format!("{}{path}", self.base));
        if cookie.is_empty() {
            request
        } else {
            request.header(header::COOKIE, cookie.join("; "))
        }
    }

    fn keep_cookies(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all(header::SET_COOKIE) {
            let pair = value
                .to_str()
                .ok()
                .and_then(|v| v.split(';').next())
                .and_then(|p| p.split_once('='));
            if let Some((name, value)) = pair {
                self.cookies.insert(name.trim().into(), value.trim().into());
            }
        }
    }

    /// Loads a form page; its CSRF token.
    pub async fn form_token(&mut self, path: &str) -> anyhow::Result<String> {
        let response = self.request(Method::GET, path).send().await?;
        self.keep_cookies(&response);
        anyhow::ensure!(
            response.status() == 200,
            "{path} answered {}",
            response.status()
        );
        let page = response.text().await?;
        let marker = r#"name="authenticity_token" value=""#;
        let start = page
            .find(marker)
            .ok_or_else(|| anyhow::anyhow!("{path} has no CSRF field"))?
            + marker.len();
        let token = page[start..].split('"').next().unwrap_or_default();
        Ok(token
            .replace("&#x2f;", "/")
            .replace("&#x3d;", "=")
            .replace("&#x2b;", "+"))
    }

    /// Posts a form; answers with its status.
    pub async fn submit(&mut self, path: &str, fields: &[(&str, &str)]) -> anyhow::Result<u16> {
        let response = self
            .request(Method::POST, path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(serde_html_form::to_string(fields)?)
            .send()
            .await?;
        self.keep_cookies(&response);
        Ok(response.status().as_u16())
    }
}
