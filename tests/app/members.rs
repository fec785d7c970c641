//! Members of an organization: adding, leaving, skills, roster import and export.

use member::PlatformRole;
use member::entities::{membership, person, person_skill};
use member::roster::{self, ExportRow};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::helpers::{Browser, PASSWORD, TestApp, location};

/// An organization led by 甲队长 (13911110001), whose browser is returned signed in.
async fn led_org(app: &TestApp) -> (Uuid, Browser) {
    app.add_account(PlatformRole::Volunteer, "甲队长", "13911110001")
        .await;
    let org = app
        .add_org("南湖爱心理发队", "elderly", "南湖社区", "13911110001")
        .await;
    let leader = app.browser();
    assert_eq!(leader.login("13911110001", PASSWORD).await.status(), 303);
    (org, leader)
}

async fn current_members(app: &TestApp, org: Uuid) -> u64 {
    membership::Entity::find()
        .filter(membership::Column::OrganizationId.eq(org))
        .filter(membership::Column::LeftOn.is_null())
        .count(&app.db)
        .await
        .unwrap()
}

/// Uploads a roster and returns the preview page's path.
async fn upload(browser: &Browser, org: Uuid, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
    let form = reqwest::multipart::Form::new().part("file", part);
    browser
        .client
        .post(browser.url(&format!("/orgs/{org}/import")))
        .header("sec-fetch-site", "same-origin")
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_leader_adds_people_who_are_known_and_people_who_are_new() {
    let app = TestApp::new().await;
    let (org, leader) = led_org(&app).await;
    app.add_account(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    let members_path = format!("/orgs/{org}/members");

    // Someone already on the platform: the phone is enough.
    let response = leader
        .post(
            &members_path,
            &[
                ("phone", "13912345678"),
                ("role", "member"),
                ("skills", "理发、医疗"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    // She has an account of her own: she is invited, and the leader learns nothing of her
    // but the masked number until she says yes.
    let page = leader.get_text(&members_path).await;
    assert!(page.contains("已向本人发出邀请") && page.contains("139****5678"));
    assert!(!page.contains("李阿姨") && !page.contains("13912345678"));
    app.accept_invitations("13912345678").await;
    let page = leader.get_text(&members_path).await;
    assert!(page.contains("李阿姨") && !page.contains("已邀请，等待同意"));
    assert!(
        page.contains("139****5678") && !page.contains("13912345678"),
        "masked in the list"
    );
    // A staff account is never enrolled by a leader.
    app.add_account(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let response = leader
        .post(
            &members_path,
            &[("phone", "13600000001"), ("role", "member")],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("负责人不能把它加入组织") && !page.contains("周协调"));

    // Twice is refused, with the reason next to the phone.
    let response = leader
        .post(
            &members_path,
            &[("phone", "13912345678"), ("role", "member")],
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("这个人已经是本组织成员")
    );

    // Someone new needs a name, then gets a one-time code to set a password.
    let response = leader
        .post(
            &members_path,
            &[("phone", "13812340000"), ("role", "member")],
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("请填写姓名"));
    let response = leader
        .post(
            &members_path,
            &[
                ("phone", "13812340000"),
                ("name", "赵大爷"),
                ("role", "member"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("赵大爷") && page.contains(r#"<p class="code""#));

    let response = leader
        .post(
            &members_path,
            &[("phone", "13812340001"), ("name", "钱"), ("skills", "飞行")],
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("有不认识的技能"));

    assert_eq!(current_members(&app, org).await, 3);
    let skills = person_skill::Entity::find().count(&app.db).await.unwrap();
    assert_eq!(skills, 2);
    // 李阿姨 joined by accepting; 赵大爷 was new and added at once.
    assert_eq!(app.audit_entries("membership.invite").await.len(), 1);
    assert_eq!(app.audit_entries("membership.accept").await.len(), 1);
    assert_eq!(app.audit_entries("membership.add").await.len(), 1);
}

#[tokio::test]
async fn leaving_keeps_the_history_and_one_may_join_again() {
    let app = TestApp::new().await;
    let (org, leader) = led_org(&app).await;
    let volunteer = app
        .add_account(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    let members_path = format!("/orgs/{org}/members");
    leader
        .post(
            &members_path,
            &[("phone", "13912345678"), ("role", "member")],
        )
        .await;
    app.accept_invitations("13912345678").await;
    let id = membership::Entity::find()
        .filter(membership::Column::PersonId.eq(volunteer))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;

    let confirm = leader.get_text(&format!("{members_path}/{id}/end")).await;
    assert!(confirm.contains("确认退出") && confirm.contains("李阿姨"));
    let response = leader.post(&format!("{members_path}/{id}/end"), &[]).await;
    assert_eq!(response.status(), 303);
    assert!(!leader.get_text(&members_path).await.contains("李阿姨"));
    let former = leader.get_text(&format!("{members_path}?former=1")).await;
    assert!(former.contains("李阿姨") && former.contains("退出"));
    let row = membership::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(row.left_on.is_some(), "ended, not deleted");

    let response = leader
        .post(
            &members_path,
            &[("phone", "13912345678"), ("role", "member")],
        )
        .await;
    assert_eq!(response.status(), 303);
    app.accept_invitations("13912345678").await;
    assert_eq!(
        membership::Entity::find()
            .filter(membership::Column::PersonId.eq(volunteer))
            .count(&app.db)
            .await
            .unwrap(),
        2
    );
}

#[tokio::test]
async fn a_leader_sees_a_members_full_number_only_by_asking_and_it_is_logged() {
    let app = TestApp::new().await;
    let (org, leader) = led_org(&app).await;
    let volunteer = app
        .add_account(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    leader
        .post(
            &format!("/orgs/{org}/members"),
            &[("phone", "13912345678"), ("role", "member")],
        )
        .await;
    app.accept_invitations("13912345678").await;
    let id = membership::Entity::find()
        .filter(membership::Column::PersonId.eq(volunteer))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let response = leader
        .post(&format!("/orgs/{org}/members/{id}/phone"), &[])
        .await;
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("13912345678"));
    let reveals = app.audit_entries("person.phone_reveal").await;
    assert_eq!(reveals.len(), 1);
    assert_eq!(reveals[0].subject_id, Some(volunteer));
}

#[tokio::test]
async fn the_import_preview_marks_every_bad_row_and_commits_the_good_ones_once() {
    let app = TestApp::new().await;
    let (org, leader) = led_org(&app).await;
    app.add_account(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    let csv = "姓名,手机号,技能,角色\n\
               张三,13800000001,理发,成员\n\
               李阿姨,13912345678,医疗,\n\
               王五,12345,,\n\
               赵六,13800000001,,\n\
               ,13800000003,,\n\
               孙七,13800000004,飞行,\n\
               周八,13800000005,,校长\n\
               甲队长,13911110001,,\n\
               吴九,13800000006,理发、家电维修,负责人\n";

    let response = upload(&leader, org, "名单.csv", csv.as_bytes().to_vec()).await;
    assert_eq!(response.status(), 303);
    let preview_path = location(&response);
    let page = leader.get_text(&preview_path).await;
    assert!(
        page.contains(r#"<span class="count">3</span> 行可以导入"#),
        "张三, 李阿姨, 吴九"
    );
    assert!(page.contains(r#"<span class="count">6</span> 行有问题"#));
    for reason in [
        "请填写 11 位手机号码",
        "文件中手机号重复",
        "缺少姓名",
        "有不认识的技能",
        "角色只能是",
        "已经是本组织成员",
    ] {
        assert!(page.contains(reason), "{reason}");
    }
    assert!(
        page.contains("第 4 行"),
        "lines are numbered as in the file"
    );
    assert!(
        !page.contains("13800000006"),
        "numbers are masked in the preview"
    );
    assert_eq!(
        current_members(&app, org).await,
        1,
        "nothing written before confirming"
    );

    let response = leader.post(&preview_path, &[]).await;
    assert_eq!(response.status(), 303);
    // 李阿姨 has an account of her own: invited, a member once she accepts.
    let page = leader.get_text(&format!("/orgs/{org}/members")).await;
    assert!(page.contains("导入完成：新增 2 名成员；已有账号的人收到了邀请"));
    assert!(page.contains("已邀请，等待同意") && page.contains("139****5678"));
    assert_eq!(current_members(&app, org).await, 3);
    app.accept_invitations("13912345678").await;
    assert_eq!(current_members(&app, org).await, 4);
    let wu = person::Entity::find()
        .filter(person::Column::Phone.eq("13800000006"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let wu_skills = person_skill::Entity::find()
        .filter(person_skill::Column::PersonId.eq(wu.id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(wu_skills, 2);

    // Confirming again does nothing; the same file again adds no one twice.
    assert_eq!(leader.post(&preview_path, &[]).await.status(), 422);
    let response = upload(&leader, org, "名单.csv", csv.as_bytes().to_vec()).await;
    let again = location(&response);
    let page = leader.get_text(&again).await;
    assert!(page.contains(r#"<span class="count">0</span> 行可以导入"#));
    assert_eq!(current_members(&app, org).await, 4);
    assert_eq!(person::Entity::find().count(&app.db).await.unwrap(), 4);
    assert_eq!(app.audit_entries("roster.import").await.len(), 1);
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let log = coordinator
        .get_text("/admin/audit?action=roster.import")
        .await;
    assert!(
        log.contains("新增成员 2 人（其中新建 2 人），邀请 1 人，跳过 6 行"),
        "details in Chinese"
    );
}

#[tokio::test]
async fn two_confirmations_of_one_import_commit_it_once() {
    let app = TestApp::new().await;
    let (org, leader) = led_org(&app).await;
    let mut csv = String::from("姓名,手机号\n");
    for n in 0..200 {
        csv.push_str(&format!("队员{n},1380000{n:04}\n"));
    }
    let preview_path = location(&upload(&leader, org, "r.csv", csv.into_bytes()).await);
    let (a, b) = tokio::join!(
        leader.post(&preview_path, &[]),
        leader.post(&preview_path, &[])
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 422]);
    assert_eq!(current_members(&app, org).await, 201);
}

#[tokio::test]
async fn bad_files_are_refused_with_a_reason() {
    let app = TestApp::new().await;
    let (org, leader) = led_org(&app).await;
    for (name, bytes, reason) in [
        (
            "名单.xls",
            b"old excel".to_vec(),
            "只支持 .xlsx 和 .csv 文件",
        ),
        (
            "名单.csv",
            vec![0xD5, 0xC5, 0xC8, 0xFD, b',', b'1'],
            "不是 UTF-8 编码",
        ),
        ("名单.xlsx", b"PK not really".to_vec(), "文件无法读取"),
        (
            "名单.csv",
            "姓名,手机号\n".as_bytes().to_vec(),
            "文件里没有成员数据",
        ),
    ] {
        let response = upload(&leader, org, name, bytes).await;
        assert_eq!(response.status(), 422, "{name}");
        assert!(
            response.text().await.unwrap().contains(reason),
            "{name}: {reason}"
        );
    }
}

#[tokio::test]
async fn a_six_thousand_row_excel_roster_imports_in_one_go() {
    let app = TestApp::new().await;
    let (org, leader) = led_org(&app).await;
    let rows: Vec<ExportRow> = (0..6000)
        .map(|n| ExportRow {
            name: format!("志愿者{n}"),
            phone: format!("1350{n:07}"),
            role: "成员",
            skills: if n % 3 == 0 {
                "理发".into()
            } else {
                String::new()
            },
            joined_on: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        })
        .collect();
    let xlsx = roster::to_xlsx(&rows, "花名册").unwrap();

    let started = std::time::Instant::now();
    let response = upload(&leader, org, "花名册.xlsx", xlsx).await;
    assert_eq!(response.status(), 303);
    let preview_path = location(&response);
    let page = leader.get_text(&preview_path).await;
    assert!(page.contains(r#"<span class="count">6000</span> 行可以导入"#));
    assert!(
        page.contains("另有 5950 行可以导入"),
        "the preview lists 50 and counts the rest"
    );
    let previewed = started.elapsed();
    let response = leader.post(&preview_path, &[]).await;
    assert_eq!(response.status(), 303);
    eprintln!(
        "6,000-row xlsx: preview {previewed:?}, total {:?}",
        started.elapsed()
    );
    assert_eq!(current_members(&app, org).await, 6001);
    assert_eq!(
        person_skill::Entity::find().count(&app.db).await.unwrap(),
        2000
    );
}

#[tokio::test]
async fn exports_hold_the_members_and_are_logged() {
    let app = TestApp::new().await;
    let (org, leader) = led_org(&app).await;
    app.add_account(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    leader
        .post(
            &format!("/orgs/{org}/members"),
            &[
                ("phone", "13912345678"),
                ("role", "member"),
                ("skills", "理发"),
            ],
        )
        .await;
    app.accept_invitations("13912345678").await;

    let response = leader.get(&format!("/orgs/{org}/members.csv")).await;
    assert_eq!(response.status(), 200);
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    let bytes = response.bytes().await.unwrap();
    let text = std::str::from_utf8(&bytes).unwrap();
    assert!(text.starts_with("\u{feff}姓名,手机号,角色,技能,加入日期"));
    assert!(
        text.contains("李阿姨,13912345678,成员,理发,"),
        "the leader may see full numbers"
    );

    let response = leader.get(&format!("/orgs/{org}/members.xlsx")).await;
    assert_eq!(response.status(), 200);
    let rows = roster::parse_file("x.xlsx", &response.bytes().await.unwrap()).unwrap();
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .any(|r| r.name == "李阿姨" && r.phone == "13912345678")
    );
    assert_eq!(app.audit_entries("roster.export").await.len(), 2);

    // Anyone else: no file.
    let stranger = app
        .signed_in(PlatformRole::Volunteer, "路人", "13700000000")
        .await;
    assert_eq!(
        stranger
            .get(&format!("/orgs/{org}/members.csv"))
            .await
            .status(),
        403
    );
    assert_eq!(
        app.browser()
            .get(&format!("/orgs/{org}/members.csv"))
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn a_member_sees_their_organizations_and_sets_their_own_skills() {
    let app = TestApp::new().await;
    let (org, leader) = led_org(&app).await;
    let volunteer = app
        .signed_in(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    leader
        .post(
            &format!("/orgs/{org}/members"),
            &[("phone", "13912345678"), ("role", "member")],
        )
        .await;

    // She is invited, and joins by saying yes on her own page.
    let page = volunteer.get_text("/me").await;
    assert!(page.contains("南湖爱心理发队 邀请您以“成员”的身份加入"));
    let accept = page
        .split(r#"action="/me/invitations/"#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|rest| format!("/me/invitations/{rest}"))
        .unwrap();
    assert!(accept.ends_with("/accept"));
    assert_eq!(volunteer.post(&accept, &[]).await.status(), 303);
    // Once is enough: a second answer is refused.
    assert_eq!(volunteer.post(&accept, &[]).await.status(), 422);
    let page = volunteer.get_text("/me").await;
    assert!(page.contains("南湖爱心理发队") && page.contains("成员"));
    assert!(!page.contains("邀请您以"));
    let response = volunteer
        .post("/me/skills", &[("skills", "理发、潜水")])
        .await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("有不认识的技能"));
    let response = volunteer
        .post("/me/skills", &[("skills", "理发、医疗")])
        .await;
    assert_eq!(response.status(), 303);
    assert!(
        volunteer
            .get_text("/me")
            .await
            .contains(r#"value="理发、医疗""#)
    );

    let data: serde_json::Value = volunteer.get("/me/export.json").await.json().await.unwrap();
    assert_eq!(data["memberships"][0]["organization"], "南湖爱心理发队");
    assert_eq!(data["memberships"][0]["role"], "member");
    assert_eq!(data["skills"], serde_json::json!(["haircut", "medical"]));

    // Another member's skills are theirs and their leaders' to set, not a stranger's.
    let stranger = app
        .signed_in(PlatformRole::Volunteer, "路人", "13700000000")
        .await;
    let mid = membership::Entity::find()
        .filter(membership::Column::OrganizationId.eq(org))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.role == member::memberships::MemberRole::Member)
        .unwrap()
        .id;
    let response = stranger
        .post(
            &format!("/orgs/{org}/members/{mid}/skills"),
            &[("skills", "")],
        )
        .await;
    assert_eq!(response.status(), 403);
    let response = leader
        .post(
            &format!("/orgs/{org}/members/{mid}/skills"),
            &[("skills", "家电维修")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let data: serde_json::Value = volunteer.get("/me/export.json").await.json().await.unwrap();
    assert_eq!(data["skills"], serde_json::json!(["repair"]));
}

#[tokio::test]
async fn someone_on_a_roster_registers_and_finds_their_organization() {
    let app = TestApp::new().await;
    let (org, leader) = led_org(&app).await;
    let csv = "姓名,手机号\n李四,13800000009\n";
    let preview = location(&upload(&leader, org, "r.csv", csv.as_bytes().to_vec()).await);
    assert_eq!(leader.post(&preview, &[]).await.status(), 303);
    let people = person::Entity::find().count(&app.db).await.unwrap();

    let newcomer = app.browser();
    let response = newcomer
        .post(
            "/register",
            &[
                ("name", "李四"),
                ("phone", "13800000009"),
                ("birth_date", "1970-05-01"),
                ("password", "my own passphrase"),
                ("password_confirm", "my own passphrase"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        person::Entity::find().count(&app.db).await.unwrap(),
        people,
        "the roster row is theirs"
    );
    assert_eq!(
        newcomer
            .login("13800000009", "my own passphrase")
            .await
            .status(),
        303
    );
    assert!(newcomer.get_text("/me").await.contains("南湖爱心理发队"));

    // Now it has an account: a second registration changes nothing (and says the same).
    let response = app
        .browser()
        .post(
            "/register",
            &[
                ("name", "冒名"),
                ("phone", "13800000009"),
                ("birth_date", "1970-05-01"),
                ("password", "another passphrase"),
                ("password_confirm", "another passphrase"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        app.browser()
            .login("13800000009", "another passphrase")
            .await
            .status(),
        401
    );
    assert!(newcomer.get_text("/me").await.contains("李四"));
}
