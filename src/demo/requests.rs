//! 三事分流 as it would look after half a year: residents' requests of every class and
//! status, most resolved and rated, and residents' ratings of the market-day stalls. Made
//! through the domain's own functions, back-dated, so every figure is one it could produce.

use chrono::{DateTime, Duration, Utc};
use member::Actor;
use triage::handling::{self, ClassifyInput};
use triage::ratings::{self, RatingInput};
use triage::requests::{self, RequestInput};
use uuid::Uuid;

use super::held::HeldStall;
use super::{COMMUNITIES, Demo, DemoError, MEMBERS, fail, name_of, phone_of};

const MATTERS: &[(&str, &str, &str)] = &[
    ("parking", "楼下消防通道晚上常被私家车占用", "big"),
    ("environment", "垃圾分类点的桶满了没人清运", "small"),
    ("disputes", "楼上装修噪音，晚上十点后还在施工", "private"),
    ("facilities", "小区路灯坏了好几盏，晚上看不清路", "small"),
    ("safety", "小区后门的监控坏了", "big"),
    ("elderly_children", "独居老人想找人陪着去医院", "small"),
    ("parking", "共享单车堆在单元门口", "small"),
    ("disputes", "邻居在楼道堆放杂物", "private"),
];

const REQUESTS: usize = 48;

pub(super) async fn fill(
    demo: &Demo<'_>,
    staff: &Actor,
    org_ids: &[Uuid],
    held_stalls: &[HeldStall],
) -> Result<(), DemoError> {
    let policy = triage::Policy::default();
    for n in 0..REQUESTS {
        request(demo, staff, org_ids, &policy, n).await?;
    }
    stall_ratings(demo, &policy, held_stalls).await
}

/// Request `n`: submitted, then (but for the newest) triaged, handled and rated.
async fn request(
    demo: &Demo<'_>,
    staff: &Actor,
    org_ids: &[Uuid],
    policy: &triage::Policy,
    n: usize,
) -> Result<(), DemoError> {
    // Oldest first, about four days apart, the newest two days ago.
    let at = Utc::now() - Duration::days(2 + 4 * (REQUESTS - n) as i64);
    let created = submit(demo, staff, policy, n, at).await?;
    // The newest requests are still being handled; two are not yet triaged.
    if n >= REQUESTS - 2 {
        return Ok(());
    }
    let triaged = at + Duration::hours(20);
    classify(demo, staff, org_ids, policy, n, created.id, triaged).await?;
    if n >= REQUESTS - 6 {
        return Ok(());
    }
    handle_and_rate(demo, staff, policy, n, &created, triaged).await
}

async fn submit(
    demo: &Demo<'_>,
    staff: &Actor,
    policy: &triage::Policy,
    n: usize,
    at: DateTime<Utc>,
) -> Result<triage::Request, DemoError> {
    let (category, description, _) = MATTERS[n % MATTERS.len()];
    let input = RequestInput {
        category: category.to_owned(),
        description: description.to_owned(),
        community: COMMUNITIES[n % COMMUNITIES.len()].to_owned(),
        place: format!("{}栋", 1 + n % 12),
        contact_name: name_of(MEMBERS + n),
        contact_phone: phone_of(7000 + n),
        may_contact: n.is_multiple_of(2),
        channel: ["phone", "visit", "wechat"][n % 3].to_owned(),
    };
    let created = if n.is_multiple_of(4) {
        requests::submit_on_behalf(demo.db, staff, &input, at).await
    } else {
        requests::submit_public(demo.db, policy, &input, &format!("demo-{n}"), at).await
    };
    created.map_err(fail)
}

async fn classify(
    demo: &Demo<'_>,
    staff: &Actor,
    org_ids: &[Uuid],
    policy: &triage::Policy,
    n: usize,
    id: Uuid,
    triaged: DateTime<Utc>,
) -> Result<(), DemoError> {
    let (_, _, class) = MATTERS[n % MATTERS.len()];
    let classify = ClassifyInput {
        class: class.to_owned(),
        reason: "按三事分流规则".to_owned(),
        department: ["区城管局", "区交警大队", "区住建局"][n % 3].to_owned(),
        reference_no: format!("QX-{:04}", 100 + n),
        // Organizations 0, 1 and 3 are incubating or graduated: they take small matters.
        organization_id: org_ids[[0, 1, 3][n % 3]].to_string(),
        guidance: "请找小区业主委员会或楼长协商，社区可提供调解室。".to_owned(),
        ..ClassifyInput::default()
    };
    handling::classify(
        demo.db,
        staff,
        policy,
        id,
        &classify,
        triaged,
        triaged
            .with_timezone(&crate::views::shanghai())
            .date_naive(),
    )
    .await
    .map_err(fail)?;
    Ok(())
}

/// Small matters accepted and resolved by an organization, big ones answered by a
/// department; most residents rate the result.
async fn handle_and_rate(
    demo: &Demo<'_>,
    staff: &Actor,
    policy: &triage::Policy,
    n: usize,
    created: &triage::Request,
    triaged: DateTime<Utc>,
) -> Result<(), DemoError> {
    let (_, _, class) = MATTERS[n % MATTERS.len()];
    let done = triaged + Duration::days(2);
    match class {
        "small" => {
            handling::accept(demo.db, staff, created.id, triaged + Duration::hours(4))
                .await
                .map_err(fail)?;
            handling::resolve(
                demo.db,
                staff,
                created.id,
                "组织志愿者上门处理，已解决",
                done,
            )
            .await
            .map_err(fail)?;
        }
        "big" => {
            handling::resolve(demo.db, staff, created.id, "部门答复：已现场处置", done)
                .await
                .map_err(fail)?;
        }
        _ => {}
    }
    // Most residents rate the result; one in six is not satisfied.
    if n % 5 != 4 {
        let level = match n % 6 {
            5 => "unsatisfied",
            2 => "basic",
            _ => "satisfied",
        };
        let rating = RatingInput {
            level: level.to_owned(),
            ..RatingInput::default()
        };
        ratings::rate_request(
            demo.db,
            policy,
            &created.tracking_code,
            &rating,
            &format!("demo-{n}"),
            done + Duration::days(1),
        )
        .await
        .map_err(fail)?;
    }
    Ok(())
}

/// Ratings at the stalls: a dozen residents per stall, nine in ten satisfied.
async fn stall_ratings(
    demo: &Demo<'_>,
    policy: &triage::Policy,
    held_stalls: &[HeldStall],
) -> Result<(), DemoError> {
    let mut rater = 0u64;
    for (stall, starts) in held_stalls {
        for r in 0..12u64 {
            rater += 1;
            let level = match rater % 10 {
                9 => "unsatisfied",
                7 | 8 => "basic",
                _ => "satisfied",
            };
            let input = RatingInput {
                level: level.to_owned(),
                ..RatingInput::default()
            };
            ratings::rate_stall(
                demo.db,
                policy,
                *stall,
                &input,
                &format!("{rater:064x}"),
                &format!("demo-stall-{rater}"),
                *starts + Duration::minutes(10 * r as i64),
            )
            .await
            .map_err(fail)?;
        }
    }
    Ok(())
}
