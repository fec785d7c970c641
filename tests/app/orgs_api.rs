//! Organizations and members through the JSON API.

use member::PlatformRole;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp};

struct Api<'a> {
    app: &'a TestApp,
    token: String,
}

impl Api<'_> {
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .app
            .client
            .request(method.parse().unwrap(), self.app.url(path))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

async fn api<'a>(app: &'a TestApp, role: PlatformRole, name: &str, phone: &str) -> Api<'a> {
    app.add_account(role, name, phone).await;
    Api {
        app,
        token: app.api_token(phone, PASSWORD).await,
    }
}

fn org(name: &str) -> Value {
    json!({
        "name": name, "theme": "safety", "community": "南湖社区",
        "contact_name": "王师傅", "contact_phone": "13912345678",
    })
}

#[tokio::test]
async fn apply_admit_and_manage_members_through_the_api() {
    let app = TestApp::new().await;
    let leader = api(&app, PlatformRole::Volunteer, "王师傅", "13912345678").await;
    let staff = api(&app, PlatformRole::Coordinator, "周协调", "13600000001").await;

    let mut bad = org("");
    bad["theme"] = json!("space");
    let (status, body) = leader
        .call("POST", "/api/v1/organizations/applications", Some(bad))
        .await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "theme"]);
    let mut unknown = org("平安巡逻队");
    unknown["stage"] = json!("graduated");
    let (status, _) = leader
        .call("POST", "/api/v1/organizations/applications", Some(unknown))
        .await;
    assert_eq!(status, 400, "unknown fields are refused");

    let mut application = org("平安巡逻队");
    application["reason"] = json!("夜间巡逻");
    let (status, body) = leader
        .call(
            "POST",
            "/api/v1/organizations/applications",
            Some(application),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(body["stage"], "applied");
    let id = body["id"].as_str().unwrap().to_owned();

    let (status, _) = leader
        .call(
            "POST",
            &format!("/api/v1/organizations/{id}/transitions"),
            Some(json!({"to": "incubating", "reason": "x"})),
        )
        .await;
    assert_eq!(status, 403);
    let (status, body) = staff
        .call(
            "POST",
            &format!("/api/v1/organizations/{id}/transitions"),
            Some(json!({"to": "graduated", "reason": "跳级"})),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["error"]["fields"][0]["reason"],
        "error-stage-not-allowed"
    );
    let (status, body) = staff
        .call(
            "POST",
            &format!("/api/v1/organizations/{id}/transitions"),
            Some(json!({"to": "incubating", "reason": "同意"})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["stage"], "incubating");

    let (status, body) = app_get(&app, &format!("/api/v1/organizations/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(body["history"].as_array().unwrap().len(), 2);
    assert_eq!(body["leaders"][0]["phone"], "139****5678");
    assert_eq!(body["contact_phone"], "139****5678");

    // The applicant now leads: a new token carries the leadership.
    let leader = Api {
        app: &app,
        token: app.api_token("13912345678", PASSWORD).await,
    };
    let members = format!("/api/v1/organizations/{id}/members");
    let (status, body) = leader
        .call(
            "POST",
            &members,
            Some(json!({"phone": "13812340000", "name": "赵大爷", "skills": ["haircut"]})),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(body["one_time_code"].as_str().unwrap().len(), 8);
    let (status, body) = leader.call("GET", &members, None).await;
    assert_eq!(status, 200);
    let list = body.as_array().unwrap();
    assert_eq!(list.len(), 2);
    let own = list.iter().find(|m| m["role"] == "leader").unwrap();
    let own_id = own["membership_id"].as_str().unwrap();
    let (status, body) = leader
        .call(
            "PATCH",
            &format!("{members}/{own_id}"),
            Some(json!({"role": "member"})),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"][0]["reason"], "error-last-leader");
    let (status, _) = leader
        .call("DELETE", &format!("{members}/{own_id}"), None)
        .await;
    assert_eq!(status, 422);

    // Someone else's organization is out of reach.
    let other = api(&app, PlatformRole::Volunteer, "路人", "13700000000").await;
    assert_eq!(other.call("GET", &members, None).await.0, 403);
    assert_eq!(
        other
            .call(
                "PUT",
                &format!("/api/v1/organizations/{id}"),
                Some(org("改名"))
            )
            .await
            .0,
        403
    );
    assert_eq!(
        other
            .call("GET", &format!("/api/v1/organizations/{id}/roster"), None)
            .await
            .0,
        403
    );
}

async fn app_get(app: &TestApp, path: &str) -> (u16, Value) {
    let response = app.client.get(app.url(path)).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn rosters_go_in_and_out_through_the_api() {
    let app = TestApp::new().await;
    app.add_account(PlatformRole::Volunteer, "甲队长", "13911110001")
        .await;
    let id = app
        .add_org("甲队", "safety", "南湖社区", "13911110001")
        .await;
    let token = app.api_token("13911110001", PASSWORD).await;

    let csv = "姓名,手机号,技能\n张三,13800000001,理发\n坏人,123,\n";
    let part = reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("r.csv");
    let response = app
        .client
        .post(app.url(&format!("/api/v1/organizations/{id}/roster-imports")))
        .bearer_auth(&token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let preview: Value = response.json().await.unwrap();
    assert_eq!(
        (preview["good"].as_u64(), preview["bad"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(preview["rows"][1]["problem"], "error-phone-invalid");
    let import_id = preview["import_id"].as_str().unwrap();

    let commit = |token: String| {
        app.client
            .post(app.url(&format!(
                "/api/v1/organizations/{id}/roster-imports/{import_id}/commit"
            )))
            .bearer_auth(token)
            .send()
    };
    let response = commit(token.clone()).await.unwrap();
    assert_eq!(response.status(), 200);
    let done: Value = response.json().await.unwrap();
    assert_eq!(done["added"], 1);
    assert_eq!(commit(token.clone()).await.unwrap().status(), 422);

    let response = app
        .client
        .get(app.url(&format!("/api/v1/organizations/{id}/roster?format=csv")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(text.contains("张三,13800000001,成员,理发"));
    let response = app
        .client
        .get(app.url(&format!("/api/v1/organizations/{id}/roster?format=pdf")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
}

#[tokio::test]
async fn the_directory_api_filters_like_the_page() {
    let app = TestApp::new().await;
    app.add_org("北苑爱心理发队", "elderly", "北苑社区", "")
        .await;
    app.add_org("南湖巡逻队", "safety", "南湖社区", "").await;
    let (status, body) = app_get(&app, "/api/v1/organizations?theme=elderly").await;
    assert_eq!(status, 200);
    assert_eq!(body["total"], 1);
    assert_eq!(body["organizations"][0]["name"], "北苑爱心理发队");
    let (status, body) = app_get(&app, "/api/v1/organizations?q=%E5%B7%A1%E9%80%BB").await;
    assert_eq!(status, 200);
    assert_eq!(body["organizations"][0]["name"], "南湖巡逻队");
    let (status, body) = app_get(&app, "/api/v1/organizations?stage=flying").await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"][0]["field"], "stage");
}
