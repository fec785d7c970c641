//! Organizations: applying, admitting, the lifecycle, the directory, and who may do what.

use member::PlatformRole;
use member::entities::{membership, organization, stage_change};
use member::orgs::Stage;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::{TestApp, location};

fn org_form<'a>(name: &'a str, theme: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("theme", theme),
        ("community", "南湖社区"),
        ("contact_name", "王师傅"),
        ("contact_phone", "13912345678"),
        ("registration", "filed"),
        ("founded_on", "2024-03-01"),
        ("description", "每月为老人义务理发。"),
        ("reason", "我们已有 12 名志愿者，希望得到场地支持。"),
    ]
}

#[tokio::test]
async fn a_volunteer_applies_and_a_coordinator_admits_them_as_leader() {
    let app = TestApp::new().await;
    let applicant = app
        .signed_in(PlatformRole::Volunteer, "王师傅", "13912345678")
        .await;
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;

    // A visitor fills the form in first; sending it asks her to log in, and she comes
    // back to the form as she typed it.
    let visitor = app.browser();
    let page = visitor.get_text("/orgs/apply").await;
    assert!(page.contains("组织名称") && page.contains("提交时需要登录"));
    let response = visitor
        .post("/orgs/apply", &org_form("南湖夕阳红舞蹈队", "elderly"))
        .await;
    assert_eq!(response.status(), 303);
    let login = location(&response);
    assert!(
        login.starts_with("/login?next=%2Forgs%2Fapply%3F"),
        "{login}"
    );
    let next: String = url_next(&login);
    app.add_account(PlatformRole::Volunteer, "舞蹈队长", "13912340000")
        .await;
    let response = visitor
        .post(
            "/login",
            &[
                ("phone", "13912340000"),
                ("password", crate::helpers::PASSWORD),
                ("next", &next),
            ],
        )
        .await;
    assert_eq!(location(&response), next);
    let back = visitor.get_text(&next).await;
    assert!(back.contains(r#"value="南湖夕阳红舞蹈队""#) && back.contains("我们已有 12 名志愿者"));

    // A mistake: the form comes back with what was typed.
    let mut form = org_form("南湖爱心理发队", "");
    form.retain(|(k, _)| *k != "contact_phone");
    let response = applicant.post("/orgs/apply", &form).await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains(r#"value="南湖爱心理发队""#));
    assert!(page.contains("请从列表中选择一项"), "theme");
    assert!(page.contains("请填写手机号"), "contact phone");
    assert!(page.contains("我们已有 12 名志愿者"), "the reason is kept");
    assert_eq!(
        organization::Entity::find().count(&app.db).await.unwrap(),
        0
    );

    let response = applicant
        .post("/orgs/apply", &org_form("南湖爱心理发队", "elderly"))
        .await;
    assert_eq!(response.status(), 303);
    let org_path = location(&response);
    let page = applicant.get_text(&org_path).await;
    assert!(page.contains("申请中") && page.contains("申请已提交"));

    // An application is not public.
    assert_eq!(app.browser().get(&org_path).await.status(), 404);
    assert!(
        !app.browser()
            .get_text("/orgs")
            .await
            .contains("南湖爱心理发队")
    );
    assert!(
        coordinator
            .get_text("/orgs")
            .await
            .contains("南湖爱心理发队")
    );
    // The applicant cannot admit themselves.
    let admit = [
        ("to", "incubating"),
        ("on_date", ""),
        ("reason", "材料齐全，同意孵化"),
    ];
    let stage_path = format!("{org_path}/stage");
    assert_eq!(applicant.post(&stage_path, &admit).await.status(), 403);

    let response = coordinator.post(&stage_path, &admit).await;
    assert_eq!(response.status(), 303);
    let page = app.browser().get_text(&org_path).await;
    assert!(page.contains("孵化中"));
    assert!(
        page.contains("材料齐全，同意孵化"),
        "the reason is in the history"
    );
    assert!(page.contains("经办：周协调"));
    assert!(page.contains("王师傅 139****5678"), "the leader, masked");
    assert!(!page.contains("13912345678"));

    // The applicant now leads it.
    let members = applicant.get_text(&format!("{org_path}/members")).await;
    assert!(members.contains("负责人"));
    let org = organization::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(org.stage, Stage::Incubating);
    let history = stage_change::Entity::find().count(&app.db).await.unwrap();
    assert_eq!(history, 2);
    assert_eq!(
        app.audit_entries("organization.stage_change").await.len(),
        1
    );
}

#[tokio::test]
async fn only_allowed_stage_changes_happen() {
    let app = TestApp::new().await;
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let id = app
        .add_org("环保先锋队", "environment", "南湖社区", "")
        .await;
    let path = format!("/orgs/{id}/stage");

    let page = coordinator.get_text(&path).await;
    assert!(page.contains("出壳") && page.contains("暂停孵化"));
    assert!(!page.contains(r#"value="applied""#), "not offered");

    for (form, message) in [
        (
            vec![("to", "applied"), ("reason", "x")],
            "不能从当前阶段变更到这个阶段",
        ),
        (vec![("to", "graduated"), ("reason", "")], "这一项必须填写"),
        (
            vec![
                ("to", "graduated"),
                ("reason", "x"),
                ("on_date", "2099-01-01"),
            ],
            "日期格式不正确",
        ),
        (
            vec![("to", "flying"), ("reason", "x")],
            "请从列表中选择一项",
        ),
    ] {
        let response = coordinator.post(&path, &form).await;
        assert_eq!(response.status(), 422, "{form:?}");
        assert!(response.text().await.unwrap().contains(message), "{form:?}");
    }
    assert_eq!(
        stage_change::Entity::find().count(&app.db).await.unwrap(),
        1
    );

    for to in ["graduated", "suspended", "incubating", "exited"] {
        let form = [("to", to), ("reason", "按计划"), ("on_date", "2026-01-15")];
        let response = coordinator.post(&path, &form).await;
        // graduated → suspended → incubating → exited: each allowed from the one before.
        assert_eq!(response.status(), 303, "to {to}");
    }
    let page = coordinator.get_text(&path).await;
    assert!(page.contains("已处于最终阶段"));
    let response = coordinator
        .post(&path, &[("to", "incubating"), ("reason", "x")])
        .await;
    assert_eq!(response.status(), 422);
    assert_eq!(
        stage_change::Entity::find().count(&app.db).await.unwrap(),
        5
    );
}

#[tokio::test]
async fn the_directory_filters_searches_counts_and_pages() {
    let app = TestApp::new().await;
    for n in 0..22 {
        app.add_org(&format!("南湖巡逻队{n:02}"), "safety", "南湖社区", "")
            .await;
    }
    app.add_org("北苑爱心理发队", "elderly", "北苑社区", "")
        .await;
    let exited = app
        .add_org("北苑环保队", "environment", "北苑社区", "")
        .await;
    member::orgs::transition(
        &app.db,
        &app.staff_actor(),
        exited,
        "exited",
        "",
        "解散",
        chrono::Utc::now().date_naive(),
    )
    .await
    .unwrap();
    let browser = app.browser();

    let page = browser.get_text("/orgs").await;
    assert!(page.contains("共 24 个组织"));
    assert!(page.contains(r#"<span class="count">23</span> 孵化中"#));
    assert!(page.contains(r#"<span class="count">1</span> 已退出"#));
    assert!(
        !page.contains("申请中"),
        "applications are counted for staff only"
    );
    assert!(page.contains("第 1 / 2 页"));
    let page2 = browser.get_text("/orgs?page=2").await;
    assert!(
        page2.contains("南湖巡逻队21") || page2.contains("北苑"),
        "the rest on page 2"
    );

    let elderly = browser.get_text("/orgs?theme=elderly").await;
    assert!(elderly.contains("北苑爱心理发队") && !elderly.contains("南湖巡逻队"));
    let community = browser
        .get_text("/orgs?community=%E5%8C%97%E8%8B%91%E7%A4%BE%E5%8C%BA")
        .await;
    assert!(community.contains("共 2 个组织"));
    let search = browser.get_text("/orgs?q=%E7%90%86%E5%8F%91").await;
    assert!(search.contains("共 1 个组织") && search.contains("北苑爱心理发队"));
    let stage = browser.get_text("/orgs?stage=exited").await;
    assert!(stage.contains("北苑环保队") && stage.contains("共 1 个组织"));
    let none = browser
        .get_text("/orgs?q=%E4%B8%8D%E5%AD%98%E5%9C%A8")
        .await;
    assert!(none.contains("没有符合条件的组织"));
}

#[tokio::test]
async fn a_leader_manages_their_own_organization_only() {
    let app = TestApp::new().await;
    app.add_account(PlatformRole::Volunteer, "甲队长", "13911110001")
        .await;
    app.add_account(PlatformRole::Volunteer, "乙队长", "13911110002")
        .await;
    let a = app
        .add_org("甲队", "safety", "南湖社区", "13911110001")
        .await;
    let b = app
        .add_org("乙队", "safety", "南湖社区", "13911110002")
        .await;
    let leader_a = app.browser();
    leader_a
        .login("13911110001", crate::helpers::PASSWORD)
        .await;

    assert_eq!(
        leader_a.get(&format!("/orgs/{a}/members")).await.status(),
        200
    );
    assert_eq!(leader_a.get(&format!("/orgs/{a}/edit")).await.status(), 200);
    let b_membership = membership::Entity::find()
        .filter(membership::Column::OrganizationId.eq(b))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    for path in [
        format!("/orgs/{b}/members"),
        format!("/orgs/{b}/edit"),
        format!("/orgs/{b}/import"),
        format!("/orgs/{b}/members.csv"),
        format!("/orgs/{b}/members.xlsx"),
        format!("/orgs/{b}/members/{b_membership}/end"),
        format!("/orgs/{b}/stage"),
    ] {
        let response = leader_a.get(&path).await;
        assert_eq!(response.status(), 403, "GET {path}");
        assert!(!response.text().await.unwrap().contains("乙队长"), "{path}");
    }
    for (path, form) in [
        (
            format!("/orgs/{b}/members"),
            vec![("phone", "13911110001"), ("role", "leader")],
        ),
        (format!("/orgs/{b}/edit"), org_form("乙队改名", "safety")),
        (
            format!("/orgs/{b}/members/{b_membership}/role"),
            vec![("role", "member")],
        ),
        (format!("/orgs/{b}/members/{b_membership}/end"), vec![]),
        (format!("/orgs/{b}/members/{b_membership}/phone"), vec![]),
        (
            format!("/orgs/{b}/members/{b_membership}/skills"),
            vec![("skills", "理发")],
        ),
        (
            format!("/orgs/{a}/stage"),
            vec![("to", "graduated"), ("reason", "自己出壳")],
        ),
    ] {
        assert_eq!(
            leader_a.post(&path, &form).await.status(),
            403,
            "POST {path}"
        );
    }
    let b_org = organization::Entity::find_by_id(b)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(b_org.name, "乙队");
    assert_eq!(membership::Entity::find().count(&app.db).await.unwrap(), 2);
    assert!(app.audit_entries("person.phone_reveal").await.is_empty());
}

#[tokio::test]
async fn an_organization_always_keeps_a_leader() {
    let app = TestApp::new().await;
    app.add_account(PlatformRole::Volunteer, "甲队长", "13911110001")
        .await;
    app.add_account(PlatformRole::Volunteer, "老李", "13911110003")
        .await;
    let org = app
        .add_org("甲队", "safety", "南湖社区", "13911110001")
        .await;
    let leader = app.browser();
    leader.login("13911110001", crate::helpers::PASSWORD).await;
    let mine = membership::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;

    let response = leader
        .post(
            &format!("/orgs/{org}/members/{mine}/role"),
            &[("role", "member")],
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("组织至少要保留一名负责人")
    );
    let response = leader
        .post(&format!("/orgs/{org}/members/{mine}/end"), &[])
        .await;
    assert_eq!(response.status(), 422);

    // With a second leader, the first may step down.
    let response = leader
        .post(
            &format!("/orgs/{org}/members"),
            &[("phone", "13911110003"), ("role", "leader")],
        )
        .await;
    assert_eq!(response.status(), 303);
    app.accept_invitations("13911110003").await;
    let response = leader
        .post(
            &format!("/orgs/{org}/members/{mine}/role"),
            &[("role", "member")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let leaders = membership::Entity::find()
        .filter(membership::Column::Role.eq("leader"))
        .filter(membership::Column::LeftOn.is_null())
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(leaders, 1);
}

#[tokio::test]
async fn two_leaders_stepping_down_at_once_leave_one_leader() {
    let app = TestApp::new().await;
    app.add_account(PlatformRole::Volunteer, "甲", "13911110001")
        .await;
    app.add_account(PlatformRole::Volunteer, "乙", "13911110002")
        .await;
    let org = app
        .add_org("甲队", "safety", "南湖社区", "13911110001")
        .await;
    let staff = app.staff_actor();
    member::memberships::add_member(
        &app.db,
        &staff,
        org,
        &member::memberships::NewMember {
            phone: "13911110002".into(),
            role: "leader".into(),
            ..Default::default()
        },
        chrono::Utc::now().date_naive(),
    )
    .await
    .unwrap();
    app.accept_invitations("13911110002").await;
    let ids: Vec<_> = membership::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    let (first, second) = tokio::join!(
        member::memberships::change_role(&app.db, &staff, org, ids[0], "member"),
        member::memberships::change_role(&app.db, &staff, org, ids[1], "member"),
    );
    assert!(
        first.is_ok() != second.is_ok(),
        "exactly one steps down: {first:?} {second:?}"
    );
    let leaders = membership::Entity::find()
        .filter(membership::Column::Role.eq("leader"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(leaders, 1);
}

#[tokio::test]
async fn a_leader_uploads_a_logo_that_everyone_sees() {
    let app = TestApp::new().await;
    app.add_account(PlatformRole::Volunteer, "甲队长", "13911110001")
        .await;
    let org = app
        .add_org("甲队", "safety", "南湖社区", "13911110001")
        .await;
    let leader = app.browser();
    leader.login("13911110001", crate::helpers::PASSWORD).await;
    let send = |bytes: Vec<u8>| {
        let part = reqwest::multipart::Part::bytes(bytes).file_name("logo.png");
        leader
            .client
            .post(leader.url(&format!("/orgs/{org}/logo")))
            .header("sec-fetch-site", "same-origin")
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
    };
    let response = send(b"<svg onload=alert(1)>".to_vec()).await.unwrap();
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("只支持 PNG、JPEG 或 WebP 图片")
    );
    let mut too_big = b"\x89PNG\r\n\x1a\n".to_vec();
    too_big.resize(301 * 1024, 0);
    assert_eq!(send(too_big).await.unwrap().status(), 422);
    assert_eq!(
        app.browser()
            .get(&format!("/orgs/{org}/logo"))
            .await
            .status(),
        404
    );

    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    assert_eq!(send(png.clone()).await.unwrap().status(), 303);
    let response = app.browser().get(&format!("/orgs/{org}/logo")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(response.bytes().await.unwrap().to_vec(), png);
    assert!(
        app.browser()
            .get_text(&format!("/orgs/{org}"))
            .await
            .contains("class=\"org-logo\"")
    );

    let stranger = app
        .signed_in(PlatformRole::Volunteer, "路人", "13700000000")
        .await;
    let part = reqwest::multipart::Part::bytes(b"\x89PNG\r\n\x1a\nX".to_vec()).file_name("x.png");
    let response = stranger
        .client
        .post(stranger.url(&format!("/orgs/{org}/logo")))
        .header("sec-fetch-site", "same-origin")
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

/// The `next` a log-in address carries, decoded.
fn url_next(login: &str) -> String {
    let query = login.split_once('?').map(|(_, q)| q).unwrap_or("");
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .unwrap()
        .into_iter()
        .find(|(k, _)| k == "next")
        .map(|(_, v)| v)
        .unwrap()
}
