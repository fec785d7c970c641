//! Forged requests, headers, limits, and who may reach what.

use member::PlatformRole;
use member::entities::account;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::{PASSWORD, TestApp, location};

#[tokio::test]
async fn a_forged_cross_origin_form_post_is_refused() {
    let app = TestApp::new().await;
    let browser = app
        .signed_in(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    let before = account::Entity::find().one(&app.db).await.unwrap().unwrap();
    let form = [
        ("current_password", PASSWORD),
        ("password", "attacker chose this"),
        ("password_confirm", "attacker chose this"),
    ];

    // What a hostile page's auto-submitting form makes the victim's browser send.
    for headers in [
        vec![
            ("origin", "https://evil.example"),
            ("sec-fetch-site", "cross-site"),
        ],
        vec![("sec-fetch-site", "cross-site")],
        vec![("origin", "https://evil.example")],
    ] {
        let mut request = browser
            .client
            .post(browser.url("/account/password"))
            .form(&form);
        for (name, value) in &headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 403, "{headers:?}");
        let page = response.text().await.unwrap();
        assert!(
            page.contains("您没有权限进行这个操作"),
            "an HTML error page"
        );
    }
    let after = account::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert_eq!(before.password_hash, after.password_hash);
    assert_eq!(browser.get("/me").await.status(), 200, "still signed in");

    // The API refuses a cross-site POST the same way, in JSON.
    let response = browser
        .client
        .post(browser.url("/api/v1/auth/token"))
        .header("origin", "https://evil.example")
        .json(&serde_json::json!({ "phone": "13912345678", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "forbidden");

    // Our own pages post fine.
    let response = browser.post("/account/password", &form).await;
    assert_eq!(response.status(), 303);
}

#[tokio::test]
async fn security_headers_are_on_every_response_and_pages_are_not_cached() {
    let app = TestApp::new().await;
    let browser = app
        .signed_in(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    for path in [
        "/no-such-page",
        "/api/v1/no-such-thing",
        "/me",
        "/me/export.json",
        "/login",
    ] {
        let response = browser.get(path).await;
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["cache-control"], "no-store", "{path}");
    }
    let response = browser.get("/static/css/app.css").await;
    assert_ne!(response.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn oversized_bodies_and_unknown_json_fields_are_refused() {
    let app = TestApp::new().await;
    let big = "x".repeat(3 * 1024 * 1024);
    let response = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .header("content-type", "application/json")
        .body(format!(r#"{{"phone":"{big}","password":"x"}}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large");

    let response = app
        .browser()
        .post("/login", &[("phone", big.as_str())])
        .await;
    assert_eq!(response.status(), 413);

    let response = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&serde_json::json!({ "phone": "13912345678", "password": "x", "admin": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_input");

    let response = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

/// Every route that needs a login, with a request that would change or show something.
const PRIVATE_PAGES: &[(&str, &str)] = &[
    ("GET", "/me"),
    ("GET", "/me/edit"),
    ("POST", "/me/edit"),
    ("GET", "/me/export.json"),
    ("GET", "/me/delete"),
    ("POST", "/me/delete"),
    ("GET", "/account/password"),
    ("POST", "/account/password"),
    ("POST", "/logout"),
    ("POST", "/me/skills"),
    ("GET", "/me/shifts"),
    ("GET", "/me/calendar"),
    ("POST", "/me/calendar/reset"),
    ("GET", "/me/certificates"),
    ("POST", "/me/certificates"),
    ("POST", "/orgs/apply"),
];

/// Routes for staff only; `{id}` is another person.
const STAFF_PAGES: &[(&str, &str)] = &[
    ("GET", "/admin/accounts"),
    ("GET", "/admin/accounts?q=138"),
    ("GET", "/admin/accounts/new"),
    ("POST", "/admin/accounts/new"),
    ("POST", "/admin/accounts/{id}/phone"),
    ("POST", "/admin/accounts/{id}/reset-code"),
    ("GET", "/admin/accounts/{id}/disable"),
    ("POST", "/admin/accounts/{id}/disable"),
    ("POST", "/admin/accounts/{id}/enable"),
    ("GET", "/admin/audit"),
    ("GET", "/orgs/new"),
    ("POST", "/orgs/new"),
    ("GET", "/orgs/{org}/stage"),
    ("POST", "/orgs/{org}/stage"),
    ("GET", "/orgs/{org}/edit"),
    ("POST", "/orgs/{org}/edit"),
    ("GET", "/orgs/{org}/members"),
    ("POST", "/orgs/{org}/members"),
    ("POST", "/orgs/{org}/members/{mid}/role"),
    ("GET", "/orgs/{org}/members/{mid}/end"),
    ("POST", "/orgs/{org}/members/{mid}/end"),
    ("POST", "/orgs/{org}/members/{mid}/phone"),
    ("POST", "/orgs/{org}/members/{mid}/skills"),
    ("GET", "/orgs/{org}/import"),
    ("GET", "/orgs/{org}/members.csv"),
    ("GET", "/orgs/{org}/members.xlsx"),
    ("POST", "/orgs/{org}/logo"),
    ("GET", "/projects/new"),
    ("GET", "/funding"),
    ("GET", "/funding/export.csv"),
    ("GET", "/funding/export.xlsx"),
    ("GET", "/admin/markets"),
    ("GET", "/dashboard"),
    ("GET", "/reports/monthly.xlsx"),
    ("GET", "/reports/monthly.csv"),
    (
        "GET",
        "/reports/period.xlsx?from=2026-01-01&until=2026-03-31",
    ),
    (
        "GET",
        "/reports/period.csv?from=2026-01-01&until=2026-03-31",
    ),
    ("GET", "/reports/sent"),
    ("POST", "/reports/monthly/send"),
    ("GET", "/reports/sent/{id}/workbook"),
    ("GET", "/admin/markets/schedule"),
    ("POST", "/admin/markets/schedule"),
    ("GET", "/orgs/{org}/activities/new"),
    ("GET", "/orgs/{org}/dashboard"),
    ("POST", "/orgs/{org}/activities/new"),
];

/// An organization led by 张大爷 (the `other` person), and his membership id.
async fn other_org(app: &TestApp) -> (uuid::Uuid, uuid::Uuid) {
    let org = app
        .add_org("张大爷的巡逻队", "safety", "南湖社区", "13812345678")
        .await;
    let membership = member::entities::membership::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    (org, membership.id)
}

fn fill(path: &str, other: uuid::Uuid, org: uuid::Uuid, mid: uuid::Uuid) -> String {
    path.replace("{id}", &other.to_string())
        .replace("{org}", &org.to_string())
        .replace("{mid}", &mid.to_string())
}

const PRIVATE_API: &[(&str, &str)] = &[
    ("GET", "/api/v1/me"),
    ("PUT", "/api/v1/me"),
    ("DELETE", "/api/v1/me"),
    ("POST", "/api/v1/me/password"),
    ("GET", "/api/v1/me/export"),
    ("DELETE", "/api/v1/auth/token"),
    ("GET", "/api/v1/audit-log"),
    ("POST", "/api/v1/organizations"),
    ("POST", "/api/v1/organizations/applications"),
    ("POST", "/api/v1/projects"),
    ("GET", "/api/v1/funding/summary"),
    ("GET", "/api/v1/me/shifts"),
];

#[tokio::test]
async fn anonymous_visitors_are_sent_to_login_and_the_api_answers_401() {
    let app = TestApp::new().await;
    let other = app
        .add_account(PlatformRole::Volunteer, "张大爷", "13812345678")
        .await;
    let (org, mid) = other_org(&app).await;
    let browser = app.browser();
    for (method, path) in PRIVATE_PAGES.iter().chain(STAFF_PAGES) {
        let path = fill(path, other, org, mid);
        let request = match *method {
            "GET" => browser.client.get(browser.url(&path)),
            _ => browser
                .client
                .post(browser.url(&path))
                .header("sec-fetch-site", "same-origin")
                .form(&[("name", "x"), ("phone", "13700000000"), ("password", "x")]),
        };
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 303, "{method} {path}");
        assert!(
            location(&response).starts_with("/login?next="),
            "{method} {path}"
        );
        let body = response.text().await.unwrap();
        assert!(
            !body.contains("张大爷") && !body.contains("13812345678"),
            "{path}"
        );
    }
    for (method, path) in PRIVATE_API {
        let response = app
            .client
            .request(method.parse().unwrap(), app.url(path))
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{method} {path}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized", "{method} {path}");
    }
    let account = account::Entity::find()
        .filter(account::Column::PersonId.eq(other))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(account.disabled_at.is_none());
}

#[tokio::test]
async fn a_volunteer_gets_403_on_staff_pages_and_sees_no_one_else() {
    let app = TestApp::new().await;
    let other = app
        .add_account(PlatformRole::Volunteer, "张大爷", "13812345678")
        .await;
    let volunteer = app
        .signed_in(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    let (org, mid) = other_org(&app).await;
    for (method, path) in STAFF_PAGES {
        let path = fill(path, other, org, mid);
        let response = match *method {
            "GET" => volunteer.get(&path).await,
            _ => {
                volunteer
                    .post(
                        &path,
                        &[
                            ("name", "x"),
                            ("phone", "13700000000"),
                            ("role", "volunteer"),
                        ],
                    )
                    .await
            }
        };
        assert_eq!(response.status(), 403, "{method} {path}");
        let body = response.text().await.unwrap();
        assert!(
            !body.contains("张大爷") && !body.contains("13812345678"),
            "{path}"
        );
    }
    let token = app.api_token("13912345678", PASSWORD).await;
    let response = app
        .client
        .get(app.url("/api/v1/audit-log"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(app.audit_entries("person.phone_reveal").await.is_empty());
    assert!(app.audit_entries("account.disable").await.is_empty());

    // The volunteer's own pages show no other person's name or number.
    for path in [
        "/",
        "/me",
        "/me/edit",
        "/me/delete",
        "/account/password",
        "/me/export.json",
    ] {
        let body = volunteer.get_text(path).await;
        assert!(
            !body.contains("张大爷") && !body.contains("13812345678"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn staff_see_masked_numbers_and_every_reveal_is_logged() {
    let app = TestApp::new().await;
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let other = app
        .add_account(PlatformRole::Volunteer, "张大爷", "13812345678")
        .await;

    let list = coordinator.get_text("/admin/accounts").await;
    assert!(list.contains("张大爷"));
    assert!(list.contains("138****5678"));
    assert!(!list.contains("13812345678"), "no full number in the list");
    assert_no_full_phone_but(&list, "");
    let found = coordinator.get_text("/admin/accounts?q=%E5%BC%A0").await;
    assert!(found.contains("张大爷") && !found.contains("周协调</h2>"));

    let response = coordinator
        .post(&format!("/admin/accounts/{other}/phone"), &[])
        .await;
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("13812345678"));
    let reveals = app.audit_entries("person.phone_reveal").await;
    assert_eq!(reveals.len(), 1);
    assert_eq!(reveals[0].subject_id, Some(other));
    assert!(!reveals[0].detail.contains("13812345678"));
}

/// No 11-digit mobile number in `html` other than `allowed`.
pub fn assert_no_full_phone_but(html: &str, allowed: &str) {
    let bytes = html.as_bytes();
    for start in 0..bytes.len().saturating_sub(10) {
        let window = &bytes[start..start + 11];
        let bounded = (start == 0 || !bytes[start - 1].is_ascii_digit())
            && bytes.get(start + 11).is_none_or(|b| !b.is_ascii_digit());
        if bounded
            && window[0] == b'1'
            && (b'3'..=b'9').contains(&window[1])
            && window.iter().all(u8::is_ascii_digit)
        {
            let number = std::str::from_utf8(window).unwrap();
            assert_eq!(number, allowed, "an unmasked mobile number in the page");
        }
    }
}
