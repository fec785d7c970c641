use chrono::{Duration, TimeZone, Utc};
use event::EventStatus;
use serde_json::Value;

use crate::helpers::TestApp;

async fn json_error(response: reqwest::Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: Value = response.json().await.unwrap();
    (
        status,
        body["error"]["code"].as_str().unwrap().to_owned(),
        body["error"]["message"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn unknown_api_path_is_a_json_404_with_a_chinese_message() {
    let app = TestApp::new().await;
    let (status, code, message) = json_error(app.get("/api/v1/no-such-thing").await).await;
    assert_eq!((status, code.as_str()), (404, "not_found"));
    assert_eq!(message, "找不到您要的页面或数据。");
}

#[tokio::test]
async fn wrong_method_on_the_api_is_a_json_405() {
    let app = TestApp::new().await;
    let response = app
        .client
        .post(app.url("/api/v1/markets/upcoming"))
        .send()
        .await
        .unwrap();
    let (status, code, _) = json_error(response).await;
    assert_eq!((status, code.as_str()), (405, "method_not_allowed"));
}

#[tokio::test]
async fn upcoming_markets_are_listed_soonest_first_with_utc_times() {
    let app = TestApp::new().await;
    let april = Utc.with_ymd_and_hms(2030, 4, 13, 1, 0, 0).unwrap();
    let march = Utc.with_ymd_and_hms(2030, 3, 9, 1, 0, 0).unwrap();
    app.add_market(
        "四月公益集市",
        april,
        april + Duration::hours(2),
        EventStatus::Published,
    )
    .await;
    app.add_market(
        "三月公益集市",
        march,
        march + Duration::hours(2),
        EventStatus::Published,
    )
    .await;
    app.add_market(
        "草稿",
        march,
        march + Duration::hours(2),
        EventStatus::Draft,
    )
    .await;

    let response = app.get("/api/v1/markets/upcoming").await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let markets = body["markets"].as_array().unwrap();
    let titles: Vec<_> = markets
        .iter()
        .map(|m| m["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["三月公益集市", "四月公益集市"]);
    assert_eq!(markets[0]["starts_at"], "2030-03-09T01:00:00Z");

    let body: Value = app
        .get("/api/v1/markets/upcoming?limit=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["markets"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_bad_limit_is_a_json_400_not_a_500() {
    let app = TestApp::new().await;
    for query in ["limit=0", "limit=51"] {
        let response = app.get(&format!("/api/v1/markets/upcoming?{query}")).await;
        let (status, code, message) = json_error(response).await;
        assert_eq!((status, code.as_str()), (400, "invalid_input"), "{query}");
        assert!(message.contains("1 到 50"), "{message}");
    }
    for query in ["limit=abc", "limit=-1", "limit=99999999999999999999999"] {
        let response = app.get(&format!("/api/v1/markets/upcoming?{query}")).await;
        let (status, code, _) = json_error(response).await;
        assert_eq!((status, code.as_str()), (400, "bad_request"), "{query}");
    }
}

#[tokio::test]
async fn openapi_document_describes_every_api_operation_and_its_errors() {
    let app = TestApp::new().await;
    let response = app.get("/api/openapi.json").await;
    assert_eq!(response.status(), 200);
    let doc: Value = response.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());

    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.contains_key("/api/v1/markets/upcoming"));
    for (path, operations) in paths {
        assert!(path.starts_with("/api/v1/"), "{path} is outside /api/v1");
        for (method, operation) in operations.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{method} {path} documents no success"
            );
            assert!(
                responses
                    .keys()
                    .any(|s| s.starts_with('4') || s.starts_with('5')),
                "{method} {path} documents no error"
            );
            // Every documented GET without path parameters answers (not 404/405);
            // those that need a login say so in the document and answer 401.
            if method == "get" && !path.contains('{') {
                let status = app.get(path).await.status();
                let needs_query = operation["parameters"].as_array().is_some_and(|ps| {
                    ps.iter()
                        .any(|p| p["in"] == "query" && p["required"] == true)
                });
                if operation.get("security").is_some() {
                    assert_eq!(status, 401, "GET {path} without a login");
                } else if needs_query {
                    assert_eq!(status, 400, "GET {path} without its query");
                } else {
                    assert!(status.is_success(), "GET {path} answered {status}");
                }
            }
        }
    }
}

#[tokio::test]
async fn an_api_error_outside_v1_is_json_too() {
    let app = TestApp::new().await;
    let (status, code, _) = json_error(app.get("/api/v2/markets").await).await;
    assert_eq!((status, code.as_str()), (404, "not_found"));
}

/// Whether a schema (or, through references, arrays and properties, what it holds) shows
/// an example value.
fn shows_example(doc: &Value, schema: &Value, depth: usize) -> bool {
    if depth > 4 {
        return false;
    }
    let schema = match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap_or_default();
            &doc["components"]["schemas"][name]
        }
        None => schema,
    };
    let inner = |s: &Value| shows_example(doc, s, depth + 1);
    schema.get("example").is_some()
        || schema.get("examples").is_some()
        || schema["properties"]
            .as_object()
            .is_some_and(|p| p.values().any(inner))
        || schema.get("items").is_some_and(inner)
        || ["oneOf", "anyOf", "allOf"]
            .iter()
            .any(|k| schema[*k].as_array().is_some_and(|xs| xs.iter().any(inner)))
}

#[tokio::test]
async fn every_json_request_and_answer_in_the_document_shows_an_example() {
    let app = TestApp::new().await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let mut without = Vec::new();
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let request = operation["requestBody"]["content"]["application/json"]["schema"].clone();
            if !request.is_null() && !shows_example(&doc, &request, 0) {
                without.push(format!("{method} {path}: the request"));
            }
            for (status, answer) in operation["responses"].as_object().unwrap() {
                let schema = &answer["content"]["application/json"]["schema"];
                // Files (workbooks, CSV, the data export) are described by their type.
                if status.starts_with('2') && schema.is_object() && !shows_example(&doc, schema, 0)
                {
                    without.push(format!("{method} {path}: the {status} answer"));
                }
            }
        }
    }
    assert!(without.is_empty(), "no example:\n{}", without.join("\n"));
}
