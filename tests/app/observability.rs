//! `/metrics`, request ids and JSON logs.

use member::PlatformRole;

use crate::helpers::TestApp;
use crate::markets::market_with_shift;

#[tokio::test]
async fn metrics_are_off_unless_a_setting_names_who_may_read_them() {
    let app = TestApp::new().await;
    assert_eq!(app.get("/metrics").await.status(), 404);

    let by_token = TestApp::with_settings(|s| s.metrics_token = "scrape-secret-42".into()).await;
    assert_eq!(by_token.get("/metrics").await.status(), 403);
    let wrong = by_token
        .client
        .get(by_token.url("/metrics"))
        .bearer_auth("guess")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
    let right = by_token
        .client
        .get(by_token.url("/metrics"))
        .bearer_auth("scrape-secret-42")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);

    let elsewhere = TestApp::with_settings(|s| s.metrics_allow = "10.0.0.9".into()).await;
    assert_eq!(elsewhere.get("/metrics").await.status(), 403);
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_sign_ups_and_the_pool() {
    let app = TestApp::with_settings(|s| s.metrics_allow = "127.0.0.1, ::1".into()).await;
    let (market, shift) = market_with_shift(&app, 1).await;
    for _ in 0..3 {
        app.get(&format!("/markets/{market}")).await;
    }
    app.get("/no-such-page").await;
    for (name, phone) in [("李阿姨", "13911110001"), ("张大爷", "13911110002")] {
        let volunteer = app.signed_in(PlatformRole::Volunteer, name, phone).await;
        let response = volunteer
            .post(&format!("/shifts/{shift}/signup"), &[])
            .await;
        assert_eq!(response.status(), 303);
    }

    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    let value = |series: &str| -> f64 {
        text.lines()
            .find(|line| line.starts_with(series))
            .and_then(|line| line.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{series} in\n{text}"))
    };
    assert_eq!(
        value(r#"weiyifang_http_requests_total{method="GET",route="/markets/{id}",status="200"}"#),
        3.0
    );
    assert_eq!(
        value(r#"weiyifang_http_requests_total{method="GET",route="unmatched",status="404"}"#),
        1.0
    );
    assert_eq!(
        value(
            r#"weiyifang_http_request_duration_seconds_count{method="GET",route="/markets/{id}"}"#
        ),
        3.0
    );
    assert_eq!(value(r#"weiyifang_signups_total{status="confirmed"}"#), 1.0);
    assert_eq!(
        value(r#"weiyifang_signups_total{status="waitlisted"}"#),
        1.0
    );
    assert!(value("weiyifang_db_pool_connections") >= 1.0);
    assert!(text.contains("weiyifang_db_pool_idle"));
}

#[tokio::test]
async fn every_answer_has_a_request_id_that_error_pages_show() {
    let app = TestApp::new().await;
    let ok = app.get("/").await;
    let id = ok.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    assert_ne!(
        app.get("/").await.headers()["x-request-id"],
        id.as_str(),
        "a new id per request"
    );

    let missing = app.get("/orgs/not-a-real-one").await;
    let id = missing.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let page = missing.text().await.unwrap();
    assert!(page.contains(&id) && page.contains("请求编号"), "{page}");

    let api = app.get("/api/v1/no-such-thing").await;
    let id = api.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(body["error"]["request_id"], id.as_str());

    // A proxy's id is kept, so one id follows the request through both logs.
    let proxied = app
        .client
        .get(app.url("/"))
        .header("x-request-id", "nginx-7f3a")
        .send()
        .await
        .unwrap();
    assert_eq!(proxied.headers()["x-request-id"], "nginx-7f3a");
}
