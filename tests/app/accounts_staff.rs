//! Accounts staff make and stop, bearer tokens, and two registrations at once.

use member::PlatformRole;
use member::entities::{account, person};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::{PASSWORD, TestApp, location};

use crate::accounts::{futures_join_all, one_time_code};

#[tokio::test]
async fn a_coordinator_makes_an_account_and_its_one_time_code_sets_the_password() {
    let app = TestApp::new().await;
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;

    let response = coordinator
        .post(
            "/admin/accounts/new",
            &[
                ("name", "赵奶奶"),
                ("phone", "1380013"),
                ("role", "volunteer"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains(r#"value="赵奶奶""#));

    // Coordinators cannot make coordinators.
    let response = coordinator
        .post(
            "/admin/accounts/new",
            &[
                ("name", "赵奶奶"),
                ("phone", "13800138111"),
                ("role", "coordinator"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);

    let response = coordinator
        .post(
            "/admin/accounts/new",
            &[
                ("name", "赵奶奶"),
                ("phone", "13800138111"),
                ("role", "volunteer"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    let code = one_time_code(&page);

    // No password yet: nobody can log in with a guess.
    let grandma = app.browser();
    assert_eq!(grandma.login("13800138111", "!").await.status(), 401);

    let response = grandma
        .post(
            "/reset",
            &[
                ("phone", "13800138111"),
                ("code", "00000000"),
                ("password", "my grandson's birthday"),
                ("password_confirm", "my grandson's birthday"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("验证码不正确或已过期")
    );

    let reset = [
        ("phone", "13800138111"),
        ("code", code.as_str()),
        ("password", "my grandson's birthday"),
        ("password_confirm", "my grandson's birthday"),
    ];
    let response = grandma.post("/reset", &reset).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/login");
    assert_eq!(
        grandma
            .login("13800138111", "my grandson's birthday")
            .await
            .status(),
        303
    );
    // The code works once.
    assert_eq!(app.browser().post("/reset", &reset).await.status(), 422);

    let created = app.audit_entries("account.create").await;
    assert!(created.iter().any(|e| e.detail == "role volunteer"));
    assert_eq!(app.audit_entries("account.password_reset").await.len(), 1);
}

#[tokio::test]
async fn disabling_an_account_ends_its_sessions_at_once() {
    let app = TestApp::new().await;
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let volunteer_id = app
        .add_account(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    let volunteer = app.browser();
    volunteer.login("13912345678", PASSWORD).await;

    // Destructive: a confirmation page first.
    let confirm = coordinator
        .get_text(&format!("/admin/accounts/{volunteer_id}/disable"))
        .await;
    assert!(confirm.contains("确认停用"));
    assert_eq!(volunteer.get("/me").await.status(), 200);

    let response = coordinator
        .post(&format!("/admin/accounts/{volunteer_id}/disable"), &[])
        .await;
    assert_eq!(response.status(), 303);
    assert!(
        coordinator
            .get_text("/admin/accounts")
            .await
            .contains("账号已停用")
    );
    assert_eq!(volunteer.get("/me").await.status(), 303);
    assert_eq!(volunteer.login("13912345678", PASSWORD).await.status(), 401);

    coordinator
        .post(&format!("/admin/accounts/{volunteer_id}/enable"), &[])
        .await;
    assert_eq!(volunteer.login("13912345678", PASSWORD).await.status(), 303);
    assert_eq!(app.audit_entries("account.disable").await.len(), 1);
    assert_eq!(app.audit_entries("account.enable").await.len(), 1);
}

#[tokio::test]
async fn bearer_tokens_work_until_revoked() {
    let app = TestApp::new().await;
    app.add_account(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    let token = app.api_token("13912345678", PASSWORD).await;
    let me = |token: String| {
        app.client
            .get(app.url("/api/v1/me"))
            .bearer_auth(token)
            .send()
    };
    let response = me(token.clone()).await.unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["name"], "李阿姨");

    let response = app
        .client
        .delete(app.url("/api/v1/auth/token"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let response = me(token).await.unwrap();
    assert_eq!(response.status(), 401);
    assert!(response.headers().contains_key("www-authenticate"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    assert_eq!(me("f".repeat(64)).await.unwrap().status(), 401);
    assert_eq!(me("garbage".to_owned()).await.unwrap().status(), 401);

    // Only digests are stored.
    let stored = member::entities::api_token::Entity::find()
        .filter(member::entities::api_token::Column::RevokedAt.is_not_null())
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, 1);
}

#[tokio::test]
async fn when_each_token_was_last_used_shows_in_its_owners_export_a_moment_later() {
    let app = TestApp::new().await;
    app.add_account(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    let (first, second) = (
        app.api_token("13912345678", PASSWORD).await,
        app.api_token("13912345678", PASSWORD).await,
    );
    let export = |token: &str| {
        app.client
            .get(app.url("/api/v1/me/export"))
            .bearer_auth(token)
            .send()
    };
    let used_since = |data: &serde_json::Value, since: chrono::DateTime<chrono::Utc>| {
        (data["api_tokens"].as_array().unwrap().iter())
            .filter(|t| {
                t["last_used_at"]
                    .as_str()
                    .is_some_and(|at| at.parse::<chrono::DateTime<chrono::Utc>>().unwrap() >= since)
            })
            .count()
    };
    let before = chrono::Utc::now();
    // Both tokens used at once: the request answers without waiting for the stamp.
    let (a, b) = tokio::join!(export(&first), export(&second));
    assert_eq!(a.unwrap().status(), 200);
    let data: serde_json::Value = b.unwrap().json().await.unwrap();
    assert_eq!(data["api_tokens"].as_array().unwrap().len(), 2);

    // Both stamps are written together a moment later, each with its own time.
    let mut seen = 0;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let data: serde_json::Value = export(&first).await.unwrap().json().await.unwrap();
        seen = used_since(&data, before);
        if seen == 2 {
            break;
        }
    }
    assert_eq!(seen, 2, "both tokens' uses are written within five seconds");
    let stamped = member::entities::api_token::Entity::find()
        .filter(member::entities::api_token::Column::LastUsedAt.is_not_null())
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(stamped, 2);
}

#[tokio::test]
async fn two_registrations_of_one_phone_at_the_same_moment_leave_one_account() {
    let app = TestApp::new().await;
    let attempts = (0..6).map(|n| {
        let browser = app.browser();
        async move {
            let name = format!("报名者{n}");
            browser
                .post(
                    "/register",
                    &[
                        ("name", name.as_str()),
                        ("phone", "13512345678"),
                        ("birth_date", "1990-03-01"),
                        ("password", "sunny days in nanhu"),
                        ("password_confirm", "sunny days in nanhu"),
                        ("consent", "yes"),
                    ],
                )
                .await
                .status()
                .as_u16()
        }
    });
    let mut statuses = futures_join_all(attempts).await;
    statuses.sort_unstable();
    assert_eq!(
        statuses, [303; 6],
        "one wins; every one hears the same answer, so none learns the phone was taken"
    );
    assert_eq!(person::Entity::find().count(&app.db).await.unwrap(), 1);
    assert_eq!(account::Entity::find().count(&app.db).await.unwrap(), 1);
}
