//! Projects and their funding ledger.

use member::PlatformRole;
use project::entities::{funding_entry, project as project_entity};
use project::money::format_yuan;
use sea_orm::{EntityTrait, PaginatorTrait};
use uuid::Uuid;

use crate::helpers::{Browser, PASSWORD, TestApp, location};

/// An organization led by 甲队长, a signed-in browser for him, and a project of it.
async fn project_of_a_leader(app: &TestApp) -> (Uuid, Browser, String) {
    app.add_account(PlatformRole::Volunteer, "甲队长", "13911110001")
        .await;
    let org = app
        .add_org("南湖平安巡逻队", "safety", "南湖社区", "13911110001")
        .await;
    let leader = app.browser();
    leader.login("13911110001", PASSWORD).await;
    let response = leader
        .post(
            "/projects/new",
            &[
                ("organization_id", &org.to_string()),
                ("title", "治安巡逻·共护平安家园"),
                ("theme", "safety"),
                ("community", "南湖社区"),
                ("starts_on", "2025-03-01"),
                ("goal_beneficiaries", "11000"),
                ("goal_text", "安装400个高清摄像头"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    (org, leader, location(&response))
}

fn entry<'a>(
    source: &'a str,
    amount: &'a str,
    date: &'a str,
    who: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("source", source),
        ("amount", amount),
        ("received_on", date),
        ("contributor", who),
    ]
}

async fn ledger_total(app: &TestApp) -> i64 {
    funding_entry::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|e| e.amount_fen)
        .sum()
}

#[tokio::test]
async fn the_camera_project_adds_up_to_a_million() {
    let app = TestApp::new().await;
    let (org, leader, path) = project_of_a_leader(&app).await;
    let org_page = app.browser().get_text(&format!("/orgs/{org}")).await;
    assert!(
        org_page.contains("治安巡逻·共护平安家园"),
        "the organization lists its projects"
    );
    let funding = format!("{path}/funding");
    let mut households = entry("crowdfunding", "250000", "2025-03-10", "11000户居民");
    households.push(("contributor_count", "11,000"));
    assert_eq!(leader.post(&funding, &households).await.status(), 303);
    let mut units = entry("unit_support", "¥750,000.00", "2025-04-01", "160家单位");
    units.push(("contributor_count", "160"));
    assert_eq!(leader.post(&funding, &units).await.status(), 303);

    let page = app.browser().get_text(&path).await;
    assert!(
        page.contains("¥1,000,000.00"),
        "the total, for everyone to see"
    );
    assert!(page.contains("¥250,000.00") && page.contains("¥750,000.00"));
    assert!(page.contains("11000户居民") && page.contains("11000 方"));
    assert_eq!(ledger_total(&app).await, 100_000_000, "in fen, exactly");
}

