//! Values that can only be valid: parse, don't validate.

use std::borrow::Cow;

use chrono::{Datelike, NaiveDate};

use crate::error::FieldError;

/// A mainland mobile number: 11 digits, `1[3-9]` then 9 digits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    /// Accepts what people type: spaces, dashes, a `+86` or `86` prefix.
    pub fn parse(field: &'static str, input: &str) -> Result<Phone, FieldError> {
        let digits: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '\u{3000}'))
            .collect();
        if digits.is_empty() {
            return Err(FieldError::new(field, "error-phone-required"));
        }
        let digits = digits
            .strip_prefix("+86")
            .or_else(|| digits.strip_prefix("0086"))
            .or_else(|| {
                (digits.len() == 13)
                    .then(|| digits.strip_prefix("86"))
                    .flatten()
            })
            .unwrap_or(&digits);
        let bytes = digits.as_bytes();
        let valid = bytes.len() == 11
            && bytes.iter().all(u8::is_ascii_digit)
            && bytes[0] == b'1'
            && (b'3'..=b'9').contains(&bytes[1]);
        if valid {
            Ok(Phone(digits.to_owned()))
        } else {
            Err(FieldError::new(field, "error-phone-invalid"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `13812345678` → `138****5678`: how a phone number is shown to anyone who does not
/// need the whole of it. Anything that is not a phone number is masked entirely.
pub fn mask_phone(phone: &str) -> String {
    if phone.len() == 11 && phone.is_ascii() {
        format!("{}****{}", &phone[..3], &phone[7..])
    } else {
        "****".to_owned()
    }
}

/// `李阿姨` → `李**`: enough to recognise, not enough to copy.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count().max(1))),
        None => String::new(),
    }
}

/// A person's name as they write it: 1 to 50 characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub const MAX_CHARS: usize = 50;

    pub fn parse(field: &'static str, input: &str) -> Result<PersonName, FieldError> {
        let name = input.trim();
        if name.is_empty() {
            return Err(FieldError::new(field, "error-name-required"));
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err(FieldError::new(field, "error-name-too-long"));
        }
        if name.chars().any(char::is_control) {
            return Err(FieldError::new(field, "error-name-invalid"));
        }
        Ok(PersonName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password good enough to protect personal data: 8 to 1024 characters (passphrases
/// welcome), not one of the passwords everyone tries first, not the phone number.
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 8;
    pub const MAX_CHARS: usize = 1024;

    pub fn parse(
        field: &'static str,
        input: &str,
        phone: Option<&Phone>,
    ) -> Result<Password, FieldError> {
        let length = input.chars().count();
        if length < Self::MIN_CHARS {
            return Err(FieldError::new(field, "error-password-too-short"));
        }
        if length > Self::MAX_CHARS {
            return Err(FieldError::new(field, "error-password-too-long"));
        }
        let lowered = input.to_lowercase();
        if COMMON_PASSWORDS.contains(&lowered.as_str())
            || phone.is_some_and(|p| input.contains(p.as_str()))
        {
            return Err(FieldError::new(field, "error-password-common"));
        }
        Ok(Password(input.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// Passwords of 8 or more characters that appear at the top of every leaked-password
/// list, Chinese sites' included. Compared in lower case.
const COMMON_PASSWORDS: &[&str] = &[
    "12345678",
    "123456789",
    "1234567890",
    "12345678910",
    "11111111",
    "00000000",
    "88888888",
    "66666666",
    "99999999",
    "11223344",
    "12341234",
    "87654321",
    "98765432",
    "123123123",
    "111222333",
    "147258369",
    "123456abc",
    "abc12345",
    "abcd1234",
    "a1234567",
    "a12345678",
    "qq123456",
    "aa123456",
    "password",
    "password1",
    "password123",
    "passw0rd",
    "iloveyou",
    "woaini1314",
    "woaini520",
    "5201314520",
    "1314520520",
    "qwertyui",
    "qwerty123",
    "qwertyuiop",
    "1qaz2wsx",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "zxcvbnm123",
    "asdfghjkl",
    "asdf1234",
    "admin123",
    "administrator",
    "welcome1",
    "letmein1",
    "baseball",
    "football",
    "superman",
    "sunshine",
    "princess",
    "starwars",
    "trustno1",
    "weiyifang",
    "weiyifang123",
    "12qwaszx",
    "qazwsxedc",
    "1234qwer",
    "q1w2e3r4",
    "zhang123",
    "wang1234",
    "li123456",
];

/// Free text of a form: trimmed, required or not, at most `max` characters, no control
/// characters but line breaks and tabs. A problem is pushed onto `errors`; the trimmed
/// text is returned either way, so the form can show it again.
pub fn text(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    input: &str,
    max: usize,
    required: bool,
) -> String {
    let value = input.trim();
    if required && value.is_empty() {
        errors.push(FieldError::new(field, "error-required"));
    } else if value.chars().count() > max {
        errors.push(FieldError::new(field, "error-too-long"));
    } else if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        errors.push(FieldError::new(field, "error-text-invalid"));
    }
    value.to_owned()
}

/// A date of birth, which must make the person at least `min_age` years old.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BirthDate(NaiveDate);

impl BirthDate {
    pub fn parse(
        field: &'static str,
        input: &str,
        today: NaiveDate,
        min_age: u32,
    ) -> Result<BirthDate, FieldError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(FieldError::new(field, "error-birth-date-required"));
        }
        let date = NaiveDate::parse_from_str(input, "%Y-%m-%d")
            .map_err(|_| FieldError::new(field, "error-birth-date-invalid"))?;
        if date > today || date.year() < 1900 {
            return Err(FieldError::new(field, "error-birth-date-invalid"));
        }
        if age_on(date, today) < min_age {
            return Err(FieldError::new(field, "error-too-young"));
        }
        Ok(BirthDate(date))
    }

    pub fn date(self) -> NaiveDate {
        self.0
    }
}

/// Whole years between `born` and `today`.
pub fn age_on(born: NaiveDate, today: NaiveDate) -> u32 {
    let mut age = today.year() - born.year();
    if (today.month(), today.day()) < (born.month(), born.day()) {
        age -= 1;
    }
    u32::try_from(age).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_normalised_and_checked() {
        for typed in [
            "13812345678",
            "138 1234 5678",
            "+86 138-1234-5678",
            "8613812345678",
        ] {
            assert_eq!(
                Phone::parse("phone", typed).unwrap().as_str(),
                "13812345678"
            );
        }
        for bad in [
            "12812345678",
            "1381234567",
            "138123456789",
            "1381234567a",
            "abc",
        ] {
            assert_eq!(
                Phone::parse("phone", bad).unwrap_err().reason,
                "error-phone-invalid",
                "{bad}"
            );
        }
        assert_eq!(
            Phone::parse("phone", "  ").unwrap_err().reason,
            "error-phone-required"
        );
    }

    #[test]
    fn phones_are_masked_in_the_middle() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("x"), "****");
    }

    #[test]
    fn weak_passwords_are_refused_and_passphrases_allowed() {
        let phone = Phone::parse("phone", "13812345678").unwrap();
        let reason = |p: &str| {
            Password::parse("password", p, Some(&phone))
                .err()
                .map(|e| e.reason)
        };
        assert_eq!(reason("short"), Some("error-password-too-short"));
        assert_eq!(reason("Password"), Some("error-password-common"));
        assert_eq!(reason("12345678"), Some("error-password-common"));
        assert_eq!(reason("x13812345678"), Some("error-password-common"));
        assert_eq!(reason("长城长城长城长城"), None);
        assert_eq!(reason("correct horse battery staple 我们的社区"), None);
        assert_eq!(reason(&"x".repeat(1025)), Some("error-password-too-long"));
    }

    #[test]
    fn under_fourteens_cannot_register() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let parse = |s: &str| BirthDate::parse("birth_date", s, today, 14);
        assert!(parse("2012-11-25").is_ok(), "14 today");
        assert_eq!(parse("2012-11-26").unwrap_err().reason, "error-too-young");
        assert_eq!(
            parse("2030-01-01").unwrap_err().reason,
            "error-birth-date-invalid"
        );
        assert_eq!(
            parse("25/11/1960").unwrap_err().reason,
            "error-birth-date-invalid"
        );
        assert!(parse("1950-02-28").is_ok());
    }
}

/// The date in Shanghai at `now`: what "today" means on every record this platform keeps
/// (a UTC date is a day behind from midnight to 08:00 in Shanghai).
pub fn shanghai_date(now: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    now.with_timezone(&shanghai()).date_naive()
}

/// China Standard Time, UTC+8 all year.
pub fn shanghai() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// Whether a date can belong to this platform's records (projects, funding, plans): from
/// 2000 to 2100. Year 1 and 9999 are typing slips, not plans.
pub fn plausible_date(date: NaiveDate) -> bool {
    (2000..=2100).contains(&date.year())
}

/// Public text with contact details taken out: every run of seven or more digits (a mobile
/// or landline number, an ID number with its final `X`), spaces and dashes between digits
/// included, becomes `***`. House numbers such as `5栋301` stay.
pub fn mask_contacts(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // A run of digits, single separators between them allowed.
        let (start, mut end, mut digits) = (i, i, 0);
        let mut j = i;
        while j < chars.len() {
            if chars[j].is_ascii_digit() {
                digits += 1;
                j += 1;
                end = j;
            } else if matches!(chars[j], ' ' | '-')
                && chars.get(j + 1).is_some_and(|c| c.is_ascii_digit())
            {
                j += 1;
            } else {
                break;
            }
        }
        if digits == 17 && chars.get(end).is_some_and(|c| matches!(c, 'X' | 'x')) {
            end += 1;
        }
        if digits >= 7 {
            out.push_str("***");
        } else {
            out.extend(&chars[start..end]);
        }
        i = end;
    }
    out
}

