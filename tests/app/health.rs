use serde_json::{Value, json};

use crate::helpers::TestApp;

#[tokio::test]
async fn health_is_ok_after_a_real_database_query() {
    let app = TestApp::new().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({"status": "ok", "database": "ok"}));
}

#[tokio::test]
async fn health_is_503_when_the_database_is_unreachable() {
    let app = TestApp::new().await;
    app.db.close_by_ref().await.unwrap();
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["database"], "unreachable");
}
