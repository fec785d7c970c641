use chrono::{Duration, TimeZone, Utc};
use event::{EventKind, EventStatus};

use member::PlatformRole;
use sea_orm::EntityTrait;

use crate::helpers::TestApp;

#[tokio::test]
async fn home_page_speaks_chinese_by_default_and_says_what_to_expect() {
    let app = TestApp::new().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"<html lang="zh-CN">"#));
    assert!(html.contains("<title>首页 · 微益坊</title>"));
    assert!(html.contains("社区社会组织孵化与志愿服务平台"));
    assert!(html.contains("近期公益集市"));
    // Empty state: says what happens next.
    assert!(html.contains("还没有即将举行的公益集市"));
    // The way to the other language.
    assert!(html.contains(r#"href="/?lang=en""#));
}

#[tokio::test]
async fn choosing_english_is_remembered_in_a_cookie() {
    let app = TestApp::new().await;
    let response = app.get("/?lang=en").await;
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("lang=en;"), "{cookie}");
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"<html lang="en">"#));
    assert!(html.contains("Upcoming market days"));
    assert!(html.contains(r#"href="/?lang=zh-CN""#));

    // The same browser, next visit, no query: still English.
    let html = app.get("/").await.text().await.unwrap();
    assert!(html.contains(r#"<html lang="en">"#));

    // And back.
    let html = app.get("/?lang=zh-CN").await.text().await.unwrap();
    assert!(html.contains(r#"<html lang="zh-CN">"#));
    let html = app.get("/").await.text().await.unwrap();
    assert!(html.contains(r#"<html lang="zh-CN">"#));
}

#[tokio::test]
async fn accept_language_decides_when_there_is_no_cookie() {
    let app = TestApp::new().await;
    let english = app
        .client
        .get(app.url("/"))
        .header("accept-language", "en-GB,en;q=0.9,zh;q=0.5")
        .send()
        .await
        .unwrap();
    assert!(
        english
            .text()
            .await
            .unwrap()
            .contains(r#"<html lang="en">"#)
    );

    let other = app
        .client
        .get(app.url("/"))
        .header("accept-language", "fr-FR,de;q=0.8")
        .send()
        .await
        .unwrap();
    assert!(
        other
            .text()
            .await
            .unwrap()
            .contains(r#"<html lang="zh-CN">"#)
    );
}

#[tokio::test]
async fn home_page_lists_only_published_upcoming_market_days_in_shanghai_time() {
    let app = TestApp::new().await;
    // 01:00–03:30 UTC is 09:00–11:30 in Shanghai; 9 March 2030 is a Saturday.
    let start = Utc.with_ymd_and_hms(2030, 3, 9, 1, 0, 0).unwrap();
    let end = Utc.with_ymd_and_hms(2030, 3, 9, 3, 30, 0).unwrap();
    app.add_market("三月公益集市", start, end, EventStatus::Published)
        .await;
    app.add_market("草稿集市", start, end, EventStatus::Draft)
        .await;
    let past = Utc::now() - Duration::days(30);
    app.add_market(
        "上月公益集市",
        past,
        past + Duration::hours(2),
        EventStatus::Published,
    )
    .await;
    app.add_event(
        EventKind::Activity,
        "夜间治安巡逻",
        start,
        end,
        EventStatus::Published,
    )
    .await;

    let html = app.get("/").await.text().await.unwrap();
    assert!(html.contains("三月公益集市"), "{html}");
    assert!(html.contains("2030年3月9日 (周六)"));
    assert!(html.contains("09:00–11:30"));
    assert!(html.contains("南湖社区广场"));
    assert!(!html.contains("草稿集市"), "drafts are not public");
    assert!(
        !html.contains("上月公益集市"),
        "past markets are not upcoming"
    );
    assert!(
        !html.contains("夜间治安巡逻"),
        "activities are not market days"
    );
    assert!(!html.contains("还没有即将举行的公益集市"));

    let english = app.get("/?lang=en").await.text().await.unwrap();
    assert!(english.contains("Sat 9 Mar 2030"));
}

#[tokio::test]
async fn text_from_the_database_is_escaped() {
    let app = TestApp::new().await;
    let start = Utc::now() + Duration::days(3);
    app.add_market(
        "<script>alert(1)</script>集市",
        start,
        start + Duration::hours(2),
        EventStatus::Published,
    )
    .await;
    let html = app.get("/").await.text().await.unwrap();
    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;集市"));
}

#[tokio::test]
async fn unknown_page_is_a_404_page_in_the_readers_language() {
    let app = TestApp::new().await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), 404);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"<html lang="zh-CN">"#));
    assert!(html.contains("找不到您要的页面或数据。"));
    assert!(html.contains("返回首页"));

    let html = app.get("/no/such/page?lang=en").await.text().await.unwrap();
    assert!(html.contains("The page or record you asked for does not exist."));
}

#[tokio::test]
async fn wrong_method_on_a_page_is_an_html_405() {
    let app = TestApp::new().await;
    let response = app.client.delete(app.url("/")).send().await.unwrap();
    assert_eq!(response.status(), 405);
    let html = response.text().await.unwrap();
    assert!(html.contains("不支持这种请求方式。"));
}

#[tokio::test]
async fn stylesheet_is_served_from_the_binary_and_missing_assets_are_404() {
    let app = TestApp::new().await;
    let response = app.get("/static/css/app.css").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/css");
    assert!(response.text().await.unwrap().contains("Noto Sans CJK SC"));

    assert_eq!(app.get("/static/css/missing.css").await.status(), 404);
}

#[tokio::test]
async fn pages_forbid_inline_script_and_framing() {
    let app = TestApp::new().await;
    let response = app.get("/").await;
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(csp.contains("script-src 'self'"));
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn a_fresh_platform_says_how_to_create_the_first_administrator() {
    let app = TestApp::new().await;
    let page = app.get("/").await.text().await.unwrap();
    assert!(page.contains("首次使用"));
    assert!(page.contains("weiyifang admin create"));
    app.add_account(member::PlatformRole::Admin, "王主任", "13800138000")
        .await;
    let page = app.get("/").await.text().await.unwrap();
    assert!(!page.contains("首次使用"), "gone once an account exists");
}

#[tokio::test]
async fn elder_mode_is_remembered_on_the_device_and_follows_the_person_to_another() {
    let app = TestApp::new().await;
    let elder = r#"<html lang="zh-CN" class="elder">"#;
    // Anyone: chosen once, kept on this device.
    let visitor = app.browser();
    assert!(visitor.get_text("/markets?elder=on").await.contains(elder));
    assert!(visitor.get_text("/markets").await.contains(elder));
    assert!(!visitor.get_text("/markets?elder=off").await.contains(elder));
    assert!(!visitor.get_text("/markets").await.contains(elder));

    // Signed in, the choice is kept on the account too…
    let phone = app
        .signed_in(PlatformRole::Volunteer, "李阿姨", "13911110006")
        .await;
    assert!(phone.get_text("/markets?elder=on").await.contains(elder));
    let account = member::entities::account::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(account.elder_mode);
    // …so the daughter's phone, where she signs in for the first time, shows it at once.
    let other = app.browser();
    other.login("13911110006", crate::helpers::PASSWORD).await;
    assert!(other.get_text("/markets").await.contains(elder));
    assert!(other.get_text("/me").await.contains(elder));
    // Turned off there, it is off for the account.
    other.get_text("/markets?elder=off").await;
    let account = member::entities::account::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(!account.elder_mode);
}