#[tokio::test]
async fn bad_amounts_and_dates_are_refused_and_nothing_is_written() {
    let app = TestApp::new().await;
    let (_, leader, path) = project_of_a_leader(&app).await;
    let funding = format!("{path}/funding");
    for (amount, message) in [
        ("-5", "金额必须大于 0"),
        ("0", "金额必须大于 0"),
        ("abc", "金额格式不正确"),
        ("1.234", "金额最多保留两位小数"),
        ("100000000.01", "单笔金额不能超过 1 亿元"),
        ("", "请填写金额"),
    ] {
        let response = leader
            .post(&funding, &entry("donation", amount, "2025-05-01", "王先生"))
            .await;
        assert_eq!(response.status(), 422, "{amount}");
        let page = response.text().await.unwrap();
        assert!(page.contains(message), "{amount}: {message}");
        assert!(page.contains(r#"value="王先生""#), "what was typed is kept");
    }
    let response = leader
        .post(&funding, &entry("lottery", "5", "2025-05-01", "王先生"))
        .await;
    assert_eq!(response.status(), 422);
    let response = leader
        .post(&funding, &entry("donation", "5", "2099-05-01", "王先生"))
        .await;
    assert_eq!(response.status(), 422);
    assert_eq!(
        funding_entry::Entity::find().count(&app.db).await.unwrap(),
        0
    );

    // The largest allowed amount and tenths of a yuan are exact.
    assert_eq!(
        leader
            .post(
                &funding,
                &entry("donation", "100000000", "2025-05-01", "基金会")
            )
            .await
            .status(),
        303
    );
    for _ in 0..3 {
        assert_eq!(
            leader
                .post(&funding, &entry("donation", "0.1", "2025-05-01", "小朋友"))
                .await
                .status(),
            303
        );
    }
    assert_eq!(ledger_total(&app).await, 10_000_000_030);
    assert!(
        app.browser()
            .get_text(&path)
            .await
            .contains("¥100,000,000.30")
    );

    // The project form: end before start, kept input.
    let response = leader
        .post(
            &format!("{path}/edit"),
            &[
                ("title", "改名"),
                ("theme", "safety"),
                ("community", "南湖社区"),
                ("starts_on", "2025-03-01"),
                ("ends_on", "2025-01-01"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("结束日期不能早于开始日期") && page.contains(r#"value="改名""#));
}

#[tokio::test]
async fn mistakes_are_reversed_never_edited() {
    let app = TestApp::new().await;
    let (org, leader, path) = project_of_a_leader(&app).await;
    let funding = format!("{path}/funding");
    leader
        .post(&funding, &entry("donation", "500", "2025-05-01", "王先生"))
        .await;
    leader
        .post(&funding, &entry("donation", "800", "2025-05-02", "李女士"))
        .await;
    let entries = funding_entry::Entity::find().all(&app.db).await.unwrap();
    let wrong = entries.iter().find(|e| e.amount_fen == 50_000).unwrap().id;

    let confirm = leader
        .get_text(&format!("{path}/funding/{wrong}/reverse"))
        .await;
    assert!(confirm.contains("确认冲销") && confirm.contains("¥500.00"));
    let response = leader
        .post(
            &format!("{path}/funding/{wrong}/reverse"),
            &[("reason", "")],
        )
        .await;
    assert_eq!(response.status(), 422);
    let response = leader
        .post(
            &format!("{path}/funding/{wrong}/reverse"),
            &[("reason", "重复登记")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let page = leader.get_text(&path).await;
    assert!(page.contains("¥800.00") && page.contains("-¥500.00") && page.contains("重复登记"));
    assert!(page.contains("已冲销"));
    assert_eq!(ledger_total(&app).await, 80_000);
    assert_eq!(
        funding_entry::Entity::find().count(&app.db).await.unwrap(),
        3,
        "nothing deleted"
    );

    // Twice, a reversal of a reversal, and another project's entry: refused.
    let response = leader
        .post(
            &format!("{path}/funding/{wrong}/reverse"),
            &[("reason", "再来一次")],
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("已经冲销过了"));
    let reversal = funding_entry::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.reverses_id.is_some())
        .unwrap()
        .id;
    let response = leader
        .post(
            &format!("{path}/funding/{reversal}/reverse"),
            &[("reason", "撤销冲销")],
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("冲销记录不能再冲销")
    );

    let other = leader
        .post(
            "/projects/new",
            &[
                ("organization_id", &org.to_string()),
                ("title", "另一个项目"),
                ("theme", "safety"),
                ("community", "南湖社区"),
                ("starts_on", "2025-03-01"),
            ],
        )
        .await;
    let other_path = location(&other);
    let good = entries.iter().find(|e| e.amount_fen == 80_000).unwrap().id;
    let response = leader
        .post(
            &format!("{other_path}/funding/{good}/reverse"),
            &[("reason", "x")],
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("不属于这个项目"));
    assert_eq!(ledger_total(&app).await, 80_000);
}

#[tokio::test]
async fn two_reversals_of_one_entry_at_once_leave_one() {
    let app = TestApp::new().await;
    let (_, leader, path) = project_of_a_leader(&app).await;
    leader
        .post(
            &format!("{path}/funding"),
            &entry("donation", "500", "2025-05-01", "王先生"),
        )
        .await;
    let id = funding_entry::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let reverse = format!("{path}/funding/{id}/reverse");
    let (a, b) = tokio::join!(
        leader.post(&reverse, &[("reason", "一")]),
        leader.post(&reverse, &[("reason", "二")])
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 422]);
    assert_eq!(ledger_total(&app).await, 0);
}

#[tokio::test]
async fn a_project_moves_planned_active_closed_and_only_its_leaders_move_it() {
    let app = TestApp::new().await;
    let (_, leader, path) = project_of_a_leader(&app).await;
    let status = format!("{path}/status");
    assert_eq!(
        leader
            .post(&status, &[("status", "planned")])
            .await
            .status(),
        422
    );
    let stranger = app
        .signed_in(PlatformRole::Volunteer, "乙队长", "13911110002")
        .await;
    let id: Uuid = path.trim_start_matches("/projects/").parse().unwrap();
    for (method, target) in [
        ("POST", status.clone()),
        ("POST", format!("{path}/funding")),
        ("GET", format!("{path}/edit")),
        ("POST", format!("{path}/edit")),
        ("GET", format!("{path}/ledger.csv")),
        ("GET", "/funding".to_owned()),
        ("GET", "/funding/export.csv".to_owned()),
        ("GET", "/projects/new".to_owned()),
    ] {
        let response = match method {
            "GET" => stranger.get(&target).await,
            _ => {
                stranger
                    .post(
                        &target,
                        &[
                            ("status", "active"),
                            ("source", "donation"),
                            ("amount", "5"),
                        ],
                    )
                    .await
            }
        };
        assert_eq!(response.status(), 403, "{method} {target}");
    }
    assert_eq!(
        funding_entry::Entity::find().count(&app.db).await.unwrap(),
        0
    );

    assert_eq!(
        leader.post(&status, &[("status", "active")]).await.status(),
        303
    );
    assert_eq!(
        leader.post(&status, &[("status", "closed")]).await.status(),
        303
    );
    assert_eq!(
        leader.post(&status, &[("status", "active")]).await.status(),
        422
    );
    let stored = project_entity::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, project::projects::Status::Closed);
    assert!(
        app.browser()
            .get_text("/projects?status=closed")
            .await
            .contains("治安巡逻·共护平安家园")
    );
    assert!(
        !app.browser()
            .get_text("/projects?status=active")
            .await
            .contains("治安巡逻·共护平安家园")
    );
}

#[tokio::test]
async fn every_grouping_of_the_overview_adds_up_and_the_export_matches_the_screen() {
    let app = TestApp::new().await;
    let (org, leader, path) = project_of_a_leader(&app).await;
    let second = leader
        .post(
            "/projects/new",
            &[
                ("organization_id", &org.to_string()),
                ("title", "环保先锋·共建绿色家园"),
                ("theme", "environment"),
                ("community", "南湖社区"),
                ("starts_on", "2024-01-01"),
            ],
        )
        .await;
    let second = location(&second);
    let sources = [
        "fund_grant",
        "crowdfunding",
        "unit_support",
        "donation",
        "community_income",
    ];
    let mut expected = 0i64;
    for n in 0..25u32 {
        let target = if n % 2 == 0 { &path } else { &second };
        let amount = format!("{}.{:02}", 1000 + n * 37, (n * 13) % 100);
        let date = format!("{}-0{}-1{}", 2024 + (n % 2), 1 + n % 9, n % 10);
        let source = sources[(n as usize) % sources.len()];
        let response = leader
            .post(
                &format!("{target}/funding"),
                &entry(source, &amount, &date, "出资方"),
            )
            .await;
        assert_eq!(response.status(), 303, "{amount} {date}");
        expected += i64::from(1000 + n * 37) * 100 + i64::from((n * 13) % 100);
    }
    // One reversal in the mix.
    let first = funding_entry::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    leader
        .post(
            &format!(
                "/projects/{}/funding/{}/reverse",
                first.project_id, first.id
            ),
            &[("reason", "错账")],
        )
        .await;
    expected -= first.amount_fen;
    assert_eq!(ledger_total(&app).await, expected);

    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let page = coordinator.get_text("/funding").await;
    assert!(page.contains(&format_yuan(expected)), "overall total");

    let staff = app.staff_actor();
    let overview = project::ledger::overview(&app.db, &staff, None, None)
        .await
        .unwrap();
    assert_eq!(overview.all.total, expected);
    assert_eq!(overview.all.by_source.values().sum::<i64>(), expected);
    for groups in [
        overview
            .by_organization
            .iter()
            .map(|(_, t)| t)
            .collect::<Vec<_>>(),
        overview.by_project.iter().map(|(_, _, t)| t).collect(),
        overview.by_year.iter().map(|(_, t)| t).collect(),
    ] {
        assert_eq!(groups.iter().map(|t| t.total).sum::<i64>(), expected);
        for totals in groups {
            assert_eq!(totals.by_source.values().sum::<i64>(), totals.total);
            assert!(page.contains(&format_yuan(totals.total)));
        }
    }

    // The export holds the same lines as the page, to the fen.
    let csv = coordinator
        .get("/funding/export.csv")
        .await
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(lines.len(), 26);
    let fen_sum: i64 = lines
        .iter()
        .map(|line| line.split(',').nth(5).unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(fen_sum, expected);
    let project_page = leader.get_text(&path).await;
    let project_csv = leader
        .get(&format!("{path}/ledger.csv"))
        .await
        .text()
        .await
        .unwrap();
    for line in project_csv.lines().skip(1) {
        let yuan: &str = line.split(',').nth(4).unwrap();
        let fen = line.split(',').nth(5).unwrap().parse::<i64>().unwrap();
        assert!(
            project_page.contains(&format_yuan(fen)),
            "{yuan} on the page"
        );
    }
    let year = coordinator
        .get_text("/funding?from=2025-01-01&until=2025-12-31")
        .await;
    let in_2025: i64 = funding_entry::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.received_on.format("%Y").to_string() == "2025")
        .map(|e| e.amount_fen)
        .sum();
    assert!(year.contains(&format_yuan(in_2025)));
    assert_eq!(app.audit_entries("funding.export").await.len(), 2);
}
