//! A person's own data: see it, download it, correct it, delete the account; and the
//! audit log that records who did what.

use member::PlatformRole;
use member::entities::{account, audit_entry, person, session};
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::helpers::{PASSWORD, TestApp, location};
use crate::security::assert_no_full_phone_but;

#[tokio::test]
async fn a_person_downloads_everything_stored_about_them() {
    let app = TestApp::new().await;
    let browser = app
        .signed_in(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    let page = browser.get_text("/me").await;
    assert!(page.contains("下载我的数据"));
    assert!(page.contains("登录"), "the history lists the login");

    let response = browser.get("/me/export.json").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let data: serde_json::Value = response.json().await.unwrap();
    assert_eq!(data["person"]["name"], "李阿姨");
    assert_eq!(data["person"]["phone"], "13912345678");
    assert_eq!(data["account"]["role"], "volunteer");
    assert_eq!(data["sessions"].as_array().unwrap().len(), 1);
    let actions: Vec<&str> = data["audit_log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"account.login"), "{actions:?}");
    assert!(actions.contains(&"person.export_self"), "{actions:?}");
    let text = data.to_string();
    assert!(!text.contains("argon2"), "no password hash in the export");
    assert_eq!(app.audit_entries("person.export_self").await.len(), 1);

    let token = app.api_token("13912345678", PASSWORD).await;
    let response = app
        .client
        .get(app.url("/api/v1/me/export"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let data: serde_json::Value = response.json().await.unwrap();
    assert_eq!(data["person"]["name"], "李阿姨");
    assert_eq!(app.audit_entries("person.export_self").await.len(), 2);
}

#[tokio::test]
async fn a_person_corrects_their_own_data() {
    let app = TestApp::new().await;
    app.add_account(PlatformRole::Volunteer, "张大爷", "13812345678")
        .await;
    let browser = app
        .signed_in(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    let form = browser.get_text("/me/edit").await;
    assert!(form.contains(r#"value="李阿姨""#));

    // Someone else's number: refused, what was typed kept.
    let response = browser
        .post(
            "/me/edit",
            &[
                ("name", "李秀英"),
                ("phone", "13812345678"),
                ("birth_date", ""),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("这个手机号已经注册过了"));
    assert!(page.contains(r#"value="李秀英""#));

    let response = browser
        .post(
            "/me/edit",
            &[
                ("name", "李秀英"),
                ("phone", "13912345679"),
                ("birth_date", "1956-04-12"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let page = browser.get_text(&location(&response)).await;
    assert!(page.contains("您的信息已保存"));
    assert!(page.contains("李秀英") && page.contains("1956-04-12"));
    assert_eq!(browser.login("13912345679", PASSWORD).await.status(), 303);

    let updates = app.audit_entries("person.update_self").await;
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].detail, "changed name, phone, birth_date");

    let token = app.api_token("13912345679", PASSWORD).await;
    let response = app
        .client
        .put(app.url("/api/v1/me"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "name": "", "phone": "123", "birth_date": null }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "phone"]);
}

#[tokio::test]
async fn deleting_an_account_erases_personal_data_and_keeps_the_anonymous_row() {
    let app = TestApp::new().await;
    let browser = app
        .signed_in(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    let other = app.browser();
    other.login("13912345678", PASSWORD).await;

    let confirm = browser.get_text("/me/delete").await;
    assert!(confirm.contains("确认注销"));
    let response = browser
        .post("/me/delete", &[("password", "not my password")])
        .await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("当前密码不正确"));
    assert_eq!(browser.get("/me").await.status(), 200, "nothing happened");

    let response = browser.post("/me/delete", &[("password", PASSWORD)]).await;
    assert_eq!(response.status(), 303);
    assert!(browser.get_text("/").await.contains("您的账号已注销"));
    assert_eq!(browser.get("/me").await.status(), 303);
    assert_eq!(
        other.get("/me").await.status(),
        303,
        "every device is signed out"
    );

    let people = person::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(
        people.len(),
        1,
        "the row stays, so totals that count it stay right"
    );
    let erased = &people[0];
    assert_eq!(erased.name, "");
    assert_eq!(erased.phone, None);
    assert_eq!(erased.birth_date, None);
    assert!(erased.erased_at.is_some());
    assert_eq!(account::Entity::find().count(&app.db).await.unwrap(), 0);
    assert_eq!(session::Entity::find().count(&app.db).await.unwrap(), 0);
    assert_eq!(app.audit_entries("person.erase_self").await.len(), 1);
    assert_eq!(
        app.browser().login("13912345678", PASSWORD).await.status(),
        401
    );

    // The number is free again.
    let response = app
        .browser()
        .post(
            "/register",
            &[
                ("name", "李阿姨"),
                ("phone", "13912345678"),
                ("birth_date", "1956-04-12"),
                ("password", "a fresh start at last"),
                ("password_confirm", "a fresh start at last"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
}

#[tokio::test]
async fn coordinators_read_the_audit_log_with_filters() {
    let app = TestApp::new().await;
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let volunteer = app
        .signed_in(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    volunteer.get("/me/export.json").await;

    let page = coordinator.get_text("/admin/audit").await;
    assert!(page.contains("下载本人数据") && page.contains("李阿姨"));
    assert!(page.contains("登录"));
    assert!(
        page.contains("平台管理员") && !page.contains("role "),
        "details in Chinese"
    );
    assert_no_full_phone_but(&page, "");

    let filtered = coordinator
        .get_text("/admin/audit?action=person.export_self")
        .await;
    assert!(filtered.contains("共 1 条"), "one export");
    let none = coordinator.get_text("/admin/audit?from=2099-01-01").await;
    assert!(none.contains("没有符合条件的记录"));
    let bad = coordinator.get_text("/admin/audit?from=yesterday").await;
    assert!(bad.contains("日期格式不正确"));

    let token = app.api_token("13600000001", PASSWORD).await;
    let response = app
        .client
        .get(app.url("/api/v1/audit-log?action=account.login"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    // Two page logins and the API login that got this token.
    assert_eq!(body["total"], 3);
    let response = app
        .client
        .get(app.url("/api/v1/audit-log?action=made.up"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
}

#[tokio::test]
async fn the_audit_log_never_holds_secrets_or_full_numbers() {
    let app = TestApp::new().await;
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
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
    let page = response.text().await.unwrap();
    let code_at = page.find(r#"<p class="code""#).unwrap();
    let code: String = page[code_at..]
        .chars()
        .skip_while(|c| *c != '>')
        .skip(1)
        .take(8)
        .collect();
    let browser = app.browser();
    browser
        .post(
            "/reset",
            &[
                ("phone", "13800138111"),
                ("code", &code),
                ("password", "secret passphrase 42"),
                ("password_confirm", "secret passphrase 42"),
            ],
        )
        .await;
    let login = browser.login("13800138111", "secret passphrase 42").await;
    let session = crate::helpers::Browser::session_cookie(&login).unwrap();
    let token = app.api_token("13800138111", "secret passphrase 42").await;
    browser.get("/me/export.json").await;
    browser.login("13800138111", "wrong password").await;

    let entries = audit_entry::Entity::find().all(&app.db).await.unwrap();
    assert!(entries.len() >= 6, "{} entries", entries.len());
    for entry in entries {
        let row = format!("{entry:?}");
        for secret in [
            "secret passphrase 42",
            "wrong password",
            code.as_str(),
            session.as_str(),
            token.as_str(),
            "13800138111",
            "13600000001",
        ] {
            assert!(!row.contains(secret), "{row} contains {secret}");
        }
    }
}
