//! Two 公益创投 rounds: last spring's, run to its end (three applications scored by the two
//! staff, two awarded, the projects started and paid in part, reports accepted), and this
//! year's, taking applications (one submitted, the demo leader's team with a draft). The
//! rounds go through their phases by the same functions as real ones; only their calendar
//! is set in between, as the days would have passed.

use chrono::{Duration, NaiveDate};
use member::Actor;
use project::entities::venture_round;
use project::rounds::{self, applications, awards, reports, review};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use uuid::Uuid;

use super::{DEMO_ACCOUNTS, Demo, DemoError, LEADER_ORG, fail};

const CRITERIA: &str = "社区需求 30，可行性 30，预算合理 20，可持续性 20";

/// Lines of a budget: (item, yuan).
type Budget = &'static [(&'static str, &'static str)];

/// (organization, project, plan, budget).
const FINISHED: [(usize, &str, &str, Budget); 3] = [
    (
        0,
        "四点半课堂",
        "放学后为双职工家庭的孩子提供作业辅导和阅读陪伴，每周五天。",
        &[("图书和文具", "12000"), ("志愿者补贴", "18000")],
    ),
    (
        1,
        "垃圾分类积分站",
        "在三个小区设积分兑换点，居民分类投放换取日用品。",
        &[("兑换物品", "20000"), ("宣传物料", "5000")],
    ),
    (
        4,
        "银龄助餐",
        "为高龄独居老人送餐上门，每周三次，志愿者结对探访。",
        &[("餐费补贴", "30000"), ("保温箱", "6000")],
    ),
];

fn round_input(title: &str, opens: NaiveDate, budget: &str) -> rounds::RoundInput {
    rounds::RoundInput {
        title: title.to_owned(),
        description: "面向在孵和已出壳的社区社会组织，聚焦一老一小和社区治理。".to_owned(),
        budget: budget.to_owned(),
        themes: Vec::new(),
        stages: vec!["incubating".to_owned(), "graduated".to_owned()],
        opens_on: opens.to_string(),
        closes_on: (opens + Duration::days(20)).to_string(),
        review_until: (opens + Duration::days(35)).to_string(),
        criteria: CRITERIA.to_owned(),
        publicity_days: "7".to_owned(),
    }
}

fn application(title: &str, plan: &str, budget: &[(&str, &str)]) -> applications::ApplicationInput {
    applications::ApplicationInput {
        title: title.to_owned(),
        plan: plan.to_owned(),
        goals: "每月服务居民不少于 100 人次".to_owned(),
        beneficiaries: "120".to_owned(),
        timeline: "第一季度启动，年中中期评估，年底结项".to_owned(),
        budget: budget
            .iter()
            .map(|(item, yuan)| ((*item).to_owned(), (*yuan).to_owned()))
            .collect(),
    }
}

/// Sets a round's calendar to open on `opens` (closing 20 days later, reviewed for 15 more),
/// as the days would have passed.
async fn set_calendar(demo: &Demo<'_>, round: Uuid, opens: NaiveDate) -> Result<(), DemoError> {
    let found = venture_round::Entity::find_by_id(round)
        .one(demo.db)
        .await
        .map_err(fail)?
        .ok_or_else(|| fail("the round"))?;
    let mut moved: venture_round::ActiveModel = found.into();
    moved.opens_on = Set(opens);
    moved.closes_on = Set(opens + Duration::days(20));
    moved.review_until = Set(opens + Duration::days(35));
    moved.update(demo.db).await.map_err(fail)?;
    Ok(())
}

pub(super) async fn rounds(
    demo: &Demo<'_>,
    staff: &Actor,
    org_ids: &[Uuid],
) -> Result<(), DemoError> {
    let phone = member::Phone::parse("phone", DEMO_ACCOUNTS[0].1).map_err(|e| fail(e.reason))?;
    let admin = member::memberships::find_person_by_phone(demo.db, &phone)
        .await
        .map_err(fail)?
        .ok_or_else(|| fail("the admin"))?;
    let admin = Actor {
        person_id: admin.id,
        account_id: Uuid::now_v7(),
        name: admin.name,
        role: member::PlatformRole::Admin,
        leads: Vec::new(),
        helps: false,
    };
    finished(demo, staff, &admin, org_ids).await?;
    let open = rounds::create_round(
        demo.db,
        staff,
        &round_input(
            "2027年度南湖街道公益创投",
            demo.today - Duration::days(3),
            "400000",
        ),
        demo.now,
    )
    .await
    .map_err(fail)?;
    let submitted = applications::save_draft(
        demo.db,
        staff,
        open.id,
        org_ids[2],
        &application(
            "邻里修缮队",
            "为困难家庭上门维修水电和门窗。",
            &[("工具", "8000"), ("材料", "12000")],
        ),
        demo.now,
    )
    .await
    .map_err(fail)?;
    applications::submit(demo.db, staff, submitted.id, demo.now)
        .await
        .map_err(fail)?;
    // The demo leader's team has begun its draft.
    applications::save_draft(
        demo.db,
        staff,
        open.id,
        org_ids[LEADER_ORG],
        &application(
            "爱心理发进楼栋",
            "每月两次为行动不便的老人上门理发。",
            &[("理发工具", "6000")],
        ),
        demo.now,
    )
    .await
    .map_err(fail)?;
    Ok(())
}

