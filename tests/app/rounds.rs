//! 公益创投: a round from its announcement to an awarded project's final report, through the
//! pages; the budget never exceeded by two awards at once; the conflict-of-interest rule;
//! scores hidden until the review closes; the weighted ranking; public results without
//! reviewers or personal data.

use chrono::{Duration, NaiveDate, Utc};
use member::PlatformRole;
use project::entities::{funding_entry, venture_application, venture_round};
use project::rounds::{self, applications, awards, review};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::helpers::{Browser, TestApp, location};

pub(crate) fn today() -> NaiveDate {
    member::fields::shanghai_date(Utc::now())
}

/// The round's calendar moved so that today falls in the phase asked for (the clock of a
/// test moving on; only the dates move, in the database).
pub(crate) async fn move_round(app: &TestApp, round: Uuid, phase: &str) {
    let found = venture_round::Entity::find_by_id(round)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let t = today();
    let (opens, closes, review) = match phase {
        "applying" => (
            t - Duration::days(1),
            t + Duration::days(10),
            t + Duration::days(20),
        ),
        "reviewing" => (
            t - Duration::days(20),
            t - Duration::days(1),
            t + Duration::days(10),
        ),
        _ => (
            t - Duration::days(30),
            t - Duration::days(20),
            t - Duration::days(1),
        ),
    };
    let mut moved: venture_round::ActiveModel = found.clone().into();
    moved.opens_on = Set(opens);
    moved.closes_on = Set(closes);
    moved.review_until = Set(review);
    if phase == "standing" {
        moved.announced_at = Set(found
            .announced_at
            .map(|at| at - Duration::days(i64::from(found.publicity_days) + 1)));
    }
    moved.update(&app.db).await.unwrap();
}

