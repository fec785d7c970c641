//! The report's tables, one function a sheet. Sheet names, headers and row labels are the
//! report's fixed Chinese; the words of a vocabulary (services, stages, request classes,
//! funding sources) come from the platform's catalogue through [`Words`].

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use event::schedule::shanghai;
use event::stats::{Figures, Stats};
use member::fields::mask_phone;
use member::orgs::Census;
use sea_orm::DatabaseConnection;
use triage::ratings::{Satisfaction, Tally};
use uuid::Uuid;

use crate::{Cell, ReportError, Table};

/// The catalogue's word for a key (`service-haircut` → 理发).
pub type Words<'a> = &'a (dyn Fn(&str) -> String + Sync);

/// The report's tables for events that started in `[from, until)` and had begun by `now`.
pub async fn monthly_tables(
    db: &DatabaseConnection,
    actor: &member::Actor,
    (from, until): (DateTime<Utc>, DateTime<Utc>),
    now: DateTime<Utc>,
    words: Words<'_>,
) -> Result<Vec<Table>, ReportError> {
    let stats = event::stats::stats(db, Some(from), Some(until), None, now).await?;
    // Counts that stand at the end of the period: as of its last day (or now, while it runs).
    let last_moment = until.min(now);
    // The rest is read at once, each on a connection of its own: none needs another's.
    let (orgs, people, rated, census, registered, projects, requests, funding) = tokio::try_join!(
        async {
            Ok::<_, ReportError>(
                member::orgs::names(db, stats.by_organization.keys().copied()).await?,
            )
        },
        async { Ok(member::privacy::people(db, stats.by_person.keys().copied()).await?) },
        async { Ok(triage::ratings::satisfaction(db, None, Some(from), Some(until)).await?) },
        async {
            Ok(member::orgs::census(db, day_of(last_moment - Duration::seconds(1)), None).await?)
        },
        async { Ok(member::accounts::registered_volunteers(db, last_moment).await?) },
        projects(db, &stats),
        requests(db, from, until, words),
        funding(db, actor, from, until, words),
    )?;
    let end = End { census, registered };
    Ok(vec![
        summary(from, until, &stats.all, &rated, &end),
        standing(&end.census, words),
        days(&stats),
        stalls(&stats, &orgs, words),
        organizations(&stats, &orgs),
        services(&stats, words),
        projects,
        volunteers(&stats, &people, words),
        requests,
        funding,
        satisfaction(&rated, words),
    ])
}

/// What stands at the end of the period.
struct End {
    census: Census,
    registered: u64,
}

fn day_of(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&shanghai()).date_naive()
}