/// Last spring's round, from applications to accepted reports.
async fn finished(
    demo: &Demo<'_>,
    staff: &Actor,
    admin: &Actor,
    org_ids: &[Uuid],
) -> Result<(), DemoError> {
    let t = demo.today;
    let round = rounds::create_round(
        demo.db,
        staff,
        &round_input("2026年度南湖街道公益创投", t, "100000"),
        demo.now,
    )
    .await
    .map_err(fail)?;
    let mut ids = Vec::new();
    for (org, title, plan, budget) in FINISHED {
        let input = application(title, plan, budget);
        let draft =
            applications::save_draft(demo.db, staff, round.id, org_ids[org], &input, demo.now)
                .await
                .map_err(fail)?;
        applications::submit(demo.db, staff, draft.id, demo.now)
            .await
            .map_err(fail)?;
        ids.push(draft.id);
    }
    review_all(demo, round.id, [staff, admin], &ids).await?;
    set_calendar(demo, round.id, t - Duration::days(40)).await?;
    for (id, amount) in [(ids[2], "36000"), (ids[0], "28000")] {
        awards::award(demo.db, staff, id, amount, demo.now)
            .await
            .map_err(fail)?;
    }
    let announced = awards::announce(demo.db, staff, round.id, demo.now)
        .await
        .map_err(fail)?;
    // Announced long ago: the posting is over and the awards stand.
    let mut moved: venture_round::ActiveModel = announced.into();
    moved.announced_at = Set(Some(demo.now - Duration::days(180)));
    moved.update(demo.db).await.map_err(fail)?;
    set_calendar(demo, round.id, t - Duration::days(240)).await?;
    fund(demo, staff, [ids[2], ids[0]]).await
}

/// The two staff review the round's applications (a week into the review).
async fn review_all(
    demo: &Demo<'_>,
    round: Uuid,
    reviewers: [&Actor; 2],
    ids: &[Uuid],
) -> Result<(), DemoError> {
    let t = demo.today;
    let (staff, admin) = (reviewers[0], reviewers[1]);
    for (_, phone, _) in &DEMO_ACCOUNTS[..2] {
        review::assign_reviewer(demo.db, staff, round, phone)
            .await
            .map_err(fail)?;
    }
    set_calendar(demo, round, t - Duration::days(25)).await?;
    let scores: [[&str; 4]; 3] = [
        ["85", "80", "75", "70"],
        ["70", "75", "80", "60"],
        ["90", "85", "80", "85"],
    ];
    for (reviewer, bump) in [(staff, 0), (admin, 5)] {
        for (id, values) in ids.iter().zip(scores) {
            let input: review::ScoreInput = values
                .iter()
                .map(|v| {
                    (
                        (v.parse::<i32>().unwrap_or(0) - bump).to_string(),
                        "方案清楚，预算合理".to_owned(),
                    )
                })
                .collect();
            review::score_application(demo.db, reviewer, *id, &input, demo.now)
                .await
                .map_err(fail)?;
        }
    }
    Ok(())
}

/// The awards become projects: the first tranche paid, the mid-term report accepted.
async fn fund(demo: &Demo<'_>, staff: &Actor, awarded: [Uuid; 2]) -> Result<(), DemoError> {
    let t = demo.today;
    for (id, first_tranche) in awarded.into_iter().zip(["18000", "14000"]) {
        awards::start_project(demo.db, staff, id, demo.now)
            .await
            .map_err(fail)?;
        let paid = awards::TrancheInput {
            amount: first_tranche.to_owned(),
            paid_on: (t - Duration::days(150)).to_string(),
            note: "首期拨付".to_owned(),
        };
        awards::pay_tranche(demo.db, staff, id, &paid, t)
            .await
            .map_err(fail)?;
        let text = "已按计划开展服务，居民反馈良好。";
        let sent = reports::submit_report(demo.db, staff, id, ("midterm", text, "260"), demo.now)
            .await
            .map_err(fail)?;
        reports::decide_report(demo.db, staff, sent.id, true, "", demo.now)
            .await
            .map_err(fail)?;
    }
    Ok(())
}
