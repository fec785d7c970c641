//! Logging in and out, sessions, registration, passwords and staff-made accounts.

use chrono::{Duration, Utc};
use member::PlatformRole;
use member::entities::{account, person, session};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::{Browser, PASSWORD, TestApp, location};

#[tokio::test]
async fn login_starts_a_session_and_returns_to_the_page_asked_for() {
    let app = TestApp::new().await;
    app.add_account(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    let browser = app.browser();

    // An anonymous visitor is sent to the login page, which remembers where they were going.
    let response = browser.get("/account/password").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/login?next=%2Faccount%2Fpassword");
    let page = browser.get_text("/login?next=%2Faccount%2Fpassword").await;
    assert!(page.contains(r#"name="next" value="/account/password""#));

    let response = browser
        .post(
            "/login",
            &[
                ("phone", "139 1234 5678"),
                ("password", PASSWORD),
                ("next", "/account/password"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/account/password");
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with("wyf_session="))
        .expect("a session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP by default: {cookie}"
    );

    let me = browser.get_text("/me").await;
    assert!(me.contains("李阿姨"));
    assert!(
        me.contains("13912345678"),
        "people see their own number in full"
    );
    assert_eq!(app.audit_entries("account.login").await.len(), 1);

    // Never back to another site after login.
    let response = browser
        .post(
            "/login",
            &[
                ("phone", "13912345678"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(location(&response), "/me");
}

#[tokio::test]
async fn the_session_cookie_is_secure_when_the_site_is_served_over_https() {
    let app = TestApp::with_settings(|s| s.secure_cookies = true).await;
    app.add_account(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    let response = app.browser().login("13912345678", PASSWORD).await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_phone_get_the_same_answer() {
    let app = TestApp::new().await;
    app.add_account(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    let browser = app.browser();

    let wrong_password = browser.login("13912345678", "not-the-password").await;
    let unknown_phone = browser.login("13700000000", "not-the-password").await;
    let nonsense = browser.login("hello", "not-the-password").await;
    let mut pages = Vec::new();
    for response in [wrong_password, unknown_phone, nonsense] {
        assert_eq!(response.status(), 401);
        assert!(Browser::session_cookie(&response).is_none());
        let page = response.text().await.unwrap();
        assert!(page.contains("手机号或密码不正确"));
        // The same page apart from the phone number typed, which is kept.
        pages.push(
            page.replace("13912345678", "")
                .replace("13700000000", "")
                .replace("hello", ""),
        );
    }
    assert_eq!(pages[0], pages[1]);
    assert_eq!(pages[1], pages[2]);

    // The API answers alike too.
    for phone in ["13912345678", "13700000000"] {
        let response = app
            .client
            .post(app.url("/api/v1/auth/token"))
            .json(&serde_json::json!({ "phone": phone, "password": "not-the-password" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_credentials");
    }
}

#[tokio::test]
async fn repeated_failures_are_throttled_with_retry_after() {
    let app = TestApp::new().await;
    app.add_account(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    let browser = app.browser();
    for _ in 0..5 {
        assert_eq!(
            browser.login("13912345678", "guess-guess").await.status(),
            401
        );
    }
    // Now even the right password waits: the guesser cannot tell.
    let response = browser.login("13912345678", PASSWORD).await;
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15 * 60).contains(&retry_after), "{retry_after}");
    assert!(Browser::session_cookie(&response).is_none());
    assert!(response.text().await.unwrap().contains("尝试次数过多"));

    let response = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&serde_json::json!({ "phone": "13912345678", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_requests");

    // Another person's account is not locked by this phone's failures.
    app.add_account(PlatformRole::Volunteer, "张大爷", "13812345678")
        .await;
    assert_eq!(
        app.browser().login("13812345678", PASSWORD).await.status(),
        303
    );
}

#[tokio::test]
async fn one_address_trying_many_phones_is_throttled_too() {
    let app = TestApp::new().await;
    let browser = app.browser();
    for n in 0..20 {
        let phone = format!("1370000{n:04}");
        assert_eq!(
            browser.login(&phone, "guess-guess").await.status(),
            401,
            "{n}"
        );
    }
    assert_eq!(
        browser.login("13700009999", "guess-guess").await.status(),
        429
    );
}

#[tokio::test]
async fn every_login_gets_a_new_session_id_and_logout_ends_it() {
    let app = TestApp::new().await;
    app.add_account(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    let browser = app.browser();
    let first = Browser::session_cookie(&browser.login("13912345678", PASSWORD).await).unwrap();
    let second = Browser::session_cookie(&browser.login("13912345678", PASSWORD).await).unwrap();
    assert_ne!(first, second);
    // The session from before the second login is gone.
    assert_eq!(with_cookie(&app, &first, "/me").await, 303);
    assert_eq!(with_cookie(&app, &second, "/me").await, 200);

    let response = browser.post("/logout", &[]).await;
    assert_eq!(response.status(), 303);
    let page = browser.get_text(&location(&response)).await;
    assert!(page.contains("您已退出登录"), "the notice shows once");
    assert!(!browser.get_text("/").await.contains("您已退出登录"));
    // The old cookie, replayed, opens nothing.
    assert_eq!(with_cookie(&app, &second, "/me").await, 303);
    assert_eq!(session::Entity::find().count(&app.db).await.unwrap(), 0);
}

/// The status of a GET that carries exactly this session cookie.
pub(crate) async fn with_cookie(app: &TestApp, token: &str, path: &str) -> u16 {
    crate::helpers::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url(path))
        .header("cookie", format!("wyf_session={token}"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn idle_and_old_sessions_end() {
    let app = TestApp::new().await;
    app.add_account(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    let browser = app.browser();
    let token = Browser::session_cookie(&browser.login("13912345678", PASSWORD).await).unwrap();
    assert_eq!(with_cookie(&app, &token, "/me").await, 200);

    // Two hours and a minute without a request (the default idle limit is two hours).
    session::Entity::update_many()
        .col_expr(
            session::Column::LastSeenAt,
            Expr::value(Utc::now() - Duration::minutes(121)),
        )
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(with_cookie(&app, &token, "/me").await, 303);

    // Past the absolute end, however recently used.
    let token = Browser::session_cookie(&browser.login("13912345678", PASSWORD).await).unwrap();
    session::Entity::update_many()
        .col_expr(
            session::Column::ExpiresAt,
            Expr::value(Utc::now() - Duration::seconds(1)),
        )
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(with_cookie(&app, &token, "/me").await, 303);
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions_and_tokens() {
    let app = TestApp::new().await;
    app.add_account(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    let phone_browser = app.browser();
    phone_browser.login("13912345678", PASSWORD).await;
    let desk_browser = app.browser();
    desk_browser.login("13912345678", PASSWORD).await;
    let token = app.api_token("13912345678", PASSWORD).await;

    // A mistake first: the form says what is wrong and nothing changes.
    let response = desk_browser
        .post(
            "/account/password",
            &[
                ("current_password", "wrong-wrong"),
                ("password", "12345678"),
                ("password_confirm", "12345679"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("当前密码不正确"));
    assert!(page.contains("这个密码太常见"));
    assert!(page.contains("两次输入的密码不一样"));
    assert!(
        page.contains(
            r#"id="f-current_password" name="current_password" type="password" value="""#
        )
    );
    assert_eq!(phone_browser.get("/me").await.status(), 200);

    let response = desk_browser
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("password", "a much longer passphrase"),
                ("password_confirm", "a much longer passphrase"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert!(desk_browser.get_text("/me").await.contains("密码已修改"));
    assert_eq!(
        phone_browser.get("/me").await.status(),
        303,
        "the other session ended"
    );
    let response = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401, "the API token ended");
    assert_eq!(
        app.browser().login("13912345678", PASSWORD).await.status(),
        401
    );
    assert_eq!(
        app.browser()
            .login("13912345678", "a much longer passphrase")
            .await
            .status(),
        303
    );
    assert_eq!(app.audit_entries("account.password_change").await.len(), 1);
}

#[tokio::test]
async fn registration_asks_for_consent_and_keeps_what_was_typed() {
    let app = TestApp::new().await;
    let browser = app.browser();
    let page = browser.get_text("/register").await;
    assert!(page.contains("个人信息保护说明"));
    assert!(page.contains(member::PRIVACY_NOTICE_VERSION));

    let response = browser
        .post(
            "/register",
            &[
                ("name", "王小明"),
                ("phone", "13512345678"),
                ("birth_date", "2015-03-01"),
                ("password", "sunny days in nanhu"),
                ("password_confirm", "sunny days in nanhu"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("未满 14 周岁不能自己注册"));
    assert!(page.contains("请阅读个人信息保护说明，并勾选同意"));
    assert!(page.contains(r#"value="王小明""#), "the name is kept");
    assert!(page.contains(r#"value="13512345678""#), "the phone is kept");
    assert!(
        !page.contains("sunny days in nanhu"),
        "passwords are never echoed"
    );
    assert!(page.contains(r#"id="f-birth_date" name="birth_date" type="date" value="2015-03-01""#));
    assert!(page.contains("autofocus"));
    assert_eq!(person::Entity::find().count(&app.db).await.unwrap(), 0);

    let response = browser
        .post(
            "/register",
            &[
                ("name", "王小明"),
                ("phone", "13512345678"),
                ("birth_date", "1990-03-01"),
                ("password", "sunny days in nanhu"),
                ("password_confirm", "sunny days in nanhu"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    // Not logged in yet: the same answer as for a phone that has an account (findings.rs).
    assert_eq!(location(&response), "/login?phone=13512345678");
    let login = browser.get_text("/login?phone=13512345678").await;
    assert!(login.contains("登记已收到"), "{login}");
    assert!(
        login.contains(r#"value="13512345678""#),
        "the phone is filled in"
    );
    assert_eq!(
        browser
            .login("13512345678", "sunny days in nanhu")
            .await
            .status(),
        303
    );
    assert!(browser.get_text("/me").await.contains("王小明"));
    let stored = person::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert_eq!(
        stored.consent_version.as_deref(),
        Some(member::PRIVACY_NOTICE_VERSION)
    );
    assert!(stored.consent_at.is_some());
    let account = account::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert_eq!(account.role, PlatformRole::Volunteer);
    assert!(account.password_hash.starts_with("$argon2id$"));
    assert_eq!(app.audit_entries("account.register").await.len(), 1);
}

#[tokio::test]
async fn registration_through_the_api_needs_the_current_notice() {
    let app = TestApp::new().await;
    let register = |body: serde_json::Value| {
        app.client
            .post(app.url("/api/v1/accounts"))
            .json(&body)
            .send()
    };
    let response = register(serde_json::json!({
        "name": "王小明", "phone": "13512345678", "birth_date": "1990-03-01",
        "password": "sunny days in nanhu", "consent": false,
        "privacy_notice_version": member::PRIVACY_NOTICE_VERSION,
    }))
    .await
    .unwrap();
    assert_eq!(response.status(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_input");
    assert_eq!(body["error"]["fields"][0]["field"], "consent");

    let response = register(serde_json::json!({
        "name": "王小明", "phone": "13512345678", "birth_date": "1990-03-01",
        "password": "sunny days in nanhu", "consent": true,
        "privacy_notice_version": "2020-01-01",
    }))
    .await
    .unwrap();
    assert_eq!(response.status(), 422);

    let response = register(serde_json::json!({
        "name": "王小明", "phone": "13512345678", "birth_date": "1990-03-01",
        "password": "sunny days in nanhu", "consent": true,
        "privacy_notice_version": member::PRIVACY_NOTICE_VERSION, "role": "admin",
    }))
    .await
    .unwrap();
    assert_eq!(response.status(), 400, "unknown fields are refused");
    assert_eq!(person::Entity::find().count(&app.db).await.unwrap(), 0);

    let response = register(serde_json::json!({
        "name": "王小明", "phone": "13512345678", "birth_date": "1990-03-01",
        "password": "sunny days in nanhu", "consent": true,
        "privacy_notice_version": member::PRIVACY_NOTICE_VERSION,
    }))
    .await
    .unwrap();
    assert_eq!(response.status(), 202);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "received");
    assert!(
        body.get("token").is_none(),
        "log in next, as for a known phone"
    );
    let token = app.api_token("13512345678", "sunny days in nanhu").await;
    let me = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let me: serde_json::Value = me.json().await.unwrap();
    assert_eq!(me["role"], "volunteer");
}

pub(crate) fn one_time_code(page: &str) -> String {
    let at = page.find(r#"<p class="code""#).expect("the code is shown");
    let rest = &page[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest.find("</p>").unwrap();
    let code = rest[start..end].trim().to_owned();
    assert_eq!(code.len(), 8, "{code}");
    assert!(code.bytes().all(|b| b.is_ascii_digit()));
    code
}

/// Runs the futures concurrently on the test's runtime and collects their results.
pub(crate) async fn futures_join_all<F: Future<Output = u16> + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<u16> {
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut results = Vec::new();
    for handle in handles {
        results.push(handle.await.unwrap());
    }
    results
}

/// A signed-in request finds its person with every organization they lead and whether
/// they help anyone in one query, one row per organization led: by a browser's session
/// and by an API token alike, and again once one leadership ends.
#[tokio::test]
async fn the_one_signed_in_knows_every_organization_they_lead_and_whom_they_help() {
    let app = TestApp::new().await;
    let phone = "13900003001";
    let person_id = app
        .add_account(PlatformRole::Volunteer, "李队长", phone)
        .await;
    let haircuts = app
        .add_org("南湖爱心理发队", "elderly", "南湖社区", phone)
        .await;
    let books = app.add_org("北岸读书会", "safety", "北岸社区", phone).await;
    let token = app.api_token(phone, PASSWORD).await;
    let cookie = Browser::session_cookie(&app.browser().login(phone, PASSWORD).await).unwrap();
    let policy = member::sessions::SessionPolicy::default();
    let uses = member::sessions::TokenUses::default();
    let signed_in = async || {
        let now = Utc::now();
        let by_token = member::sessions::actor_for_api_token(&app.db, &uses, &token, now)
            .await
            .unwrap()
            .expect("the token opens");
        let by_session = member::sessions::actor_for_session(&app.db, &cookie, &policy, now)
            .await
            .unwrap()
            .expect("the session opens");
        assert_eq!(by_token, by_session);
        assert_eq!(by_token.person_id, person_id);
        by_token
    };
    let led = |actor: &member::Actor| {
        let mut leads = actor.leads.clone();
        leads.sort();
        leads
    };
    let mut both = vec![haircuts, books];
    both.sort();
    let actor = signed_in().await;
    assert_eq!((led(&actor), actor.helps), (both.clone(), false));

    let neighbour = member::helping::HelpedInput {
        name: "张奶奶".to_owned(),
        phone: String::new(),
        birth_year: "1948".to_owned(),
        agreed: true,
        note: String::new(),
    };
    member::helping::register(&app.db, &actor, &neighbour, Utc::now())
        .await
        .unwrap();
    let actor = signed_in().await;
    assert_eq!((led(&actor), actor.helps), (both, true));

    // Stepping down from one organization: the other is still led.
    let ended = member::entities::membership::Entity::update_many()
        .col_expr(
            member::entities::membership::Column::LeftOn,
            Expr::value(Utc::now().date_naive()),
        )
        .filter(member::entities::membership::Column::OrganizationId.eq(books))
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(ended.rows_affected, 1);
    let actor = signed_in().await;
    assert_eq!((led(&actor), actor.helps), (vec![haircuts], true));
}
