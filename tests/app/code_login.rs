//! Issue 19: logging in with an SMS code. The codes travel as real SMS would: through the
//! outbox to a local server that checks the provider's signature.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use member::PlatformRole;
use member::entities::{account, notice};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use weiyifang::notices::deliver_due;

use crate::helpers::{Browser, TestApp};
use crate::notice_delivery::{Provider, aliyun, fake_aliyun, policy};
/// Sends what the outbox holds to the fake provider, and returns the login code that went
/// to `phone` (the last one, if several).
pub(crate) async fn code_sent_to(
    app: &TestApp,
    (endpoint, provider): &(String, Arc<Mutex<Provider>>),
    phone: &str,
) -> Option<String> {
    let outbound = aliyun(endpoint, "test-secret", "login_code=SMS_300");
    deliver_due(&app.db, &outbound, &policy(), Utc::now())
        .await
        .unwrap();
    let seen = provider.lock().unwrap().accepted.clone();
    seen.iter()
        .rev()
        .find(|p| p["PhoneNumbers"] == phone && p["TemplateCode"] == "SMS_300")
        .map(|p| {
            let params: BTreeMap<String, String> =
                serde_json::from_str(&p["TemplateParam"]).unwrap();
            params["code"].clone()
        })
}

pub(crate) async fn ask_for_code(browser: &Browser, phone: &str) -> reqwest::Response {
    browser.post("/login/code", &[("phone", phone)]).await
}

pub(crate) async fn log_in_with(browser: &Browser, phone: &str, code: &str) -> reqwest::Response {
    browser
        .post("/login/code/verify", &[("phone", phone), ("code", code)])
        .await
}

#[tokio::test]
async fn a_volunteer_without_a_password_logs_in_with_a_code_sent_by_sms() {
    let provider = fake_aliyun().await;
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    // Staff made her account: no password yet.
    member::accounts::create_account(&app.db, &staff, "陈阿姨", "13800001111", "volunteer")
        .await
        .unwrap();

    let browser = app.browser();
    let login = browser.get_text("/login").await;
    assert!(login.contains("用短信验证码登录"), "{login}");

    // Known and unknown phones get the same answer; only the known one gets an SMS.
    let known = ask_for_code(&browser, "13800001111").await;
    assert_eq!(known.status(), 200);
    let known = known.text().await.unwrap();
    let stranger = app.browser();
    let unknown = ask_for_code(&stranger, "13800009999").await;
    assert_eq!(unknown.status(), 200);
    let unknown = unknown.text().await.unwrap();
    assert!(
        known.contains("138****1111") && known.contains("验证码已经发出"),
        "{known}"
    );
    assert_eq!(
        known.replace("138****1111", "").replace("13800001111", ""),
        unknown
            .replace("138****9999", "")
            .replace("13800009999", "")
    );
    let code = code_sent_to(&app, &provider, "13800001111")
        .await
        .expect("a code");
    assert_eq!(code.len(), 6);
    assert!(code_sent_to(&app, &provider, "13800009999").await.is_none());
    // Once sent, the code is nowhere in the database (only its digest).
    let stored = notice::Entity::find()
        .filter(notice::Column::Kind.eq("login_code"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].args, "{}");

    // Asking again at once is refused: no SMS flood.
    let again = ask_for_code(&browser, "13800001111").await;
    assert_eq!(again.status(), 429);
    assert!(again.headers().contains_key("retry-after"));

    // A wrong code: the code step again, with the reason.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = log_in_with(&browser, "13800001111", wrong).await;
    assert_eq!(refused.status(), 401);
    assert!(refused.text().await.unwrap().contains("验证码不对或已过期"));
    // An unknown phone with any code: the same answer.
    assert_eq!(
        log_in_with(&stranger, "13800009999", &code).await.status(),
        401
    );

    let done = log_in_with(&browser, "13800001111", &code).await;
    assert_eq!(done.status(), 303);
    assert!(Browser::session_cookie(&done).is_some());
    let me = browser.get_text("/me").await;
    assert!(me.contains("陈阿姨"), "{me}");
    assert!(
        me.contains("用短信验证码登录"),
        "the history says how: {me}"
    );
    // One use.
    assert_eq!(
        log_in_with(&app.browser(), "13800001111", &code)
            .await
            .status(),
        401
    );

    // Without a password she can still leave: her own number confirms.
    let gone = browser
        .post("/me/delete", &[("password", "13800001111")])
        .await;
    assert_eq!(gone.status(), 303);
    assert!(
        account::Entity::find()
            .filter(account::Column::Role.eq(PlatformRole::Volunteer))
            .all(&app.db)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn five_wrong_codes_spend_a_code() {
    let provider = fake_aliyun().await;
    let app = TestApp::new().await;
    app.add_account(PlatformRole::Volunteer, "李大爷", "13800001112")
        .await;
    let browser = app.browser();
    assert_eq!(ask_for_code(&browser, "13800001112").await.status(), 200);
    let code = code_sent_to(&app, &provider, "13800001112").await.unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        assert_eq!(
            log_in_with(&browser, "13800001112", wrong).await.status(),
            401
        );
    }
    // The right code no longer works (and the address is now throttled for this phone).
    let late = log_in_with(&browser, "13800001112", &code).await;
    assert!(
        matches!(late.status().as_u16(), 401 | 429),
        "{}",
        late.status()
    );
    assert_eq!(app.audit_entries("account.login_code").await.len(), 0);
}