/// A cell of a CSV file that a spreadsheet will open: text a spreadsheet would take for a
/// formula (beginning with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading
/// `'`, so it shows as typed and never runs; true numbers (`-250.00`) stay numbers.
pub fn csv_safe(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let digits = cell.trim_start_matches(['-', '+']);
    let number = !digits.is_empty()
        && digits.starts_with(|c: char| c.is_ascii_digit())
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',');
    if risky && !number {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod csv_tests {
    use super::{csv_safe, mask_contacts};

    #[test]
    fn a_shanghai_date_is_a_day_ahead_of_utc_after_16_00() {
        use chrono::TimeZone;
        let late_utc = chrono::Utc
            .with_ymd_and_hms(2026, 11, 30, 17, 0, 0)
            .unwrap();
        assert_eq!(
            super::shanghai_date(late_utc).to_string(),
            "2026-12-01",
            "01:00 in Shanghai"
        );
    }

    #[test]
    fn contact_details_are_masked_in_public_text() {
        for (typed, shown) in [
            ("张三 13912345678 幸福里5栋301", "张三 *** 幸福里5栋301"),
            ("电话 139 1234 5678", "电话 ***"),
            ("0571-8888 6666", "***"),
            ("身份证 11010519491231002X 号", "身份证 *** 号"),
            ("7栋东侧 2号门", "7栋东侧 2号门"),
            ("2026年11月", "2026年11月"),
        ] {
            assert_eq!(mask_contacts(typed), shown, "{typed}");
        }
    }

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        for (typed, written) in [
            ("=1+2", "'=1+2"),
            ("+86 139", "'+86 139"),
            ("-1+2", "'-1+2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\r=1", "'\r=1"),
            ("-250.00", "-250.00"),
            ("1,000.00", "1,000.00"),
            ("张三", "张三"),
            ("", ""),
        ] {
            assert_eq!(csv_safe(typed), written, "{typed:?}");
        }
    }
}
