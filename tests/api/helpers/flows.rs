//! Named steps several tests share; each doc comment lists the requests the step makes.

use reqwest::{Response, StatusCode};

use super::pages::{
    form_token, hidden_setup_code, invite_path_on, key_id_on, member_id_on, revealed_key,
};
use super::server::TestApp;
use super::{ADMIN_EMAIL, ADMIN_NAME, ADMIN_PASSWORD, WORKSPACE};

impl TestApp {
    /// Creates the first workspace and admin, who is logged in afterwards: opens the
    /// setup link the server printed, whose code the form carries hidden.
    /// Requests: `GET /setup?code=…`, `POST /setup` (must answer 303).
    pub async fn set_up(&self) {
        let page = self.get_html(&self.setup_link().await).await;
        let code = hidden_setup_code(&page).expect("the link fills in the setup code");
        let response = self
            .submit(
                &page,
                "/setup",
                &[
                    ("setup_code", &code),
                    ("workspace", WORKSPACE),
                    ("name", ADMIN_NAME),
                    ("email", ADMIN_EMAIL),
                    ("password", ADMIN_PASSWORD),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "setup succeeds");
    }

    /// [`set_up`](Self::set_up), then [`create_key`](Self::create_key) "Integration".
    /// Requests: `GET /setup?code=…`, `POST /setup`, `GET /settings/integrations/keys/new`,
    /// `POST /settings/integrations/keys`.
    pub async fn set_up_with_key(&self) -> String {
        self.set_up().await;
        self.create_key("Integration").await
    }

    /// Logs in through the form and returns the answer to the POST.
    /// Requests: `GET /login`, `POST /login`.
    pub async fn log_in(&self, email: &str, password: &str) -> Response {
        let page = self.get("/login").await;
        assert_eq!(page.status(), StatusCode::OK, "the login form is shown");
        let page = page.text().await.unwrap();
        self.submit(&page, "/login", &[("email", email), ("password", password)])
            .await
    }

    /// A new browser logged in as a member added with [`add_member`](Self::add_member).
    /// Requests: `GET /login`, `POST /login` (must answer 303).
    pub async fn log_in_as(&self, email: &str) -> TestApp {
        let browser = self.other_browser();
        let response = browser.log_in(email, "member password 1").await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{email} logs in");
        browser
    }

    /// Generates a key through the form and returns its plaintext from the reveal page.
    /// Requests: `GET /settings/integrations/keys/new`, `POST /settings/integrations/keys`.
    pub async fn create_key(&self, name: &str) -> String {
        self.create_key_with(name, &[]).await
    }

    /// [`create_key`](Self::create_key) with more fields (access, allowed IPs, expiry).
    /// Requests: `GET /settings/integrations/keys/new`, `POST /settings/integrations/keys`.
    pub async fn create_key_with(&self, name: &str, extra: &[(&str, &str)]) -> String {
        let form = self.get_html("/settings/integrations/keys/new").await;
        let token = form_token(&form);
        let mut fields = vec![("name", name), ("form_token", token.as_str())];
        fields.extend_from_slice(extra);
        let response = self
            .submit(&form, "/settings/integrations/keys", &fields)
            .await;
        assert_eq!(response.status(), StatusCode::OK, "creating {name}");
        revealed_key(&response.text().await.unwrap())
    }

    /// Regenerates key `id`, the old secret working for `grace` more hours, and returns the
    /// new secret. Requests: `GET` and `POST /settings/integrations/keys/{id}/regenerate`.
    pub async fn regenerate_key(&self, id: i32, grace: &str) -> String {
        let path = format!("/settings/integrations/keys/{id}/regenerate");
        let page = self.get_html(&path).await;
        let token = form_token(&page);
        let fields = [("grace_hours", grace), ("form_token", token.as_str())];
        revealed_key(
            &self
                .submit(&page, &path, &fields)
                .await
                .text()
                .await
                .unwrap(),
        )
    }

    /// The id of a key by name. Requests: `GET /settings/integrations`.
    pub async fn key_id(&self, name: &str) -> i32 {
        key_id_on(&self.get_html("/settings/integrations").await, name)
    }

    /// The id of a member by email. Requests: `GET /settings/team`.
    pub async fn member_id(&self, email: &str) -> i32 {
        member_id_on(&self.get_html("/settings/team").await, email)
    }

    /// Invites `email` through the Team page (the caller must be an admin) and returns the
    /// path of the one-time link. Requests: `GET /settings/team`,
    /// `POST /settings/team/invitations` (must answer 200 with the link).
    pub async fn invite(&self, email: &str, role: &str, api_access: bool) -> String {
        let page = self.get_html("/settings/team").await;
        let mut fields = vec![("email", email), ("role", role)];
        if api_access {
            fields.push(("api_access", "true"));
        }
        let response = self
            .submit(&page, "/settings/team/invitations", &fields)
            .await;
        assert_eq!(response.status(), StatusCode::OK, "inviting {email}");
        invite_path_on(&response.text().await.unwrap())
    }

    /// Opens an invitation link in this browser and joins as `name` with `password`.
    /// Requests: `GET <invite path>`, `POST <invite path>`.
    pub async fn join(&self, invite_path: &str, name: &str, password: &str) -> Response {
        let page = self.get_html(invite_path).await;
        self.submit(
            &page,
            invite_path,
            &[("name", name), ("password", password)],
        )
        .await
    }

    /// Adds a member the way people join: [`invite`](Self::invite) from this (admin)
    /// browser, then [`join`](Self::join) from another one; their password is
    /// "member password 1". Requests: `GET /settings/team`, `POST /settings/team/invitations`,
    /// `GET /invite/<token>`, `POST /invite/<token>` (must answer 303).
    pub async fn add_member(&self, name: &str, email: &str, role: &str, api_access: bool) {
        let link = self.invite(email, role, api_access).await;
        let invitee = self.other_browser();
        let joined = invitee.join(&link, name, "member password 1").await;
        assert_eq!(joined.status(), StatusCode::SEE_OTHER, "{email} joins");
    }

    /// Creates a second workspace "Elsewhere" from the shell (admin Eve) and returns her
    /// logged-in browser. Runs `keydesk create-admin`; requests: `GET /login`, `POST /login`.
    pub async fn log_in_to_another_workspace(&self) -> TestApp {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_keydesk"))
            .args([
                "create-admin",
                "--email",
                "eve@example.com",
                "--name",
                "Eve",
                "--workspace",
                "Elsewhere",
            ])
            .env("DATABASE_URL", &self.db.url)
            .env("KEYDESK_ADMIN_PASSWORD", "eve password 1")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let eve = self.other_browser();
        let login = eve.log_in("eve@example.com", "eve password 1").await;
        assert_eq!(login.status(), StatusCode::SEE_OTHER);
        eve
    }
}
