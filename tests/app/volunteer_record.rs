//! The whole volunteer record (issue 20's part): trainings, awards and evaluations entered by
//! staff or the volunteer's leaders, refused with reasons (what was typed kept), read by the
//! volunteer on their own page and in "my data", and nobody else's to enter or read.

use member::PlatformRole;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp};

#[tokio::test]
async fn a_leader_records_a_training_staff_an_award_and_the_volunteer_sees_both() {
    let app = TestApp::new().await;
    let volunteer = app
        .add_account(PlatformRole::Volunteer, "李阿姨", "13911140001")
        .await;
    app.add_account(PlatformRole::Volunteer, "王队长", "13911140002")
        .await;
    let org = app
        .add_org("南湖爱心理发队", "elderly", "南湖社区", "13911140002")
        .await;
    member::memberships::add_member(
        &app.db,
        &app.staff_actor(),
        org,
        &member::memberships::NewMember {
            name: "李阿姨".into(),
            phone: "13911140001".into(),
            role: "member".into(),
            skills: String::new(),
        },
        weiyifang::views::today(),
    )
    .await
    .unwrap();
    app.accept_invitations("13911140001").await;

    let leader = app.browser();
    leader.login("13911140002", PASSWORD).await;
    let record = format!("/people/{volunteer}/record");
    let page = leader.get_text(&record).await;
    assert!(
        page.contains("李阿姨 的志愿记录") && page.contains("登记培训、表彰或服务评价"),
        "{page}"
    );

    // A training without its hours: refused beside the field, the rest kept.
    let training = |hours: &'static str| {
        vec![
            ("kind", "training"),
            ("name", "应急救护培训"),
            ("date", "2026-11-20"),
            ("given_by", "区红十字会 李老师"),
            ("place", "南湖社区活动室"),
            ("hours", hours),
            ("content", "心肺复苏与止血包扎"),
        ]
    };
    let refused = leader.post(&record, &training("")).await;
    assert_eq!(refused.status(), 422);
    let refused = refused.text().await.unwrap();
    assert!(refused.contains("时长请填写数字"), "{refused}");
    assert!(refused.contains(r#"value="应急救护培训""#), "{refused}");
    assert_eq!(leader.post(&record, &training("2")).await.status(), 303);
    assert_eq!(app.audit_entries("record.training_add").await.len(), 1);

    // The organizer evaluates her service: a result is needed.
    let evaluation = |result: &'static str| {
        vec![
            ("kind", "evaluation"),
            ("name", "11月公益集市 义务理发"),
            ("date", "2026-11-21"),
            ("given_by", "南湖爱心理发队"),
            ("result", result),
            ("content", "耐心细致，老人都满意"),
        ]
    };
    assert_eq!(leader.post(&record, &evaluation("")).await.status(), 422);
    assert_eq!(
        leader
            .post(&record, &evaluation("excellent"))
            .await
            .status(),
        303
    );

    // Staff add an award over the API.
    let staff = app
        .signed_in(PlatformRole::Coordinator, "周协调", "17000002003")
        .await;
    drop(staff);
    let token = app.api_token("17000002003", PASSWORD).await;
    let award = app
        .client
        .post(app.url(&format!("/api/v1/people/{volunteer}/record")))
        .bearer_auth(&token)
        .json(&json!({ "kind": "award", "name": "优秀志愿者", "date": "2026-11-25", "given_by": "南湖街道办事处" }))
        .send()
        .await
        .unwrap();
    assert_eq!(award.status(), 201);
    let future = app
        .client
        .post(app.url(&format!("/api/v1/people/{volunteer}/record")))
        .bearer_auth(&token)
        .json(&json!({ "kind": "award", "name": "优秀志愿者", "date": "2099-01-01", "given_by": "南湖街道办事处" }))
        .send()
        .await
        .unwrap();
    assert_eq!(future.status(), 422, "no award from the future");

    // She sees both, on her page and in her data.
    let her = app.browser();
    her.login("13911140001", PASSWORD).await;
    assert!(her.get_text("/me/shifts").await.contains("/me/record"));
    let mine = her.get("/me/record").await;
    assert_eq!(crate::helpers::location(&mine), record);
    let own = her.get_text(&record).await;
    assert!(
        own.contains("应急救护培训") && own.contains("2.0 小时") && own.contains("优秀志愿者"),
        "{own}"
    );
    assert!(own.contains("授予单位：南湖街道办事处"), "{own}");
    assert!(
        own.contains("优秀 · 评价单位：南湖爱心理发队 · 耐心细致，老人都满意"),
        "{own}"
    );
    assert!(
        !own.contains("登记培训、表彰或服务评价"),
        "she does not enter her own record"
    );
    let export: serde_json::Value = her.get("/me/export.json").await.json().await.unwrap();
    let kinds: Vec<&str> = export["trainings_and_awards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["award", "evaluation", "training"]);

    // Someone else neither reads nor enters it.
    app.add_account(PlatformRole::Volunteer, "路人", "13911140009")
        .await;
    let stranger = app.browser();
    stranger.login("13911140009", PASSWORD).await;
    assert_eq!(stranger.get(&record).await.status(), 404);
    assert_eq!(stranger.post(&record, &training("2")).await.status(), 403);
}