fn count(n: u64) -> Cell {
    Cell::Count(i64::try_from(n).unwrap_or(0))
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn service_word(words: Words<'_>, service: &str) -> String {
    words(&format!("service-{}", service.replace('_', "-")))
}

fn breakdown(f: &Figures) -> [Cell; 4] {
    [
        Cell::Count(f.breakdown.elderly),
        Cell::Count(f.breakdown.children),
        Cell::Count(f.breakdown.disabled),
        Cell::Count(f.breakdown.other),
    ]
}

fn summary(
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    all: &Figures,
    rated: &Satisfaction,
    end: &End,
) -> Table {
    let period = format!(
        "{} 至 {}",
        day_of(from),
        day_of(until - Duration::seconds(1))
    );
    let rows = vec![
        vec![text("时段"), text(period)],
        vec![text("举办公益集市（天）"), count(all.market_days)],
        vec![text("组织活动（场）"), count(all.activities)],
        vec![text("志愿服务人次"), count(all.services)],
        vec![text("参与服务的志愿者"), count(all.volunteers)],
        vec![text("志愿服务时长（小时）"), Cell::Hours(all.hours_tenths)],
        // Which hours: a constant, so a month sent upward does not read as corrected when
        // its 公示 merely ends (the dashboard shows the parts).
        vec![
            text("时长口径"),
            text("已确认时长，含公示中（公示期满且无异议后生效）"),
        ],
        vec![text("服务居民人次"), Cell::Count(all.residents)],
        vec![text("服务居民人数（按手机号去重）"), count(all.people)],
        vec![
            text("其中留下手机号的到访人次"),
            count(all.identified_visits),
        ],
        vec![text("其中：老年人"), Cell::Count(all.breakdown.elderly)],
        vec![text("其中：儿童"), Cell::Count(all.breakdown.children)],
        vec![text("其中：残疾人"), Cell::Count(all.breakdown.disabled)],
        vec![text("其中：其他"), Cell::Count(all.breakdown.other)],
        vec![text("居民满意率"), Cell::Rate(rated.all.rate_permille())],
        vec![text("居民评价条数"), count(rated.all.total())],
        vec![text("孵化的社会组织（期末）"), count(end.census.incubated)],
        vec![text("组织成员（期末）"), count(end.census.members)],
        vec![text("登记志愿者（期末）"), count(end.registered)],
    ];
    Table {
        name: "汇总",
        header: vec!["指标", "数值"],
        rows,
    }
}

fn days(stats: &Stats) -> Table {
    let rows = stats.events.iter().map(|event| {
        let f = stats.by_event.get(&event.id).cloned().unwrap_or_default();
        let kind = match event.kind {
            event::EventKind::Market => "公益集市",
            event::EventKind::Activity => "组织活动",
        };
        let mut row = vec![
            text(day_of(event.starts_at).to_string()),
            text(kind),
            text(event.title.clone()),
            text(event.place.clone()),
            count(f.services),
            count(f.volunteers),
            Cell::Hours(f.hours_tenths),
            Cell::Count(f.residents),
        ];
        row.extend(breakdown(&f));
        row
    });
    Table {
        name: "集市和活动",
        header: vec![
            "日期",
            "类型",
            "名称",
            "地点",
            "服务人次",
            "志愿者",
            "时长（小时）",
            "服务居民人次",
            "老年人",
            "儿童",
            "残疾人",
            "其他",
        ],
        rows: rows.collect(),
    }
}

fn stalls(stats: &Stats, orgs: &HashMap<Uuid, String>, words: Words<'_>) -> Table {
    let titles: HashMap<Uuid, (String, DateTime<Utc>)> = (stats.events.iter())
        .map(|e| (e.id, (e.title.clone(), e.starts_at)))
        .collect();
    let mut stalls = stats.stalls.clone();
    // The same order at every download: by day, then the stall's creation (its id breaks
    // ties between stalls made in one go).
    stalls.sort_by_key(|s| (titles.get(&s.event_id).map(|t| t.1), s.created_at, s.id));
    let rows = stalls.iter().map(|stall| {
        let f = stats.by_stall.get(&stall.id).cloned().unwrap_or_default();
        let (title, starts) = titles.get(&stall.event_id).cloned().unwrap_or_default();
        let organization = orgs.get(&stall.organization_id).cloned();
        let mut row = vec![
            text(day_of(starts).to_string()),
            text(title),
            text(service_word(words, stall.service.as_str())),
            text(organization.unwrap_or_default()),
            count(f.services),
            Cell::Hours(f.hours_tenths),
            Cell::Count(f.residents),
        ];
        row.extend(breakdown(&f));
        row
    });
    Table {
        name: "摊位",
        header: vec![
            "日期",
            "集市",
            "服务项目",
            "组织",
            "服务人次",
            "时长（小时）",
            "服务居民人次",
            "老年人",
            "儿童",
            "残疾人",
            "其他",
        ],
        rows: rows.collect(),
    }
}

fn organizations(stats: &Stats, orgs: &HashMap<Uuid, String>) -> Table {
    let rows = stats.by_organization.iter().map(|(id, f)| {
        vec![
            text(orgs.get(id).cloned().unwrap_or_default()),
            count(f.market_days),
            count(f.activities),
            count(f.services),
            count(f.volunteers),
            Cell::Hours(f.hours_tenths),
            Cell::Count(f.residents),
        ]
    });
    Table {
        name: "组织",
        header: vec![
            "组织",
            "公益集市（天）",
            "组织活动（场）",
            "服务人次",
            "志愿者",
            "时长（小时）",
            "服务居民人次",
        ],
        rows: rows.collect(),
    }
}

fn volunteers(
    stats: &Stats,
    people: &HashMap<Uuid, member::privacy::Listed>,
    words: Words<'_>,
) -> Table {
    let rows = stats.by_person.iter().map(|(id, f)| {
        let person = people.get(id);
        // Hours served before the account was deleted still count, under a name that says
        // so, never a blank row.
        let name = match person {
            Some(p) if p.erased_at.is_none() => p.name.clone(),
            _ => words("person-erased-volunteer"),
        };
        let phone = person.and_then(|p| p.phone.as_deref()).map(mask_phone);
        vec![
            text(name),
            text(phone.unwrap_or_default()),
            count(f.services),
            Cell::Hours(f.hours_tenths),
        ]
    });
    Table {
        name: "志愿者时长",
        header: vec!["姓名", "手机号", "服务人次", "时长（小时）"],
        rows: rows.collect(),
    }
}

fn satisfaction(rated: &Satisfaction, words: Words<'_>) -> Table {
    let tally_row = |label: String, t: &Tally| {
        vec![
            text(label),
            count(t.satisfied),
            count(t.basic),
            count(t.unsatisfied),
            count(t.total()),
            Cell::Rate(t.rate_permille()),
        ]
    };
    let mut rows = vec![
        tally_row("全部评价".into(), &rated.all),
        tally_row("诉求办理".into(), &rated.requests),
        tally_row("集市摊位".into(), &rated.stalls),
    ];
    for class in triage::kinds::Class::ALL {
        let label = words(&format!("request-class-{}", class.as_str()));
        let tally = rated.by_class.get(class.as_str()).map(|(_, t)| *t);
        rows.push(tally_row(label, &tally.unwrap_or_default()));
    }
    for (service, t) in rated.by_service.values() {
        rows.push(tally_row(service_word(words, service.as_str()), t));
    }
    Table {
        name: "居民满意度",
        header: vec![
            "分组",
            "满意",
            "基本满意",
            "不满意",
            "评价数",
            "满意率（目标80%及以上）",
        ],
        rows,
    }
}

fn standing(census: &Census, words: Words<'_>) -> Table {
    let stages = member::orgs::Stage::ALL.iter().map(|stage| {
        vec![
            text("孵化阶段"),
            text(words(&format!("stage-{}", stage.as_str()))),
            count(census.by_stage.get(stage.as_str()).copied().unwrap_or(0)),
        ]
    });
    let registrations = member::orgs::Registration::ALL.iter().map(|registration| {
        let n = census.by_registration.get(registration.as_str()).copied();
        vec![
            text("登记备案"),
            text(words(&format!("registration-{}", registration.as_str()))),
            count(n.unwrap_or(0)),
        ]
    });
    Table {
        name: "组织概况",
        header: vec!["分组", "类别", "组织数（期末）"],
        rows: stages.chain(registrations).collect(),
    }
}

/// A row of the per-service and per-project sheets.
fn figures_row(label: String, f: &Figures) -> Vec<Cell> {
    let mut row = vec![
        text(label),
        count(f.services),
        count(f.volunteers),
        Cell::Hours(f.hours_tenths),
        Cell::Count(f.residents),
    ];
    row.extend(breakdown(f));
    row
}

fn figures_header(first: &'static str) -> Vec<&'static str> {
    vec![
        first,
        "服务人次",
        "志愿者",
        "时长（小时）",
        "服务居民人次",
        "老年人",
        "儿童",
        "残疾人",
        "其他",
    ]
}

fn services(stats: &Stats, words: Words<'_>) -> Table {
    Table {
        name: "按服务项目",
        header: figures_header("服务项目"),
        rows: (stats.by_service.iter())
            .map(|(key, f)| figures_row(service_word(words, key), f))
            .collect(),
    }
}

async fn projects(db: &DatabaseConnection, stats: &Stats) -> Result<Table, ReportError> {
    let titles: HashMap<Uuid, String> = project::projects::all_by_title(db)
        .await?
        .into_iter()
        .filter(|p| stats.by_project.contains_key(&p.id))
        .map(|p| (p.id, p.title))
        .collect();
    let mut rows: Vec<(String, Vec<Cell>)> = (stats.by_project.iter())
        .map(|(id, f)| {
            let title = titles.get(id).cloned().unwrap_or_default();
            (title.clone(), figures_row(title, f))
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Table {
        name: "按公益项目",
        header: figures_header("公益项目"),
        rows: rows.into_iter().map(|(_, row)| row).collect(),
    })
}

async fn requests(
    db: &DatabaseConnection,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    words: Words<'_>,
) -> Result<Table, ReportError> {
    let counted = triage::requests::counts(db, from, until).await?;
    let statuses = triage::kinds::Status::ALL;
    let mut header = vec!["分流类别"];
    header.extend(statuses.iter().map(|s| match s.as_str() {
        "received" => "已受理",
        "triaged" => "已分流",
        "in_progress" => "办理中",
        "resolved" => "已办结",
        "closed" => "已结案",
        _ => "重新办理",
    }));
    header.push("合计");
    let classes =
        std::iter::once(None).chain(triage::kinds::Class::ALL.iter().map(|c| Some(c.as_str())));
    let rows = classes.map(|class| {
        let label = match class {
            Some(class) => words(&format!("request-class-{class}")),
            None => "待分流".to_owned(),
        };
        let each: Vec<u64> = (statuses.iter())
            .map(|status| counted.get(&(class, status.as_str())).copied().unwrap_or(0))
            .collect();
        let total = each.iter().sum();
        std::iter::once(text(label))
            .chain(each.into_iter().map(count))
            .chain(std::iter::once(count(total)))
            .collect()
    });
    Ok(Table {
        name: "居民诉求",
        header,
        rows: rows.collect(),
    })
}

async fn funding(
    db: &DatabaseConnection,
    actor: &member::Actor,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    words: Words<'_>,
) -> Result<Table, ReportError> {
    let (first_day, last_day) = (day_of(from), day_of(until - Duration::seconds(1)));
    let overview = project::ledger::overview(db, actor, Some(first_day), Some(last_day)).await?;
    let row = |label: String, fen: i64| {
        vec![
            text(label),
            text(project::money::format_yuan(fen)),
            Cell::Count(fen),
        ]
    };
    let mut rows: Vec<Vec<Cell>> = (project::ledger::Source::ALL.iter())
        .map(|source| {
            let fen = overview.all.by_source.get(source).copied().unwrap_or(0);
            row(
                words(&format!("source-{}", source.as_str().replace('_', "-"))),
                fen,
            )
        })
        .collect();
    rows.push(row("合计".into(), overview.all.total));
    Ok(Table {
        name: "资金到账",
        header: vec!["来源", "金额（元）", "金额（分）"],
        rows,
    })
}
