//! View structs: what pages and the API show, built from domain models. Times are
//! formatted in Asia/Shanghai here, once.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Timelike, Utc, Weekday};
use serde::Serialize;
use uuid::Uuid;

use crate::i18n::Lang;

/// China Standard Time. Asia/Shanghai has been UTC+8 without daylight saving since 1991,
/// so a fixed offset is exact for every date this platform records.
pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// Today's date in Shanghai: what "today" means to everyone using the platform.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&shanghai()).date_naive()
}

/// The highest page number a list accepts: far past any real list, and small enough that
/// no offset computed from it can overflow.
pub const MAX_PAGE: u64 = 100_000;

/// A page number from a query: missing or 0 is the first page, and past `MAX_PAGE` the
/// last one accepted (an empty page with a way back), never an overflow.
pub fn page_number(page: Option<u64>) -> u64 {
    page.unwrap_or(1).clamp(1, MAX_PAGE)
}

/// `09:02`: a clock time in Shanghai, as time fields show it.
pub fn clock(at: DateTime<Utc>) -> String {
    at.with_timezone(&shanghai()).format("%H:%M").to_string()
}

/// A catalogue message with a `count` argument: `请 {count} 分钟后再试`.
pub fn t_count(lang: Lang, key: &str, count: u64) -> String {
    let args = std::collections::HashMap::from([(
        std::borrow::Cow::Borrowed("count"),
        fluent_templates::fluent_bundle::FluentValue::from(count),
    )]);
    lang.t_args(key, &args)
}

/// A deadline: midnight reads as the end of the day before (`12月11日 (周五) 24:00`),
/// which is what "sign-up closes the day before" means to people.
pub fn format_deadline(lang: Lang, at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&shanghai());
    if local.hour() == 0 && local.minute() == 0 {
        let before = at - chrono::Duration::days(1);
        format!("{} 24:00", format_date(lang, before))
    } else {
        format_date_time(lang, at)
    }
}

/// A catalogue message with named arguments.
pub fn t_with(lang: Lang, key: &str, args: &[(&'static str, String)]) -> String {
    let args = args
        .iter()
        .map(|(name, value)| {
            (
                std::borrow::Cow::Borrowed(*name),
                fluent_templates::fluent_bundle::FluentValue::from(value.clone()),
            )
        })
        .collect();
    lang.t_args(key, &args)
}

/// A catalogue message with one text argument.
pub fn t_text(lang: Lang, key: &str, name: &'static str, value: &str) -> String {
    let args = std::collections::HashMap::from([(
        std::borrow::Cow::Borrowed(name),
        fluent_templates::fluent_bundle::FluentValue::from(value.to_owned()),
    )]);
    lang.t_args(key, &args)
}

/// A calendar date: `2026年11月28日` or `28 Nov 2026`.
pub fn format_day(lang: Lang, day: NaiveDate) -> String {
    match lang {
        Lang::ZhCn => format!("{}年{}月{}日", day.year(), day.month(), day.day()),
        Lang::En => day.format("%-d %b %Y").to_string(),
    }
}

/// `2026年11月28日 (周六) 09:00` or `Sat 28 Nov 2026, 09:00`.
pub fn format_date_time(lang: Lang, at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&shanghai());
    format!("{} {}", format_date(lang, at), hh_mm(&local))
}

/// `2026年11月28日 (周六)` or `Sat 28 Nov 2026`.
pub fn format_date(lang: Lang, at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&shanghai());
    let weekday = lang.t(weekday_key(local.weekday()));
    match lang {
        Lang::ZhCn => format!(
            "{}年{}月{}日 ({weekday})",
            local.year(),
            local.month(),
            local.day()
        ),
        Lang::En => format!("{weekday} {}", local.format("%-d %b %Y")),
    }
}

/// `2026年11月28日 (周六) 09:00–11:30`; the end carries its own date if it is another day.
pub fn format_time_range(lang: Lang, start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    format!(
        "{} {}",
        format_date(lang, start),
        format_clock_range(lang, start, end)
    )
}

