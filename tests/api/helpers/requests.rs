//! Single requests, each one visible in the test that makes it.

use reqwest::{Response, StatusCode};

use super::pages::csrf_token;
use super::server::TestApp;

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// GETs a page that must answer 200, and returns its HTML.
    pub async fn get_html(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.text().await.unwrap()
    }

    /// POSTs a form as a browser would from `page`: with the CSRF token that page carries.
    pub async fn submit(&self, page: &str, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = csrf_token(page);
        let mut body: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        body.extend_from_slice(fields);
        self.client
            .post(self.url(path))
            .form(&body)
            .send()
            .await
            .unwrap()
    }

    /// Opens the confirmation page at `path` and confirms it, as a person clicking its
    /// button would: the form is posted back to `path` with the page's CSRF token.
    pub async fn confirm(&self, path: &str) -> Response {
        let page = self.get_html(path).await;
        self.submit(&page, path, &[]).await
    }

    /// The raw `Cookie` header this client would send.
    pub fn cookie_header(&self) -> Option<String> {
        use reqwest::cookie::CookieStore;
        self.jar
            .cookies(&self.address.parse().unwrap())
            .map(|v| v.to_str().unwrap().to_string())
    }

    /// A request to the API, without cookies.
    pub fn api(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        reqwest::Client::new().request(method, self.url(path))
    }

    /// The status of `GET /api/team` with `key` as a Bearer token.
    pub async fn team_status(&self, key: &str) -> StatusCode {
        self.api(reqwest::Method::GET, "/api/team")
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
            .status()
    }
}

/// A key-holding API client: every call sends the key as Basic auth and reads JSON back.
pub struct Api<'a> {
    pub app: &'a TestApp,
    pub key: String,
}

impl Api<'_> {
    /// Status and JSON body (`null` if none) of one API call.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (StatusCode, serde_json::Value) {
        let mut request = self.app.api(method, path).basic_auth("", Some(&self.key));
        if let Some(body) = body {
            request = request.json(&body);
        }
        status_and_json(request.send().await.unwrap()).await
    }

    /// Creates a campaign named `name` through the API; its id.
    pub async fn create_campaign(&self, name: &str) -> String {
        let body = Some(serde_json::json!({ "name": name }));
        let (status, created) = self
            .call(reqwest::Method::POST, "/api/campaigns", body)
            .await;
        assert_eq!(status, StatusCode::OK, "{created}");
        created["_id"].as_str().unwrap().to_string()
    }
}

/// Status and JSON body (`null` if none) of a response.
pub async fn status_and_json(response: Response) -> (StatusCode, serde_json::Value) {
    let status = response.status();
    (
        status,
        response.json().await.unwrap_or(serde_json::Value::Null),
    )
}