pub(crate) async fn open_round(staff: &Browser, budget: &str) -> Uuid {
    let t = today();
    let response = staff
        .post(
            "/rounds/new",
            &[
                ("title", "2027年南湖街道公益创投"),
                ("description", "聚焦为老服务和儿童关爱"),
                ("budget", budget),
                ("stages", "incubating"),
                ("stages", "graduated"),
                ("opens_on", &t.to_string()),
                ("closes_on", &(t + Duration::days(10)).to_string()),
                ("review_until", &(t + Duration::days(20)).to_string()),
                (
                    "criteria",
                    "社区需求 30，可行性 30，预算合理 20，可持续性 20",
                ),
                ("publicity_days", "7"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
    location(&response)
        .trim_start_matches("/rounds/")
        .trim_end_matches("/manage")
        .parse()
        .unwrap()
}

pub(crate) async fn apply(
    leader: &Browser,
    round: Uuid,
    org: Uuid,
    title: &str,
    budget: &str,
) -> Uuid {
    let path = format!("/rounds/{round}/apply/{org}");
    let saved = leader
        .post(
            &path,
            &[
                ("title", title),
                ("plan", "每月两次上门服务，覆盖独居老人"),
                ("goals", "服务独居老人 120 人"),
                ("beneficiaries", "120"),
                ("timeline", "三月启动，六月中期，十二月结项"),
                ("budget", budget),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303, "{}", saved.text().await.unwrap());
    let app_id = applications_of(leader, round, org).await;
    let submitted = leader
        .post(&format!("/applications/{app_id}/submit"), &[])
        .await;
    assert_eq!(
        submitted.status(),
        303,
        "{}",
        submitted.text().await.unwrap()
    );
    app_id
}

async fn applications_of(browser: &Browser, round: Uuid, org: Uuid) -> Uuid {
    let page = browser
        .get_text(&format!("/rounds/{round}/apply/{org}"))
        .await;
    let marker = "/applications/";
    let start = page.find(marker).expect("the application's forms") + marker.len();
    page[start..start + 36].parse().unwrap()
}

#[tokio::test]
async fn a_round_runs_from_announcement_to_the_final_report_of_an_awarded_project() {
    let app = TestApp::new().await;
    let staff = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let leader_id = app
        .add_account(PlatformRole::Volunteer, "王队长", "13600000002")
        .await;
    let org = app
        .add_org("南湖爱心理发队", "elderly", "南湖社区", "13600000002")
        .await;
    app.add_account(PlatformRole::Volunteer, "陈队长", "13600000003")
        .await;
    let other_org = app
        .add_org("南湖少儿书社", "children", "南湖社区", "13600000003")
        .await;
    app.add_account(PlatformRole::Volunteer, "李专家", "13600000004")
        .await;
    app.add_account(PlatformRole::Volunteer, "赵专家", "13600000005")
        .await;
    let _ = leader_id;

    // A coordinator opens the round; a criteria list that does not add up is refused and
    // the form keeps what was typed.
    let refused = staff
        .post(
            "/rounds/new",
            &[
                ("title", "试一试"),
                ("budget", "100000"),
                ("criteria", "需求 50"),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("value=\"试一试\""));
    let round = open_round(&staff, "100000").await;
    let public = app.browser().get_text(&format!("/rounds/{round}")).await;
    assert!(public.contains("申报中") && public.contains("¥100,000.00"));

    // Two leaders apply (the second org's leader is created by add_org with its phone).
    let leader = app.browser();
    leader.login("13600000002", crate::helpers::PASSWORD).await;
    let page = leader.get_text(&format!("/rounds/{round}")).await;
    assert!(
        page.contains(&format!("/rounds/{round}/apply/{org}")),
        "{page}"
    );
    let first = apply(
        &leader,
        round,
        org,
        "银发理发上门",
        "理发工具 12000\n交通补贴 8000",
    )
    .await;
    let second_leader = app.browser();
    second_leader
        .login("13600000003", crate::helpers::PASSWORD)
        .await;
    let second = apply(&second_leader, round, other_org, "周末绘本课", "绘本 30000").await;
    // Once submitted it cannot change; another organization's page is not theirs.
    let again = leader
        .post(
            &format!("/rounds/{round}/apply/{org}"),
            &[("title", "改名")],
        )
        .await;
    assert_eq!(again.status(), 422);
    assert_eq!(
        leader
            .get(&format!("/rounds/{round}/apply/{other_org}"))
            .await
            .status(),
        403
    );

    // Reviewers: one outside expert; the first leader too (member of the first org).
    for phone in ["13600000004", "13600000005", "13600000002"] {
        let added = staff
            .post(&format!("/rounds/{round}/reviewers"), &[("phone", phone)])
            .await;
        assert_eq!(added.status(), 303);
    }
    let unknown = staff
        .post(
            &format!("/rounds/{round}/reviewers"),
            &[("phone", "13999999999")],
        )
        .await;
    assert_eq!(unknown.status(), 422);
    move_round(&app, round, "reviewing").await;
    let expert = app.browser();
    expert.login("13600000004", crate::helpers::PASSWORD).await;
    let second_expert = app.browser();
    second_expert
        .login("13600000005", crate::helpers::PASSWORD)
        .await;
    let score = |who: &Browser, application: Uuid, values: [&'static str; 4]| {
        let path = format!("/applications/{application}/scores");
        let who = who.clone();
        async move {
            let mut form: Vec<(String, String)> = Vec::new();
            for (n, v) in values.iter().enumerate() {
                form.push((format!("score_{n}"), (*v).to_owned()));
                form.push((format!("comment_{n}"), "评语".to_owned()));
            }
            let form: Vec<(&str, &str)> =
                form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            who.post(&path, &form).await
        }
    };
    assert_eq!(
        score(&expert, first, ["90", "80", "70", "60"])
            .await
            .status(),
        303
    );
    assert_eq!(
        score(&expert, second, ["60", "60", "60", "60"])
            .await
            .status(),
        303
    );
    assert_eq!(
        score(&second_expert, first, ["83", "83", "83", "83"])
            .await
            .status(),
        303
    );
    assert_eq!(
        score(&second_expert, second, ["101", "60", "60", "60"])
            .await
            .status(),
        422
    );
    assert_eq!(
        score(&second_expert, second, ["70", "70", "70", "70"])
            .await
            .status(),
        303
    );
    // The conflict of interest: the leader may not score their own organization's.
    assert_eq!(
        score(&leader, first, ["100", "100", "100", "100"])
            .await
            .status(),
        422
    );
    // Until the review closes, nobody sees another's scores, nor the means.
    let during = expert.get_text(&format!("/rounds/{round}/review")).await;
    assert!(!during.contains("加权平均分"), "{during}");
    assert!(during.contains("value=\"90\""));
    assert!(!during.contains("value=\"83\""), "only one's own scores");
    // The public page and a volunteer never reach the review.
    assert_eq!(
        app.browser()
            .get(&format!("/rounds/{round}/review"))
            .await
            .status(),
        303
    );

    // The review closes: the ranking by weighted mean (77.00 + 83.00)/2 = 80.00 first,
    // (60 + 70)/2 = 65.00 second.
    move_round(&app, round, "deciding").await;
    let manage = staff.get_text(&format!("/rounds/{round}/manage")).await;
    let (a, b) = (
        manage.find("银发理发上门").unwrap(),
        manage.find("周末绘本课").unwrap(),
    );
    assert!(
        a < b && manage.contains("80.00") && manage.contains("65.00"),
        "{manage}"
    );

    // Awards: never over the request, never over the budget.
    let award = |application: Uuid, amount: &'static str| {
        let staff = staff.clone();
        async move {
            staff
                .post(
                    &format!("/applications/{application}/award"),
                    &[("amount", amount)],
                )
                .await
        }
    };
    let over = award(first, "20001").await;
    assert_eq!(over.status(), 422);
    assert!(over.text().await.unwrap().contains("value=\"20001\""));
    assert_eq!(award(first, "20000").await.status(), 303);
    assert_eq!(award(second, "25000").await.status(), 303);
    let found = venture_round::Entity::find_by_id(round)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.awarded_fen, 4_500_000);
    assert_eq!(
        staff
            .post(&format!("/rounds/{round}/announce"), &[])
            .await
            .status(),
        303
    );

    // Posted publicly: organizations, projects, amounts, scores; no reviewer, no person.
    let public = app.browser().get_text(&format!("/rounds/{round}")).await;
    assert!(
        public.contains("结果公示中") && public.contains("¥20,000.00") && public.contains("80.00")
    );
    for private in ["李专家", "赵专家", "王队长", "13600000004", "评语"] {
        assert!(!public.contains(private), "{private} on the public page");
    }
    // Before the posting ends no project starts.
    assert_eq!(
        staff
            .post(&format!("/applications/{first}/project"), &[])
            .await
            .status(),
        422
    );
    move_round(&app, round, "standing").await;
    assert_eq!(
        staff
            .post(&format!("/applications/{first}/project"), &[])
            .await
            .status(),
        303
    );
    let project_id = venture_application::Entity::find_by_id(first)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .project_id
        .expect("the award became a project");

    // Tranches: into the project's ledger, never more than the award.
    let pay = |amount: &'static str| {
        let staff = staff.clone();
        async move {
            staff
                .post(
                    &format!("/applications/{first}/tranches"),
                    &[("amount", amount), ("paid_on", &today().to_string())],
                )
                .await
        }
    };
    assert_eq!(pay("12000").await.status(), 303);
    assert_eq!(pay("8000.01").await.status(), 422);
    assert_eq!(pay("8000").await.status(), 303);
    let entries = funding_entry::Entity::find()
        .filter(funding_entry::Column::ProjectId.eq(project_id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(entries.iter().map(|e| e.amount_fen).sum::<i64>(), 2_000_000);
    let ledger = staff.get_text(&format!("/projects/{project_id}")).await;
    assert!(
        ledger.contains("公益创投 · 2027年南湖街道公益创投"),
        "{ledger}"
    );
    let overview = staff.get_text("/funding").await;
    assert!(
        overview.contains("银发理发上门") && overview.contains("¥20,000.00"),
        "{overview}"
    );

    // Reports: the final only after the mid-term was accepted; a returned one is sent again.
    let report = |kind: &'static str| {
        let leader = leader.clone();
        async move {
            leader
                .post(
                    &format!("/applications/{first}/reports"),
                    &[
                        ("kind", kind),
                        ("text", "已上门服务 60 人次"),
                        ("reached", "60"),
                    ],
                )
                .await
        }
    };
    assert_eq!(report("final").await.status(), 422);
    assert_eq!(report("midterm").await.status(), 303);
    let pending = project::rounds::reports::reports_of(&app.db, first)
        .await
        .unwrap();
    let returned = staff
        .post(
            &format!("/venture-reports/{}/decision", pending[0].id),
            &[
                ("decision", "return"),
                ("note", ""),
                ("application", &first.to_string()),
            ],
        )
        .await;
    assert_eq!(returned.status(), 422, "a return says why");
    let returned = staff
        .post(
            &format!("/venture-reports/{}/decision", pending[0].id),
            &[
                ("decision", "return"),
                ("note", "请补充照片"),
                ("application", &first.to_string()),
            ],
        )
        .await;
    assert_eq!(returned.status(), 303);
    assert_eq!(report("midterm").await.status(), 303);
    let pending = project::rounds::reports::reports_of(&app.db, first)
        .await
        .unwrap();
    let accepted = staff
        .post(
            &format!("/venture-reports/{}/decision", pending[1].id),
            &[
                ("decision", "accept"),
                ("note", ""),
                ("application", &first.to_string()),
            ],
        )
        .await;
    assert_eq!(accepted.status(), 303);
    assert_eq!(report("final").await.status(), 303);
    let mine = leader
        .get_text(&format!("/rounds/{round}/apply/{org}"))
        .await;
    assert!(
        mine.contains("已退回")
            && mine.contains("已通过")
            && mine.contains("待审核")
            && mine.contains("已立项")
    );

    // The summary workbook: a row per application, the awards and payments as numbers.
    let response = staff.get(&format!("/rounds/{round}/summary.xlsx")).await;
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap().to_vec();
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("公益创投").unwrap();
    assert_eq!(
        sheet.get((2, 2)),
        Some(&Data::String("银发理发上门".into()))
    );
    assert_eq!(sheet.get((2, 6)), Some(&Data::Float(20000.0)));
    assert_eq!(sheet.get((2, 7)), Some(&Data::Float(20000.0)));
    assert_eq!(app.audit_entries("round.award").await.len(), 2);
}

#[tokio::test]
async fn two_awards_at_once_never_exceed_the_budget() {
    let app = TestApp::new().await;
    let staff_browser = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let round = open_round(&staff_browser, "10000").await;
    let staff = app.staff_actor();
    let mut ids = Vec::new();
    for (n, name) in ["甲队", "乙队", "丙队"].iter().enumerate() {
        let org = app.add_org(name, "elderly", "南湖社区", "").await;
        let input = applications::ApplicationInput {
            title: format!("项目{n}"),
            plan: "方案".into(),
            goals: "目标".into(),
            beneficiaries: "10".into(),
            timeline: "全年".into(),
            budget: vec![("物资".into(), "6000".into())],
        };
        let draft = applications::save_draft(&app.db, &staff, round, org, &input, Utc::now())
            .await
            .unwrap();
        applications::submit(&app.db, &staff, draft.id, Utc::now())
            .await
            .unwrap();
        ids.push(draft.id);
    }
    move_round(&app, round, "deciding").await;
    // Three staff award 6,000 each at once against a budget of 10,000: one wins.
    let now = Utc::now();
    let (a, b, c) = tokio::join!(
        awards::award(&app.db, &staff, ids[0], "6000", now),
        awards::award(&app.db, &staff, ids[1], "6000", now),
        awards::award(&app.db, &staff, ids[2], "6000", now),
    );
    let won = [a.is_ok(), b.is_ok(), c.is_ok()]
        .iter()
        .filter(|ok| **ok)
        .count();
    assert_eq!(won, 1);
    let found = rounds::find_round(&app.db, round).await.unwrap();
    assert_eq!(found.awarded_fen, 600_000);
    let awarded: i64 = venture_application::Entity::find()
        .filter(venture_application::Column::RoundId.eq(round))
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .filter_map(|a| a.award_fen)
        .sum();
    assert_eq!(
        awarded, found.awarded_fen,
        "the counter is the sum of the awards"
    );
    // The rest still fits: 4,000 more, not 4,000.01.
    let loser = ids[[a.is_ok(), b.is_ok(), c.is_ok()]
        .iter()
        .position(|ok| !ok)
        .unwrap()];
    assert!(
        awards::award(&app.db, &staff, loser, "4000.01", now)
            .await
            .is_err()
    );
    awards::award(&app.db, &staff, loser, "4000", now)
        .await
        .unwrap();
    // Reviewers were none: ranking without means is still listed for staff.
    assert_eq!(
        review::ranking(&app.db, &staff, round, now)
            .await
            .unwrap()
            .len(),
        3
    );
}