/// `09:00–11:30`, or `09:00 – 2026年11月29日 (周日) 10:00` when it ends on another day.
pub fn format_clock_range(lang: Lang, start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    let (local_start, local_end) = (
        start.with_timezone(&shanghai()),
        end.with_timezone(&shanghai()),
    );
    if local_start.date_naive() == local_end.date_naive() {
        format!("{}–{}", hh_mm(&local_start), hh_mm(&local_end))
    } else {
        format!("{} – {}", hh_mm(&local_start), format_date_time(lang, end))
    }
}

fn hh_mm(local: &DateTime<FixedOffset>) -> String {
    format!("{:02}:{:02}", local.hour(), local.minute())
}

fn weekday_key(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "weekday-mon",
        Weekday::Tue => "weekday-tue",
        Weekday::Wed => "weekday-wed",
        Weekday::Thu => "weekday-thu",
        Weekday::Fri => "weekday-fri",
        Weekday::Sat => "weekday-sat",
        Weekday::Sun => "weekday-sun",
    }
}

/// A market day as a card on a page.
#[derive(Debug, Serialize)]
pub struct MarketCard {
    pub id: Uuid,
    pub title: String,
    pub place: String,
    /// `2026年11月28日 (周六)`; date and clock are kept apart so a phone wraps between them.
    pub date: String,
    /// `09:00–11:30`
    pub clock: String,
}

impl MarketCard {
    pub fn new(lang: Lang, market: &event::Event) -> Self {
        Self {
            id: market.id,
            title: market.title.clone(),
            place: market.place.clone(),
            date: format_date(lang, market.starts_at),
            clock: format_clock_range(lang, market.starts_at, market.ends_at),
        }
    }
}

/// A satisfaction rate as `83.3%`, or a dash without ratings.
pub fn percent(tally: &triage::ratings::Tally) -> String {
    match tally.rate_permille() {
        Some(permille) => format!("{}.{}%", permille / 10, permille % 10),
        None => "–".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_are_shown_in_shanghai_time() {
        // 01:00 UTC is 09:00 in Shanghai; 28 Nov 2026 is a Saturday.
        let start = Utc.with_ymd_and_hms(2026, 11, 28, 1, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2026, 11, 28, 3, 30, 0).unwrap();
        assert_eq!(
            format_time_range(Lang::ZhCn, start, end),
            "2026年11月28日 (周六) 09:00–11:30"
        );
        assert_eq!(
            format_time_range(Lang::En, start, end),
            "Sat 28 Nov 2026 09:00–11:30"
        );
    }

    #[test]
    fn a_range_over_midnight_names_the_second_day() {
        let start = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2026, 11, 28, 17, 0, 0).unwrap();
        assert_eq!(
            format_time_range(Lang::ZhCn, start, end),
            "2026年11月28日 (周六) 20:00 – 2026年11月29日 (周日) 01:00"
        );
    }

    #[test]
    fn late_utc_evening_is_the_next_day_in_shanghai() {
        let at = Utc.with_ymd_and_hms(2026, 12, 31, 16, 30, 0).unwrap();
        assert_eq!(
            format_date_time(Lang::ZhCn, at),
            "2027年1月1日 (周五) 00:30"
        );
    }

    #[test]
    fn a_midnight_deadline_is_the_end_of_the_day_before() {
        use chrono::TimeZone;
        let midnight = shanghai()
            .with_ymd_and_hms(2026, 12, 12, 0, 0, 0)
            .unwrap()
            .to_utc();
        assert_eq!(
            format_deadline(Lang::ZhCn, midnight),
            "2026年12月11日 (周五) 24:00"
        );
        let evening = shanghai()
            .with_ymd_and_hms(2026, 12, 11, 18, 30, 0)
            .unwrap()
            .to_utc();
        assert_eq!(
            format_deadline(Lang::ZhCn, evening),
            "2026年12月11日 (周五) 18:30"
        );
    }
}

/// "My data" as downloaded (page and API alike): what the member crate holds of the
/// person, and their service record with its certificates.
#[derive(serde::Serialize)]
pub struct MyExport {
    #[serde(flatten)]
    pub data: member::privacy::PersonalData,
    pub service: event::certificates::ServiceRecord,
}
