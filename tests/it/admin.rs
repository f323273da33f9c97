//! An admin session over HTTP (login, CSRF token, form posts), for the
//! tests that drive the admin pages as a person's browser would.

use reqwest::StatusCode;

/// Logs in to the admin pages over HTTP, carrying the cookies by hand.
pub struct AdminClient {
    base: String,
    client: reqwest::Client,
    cookies: String,
    /// The session's CSRF token, for the forms.
    pub csrf: String,
}

impl AdminClient {
    /// Logs in to the admin of the app whose API lives at `api` (`…/athm`).
    pub async fn login(api: &str, password: &str) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .expect("a client");
        let base = format!("{api}/admin");
        let page = client
            .get(format!("{base}/login"))
            .send()
            .await
            .expect("login page");
        let login_cookie = cookies_of(&page);
        let body = page.text().await.expect("login body");
        let csrf = hidden(&body, "csrf");
        let next = hidden_or(&body, "next", "");
        let answer = client
            .post(format!("{base}/login"))
            .header("cookie", &login_cookie)
            .form(&[("password", password), ("csrf", &csrf), ("next", &next)])
            .send()
            .await
            .expect("login");
        assert_eq!(answer.status(), StatusCode::SEE_OTHER, "logged in");
        let cookies = cookies_of(&answer);
        let mut admin = Self {
            base,
            client,
            cookies,
            csrf: String::new(),
        };
        let payments = admin
            .client
            .get(format!("{}/payments", admin.base))
            .header("cookie", &admin.cookies)
            .send()
            .await
            .expect("payments page")
            .text()
            .await
            .expect("payments body");
        admin.csrf = hidden(&payments, "csrf");
        admin
    }

    /// Posts `form` to `path` (under `/admin`); the answer's body.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> String {
        let (_, body) = self.try_post(path, form).await.expect("admin POST");
        body
    }

    /// Posts `form` to `path` (under `/admin`); the answer's status and body,
    /// or why there was none.
    pub async fn try_post(
        &self,
        path: &str,
        form: &[(&str, &str)],
    ) -> Result<(StatusCode, String), reqwest::Error> {
        let answer = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookies)
            .form(form)
            .send()
            .await?;
        let status = answer.status();
        Ok((status, answer.text().await?))
    }
}

/// The `name=value` pairs of a response's `Set-Cookie` headers, as one `Cookie` header.
fn cookies_of(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter(|pair| !pair.ends_with('='))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The value of the hidden input `name` in an HTML page.
pub fn hidden(page: &str, name: &str) -> String {
    hidden_value(page, name).unwrap_or_else(|| panic!("no input {name} in {page}"))
}

fn hidden_or(page: &str, name: &str, default: &str) -> String {
    hidden_value(page, name).unwrap_or_else(|| default.to_string())
}

/// The value of the hidden input `name` in an HTML page, if it has one.
pub fn hidden_value(page: &str, name: &str) -> Option<String> {
    let at = page.find(&format!("name=\"{name}\""))?;
    let tag_start = page[..at].rfind('<')?;
    let tag_end = at + page[at..].find('>')?;
    let tag = &page[tag_start..tag_end];
    let value = tag.split("value=\"").nth(1)?;
    Some(value.split('"').next()?.replace("&amp;", "&"))
}
