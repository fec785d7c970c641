//! Money is integer fen from the form to the database and back: no floating point
//! anywhere, so ¥0.10 + ¥0.20 is ¥0.30 and totals add up to the fen.

/// The largest single entry: ¥100,000,000.00.
pub const MAX_ENTRY_FEN: i64 = 100_000_000 * 100;

/// `250000`, `250,000.00`, `¥1,000,000`, `0.5` → fen. The reason is a catalogue key.
pub fn parse_yuan(input: &str) -> Result<i64, &'static str> {
    let cleaned: String = input
        .trim()
        .trim_start_matches(['¥', '￥'])
        .chars()
        .filter(|c| !matches!(c, ',' | '，' | ' ' | '\u{3000}'))
        .collect();
    if cleaned.is_empty() {
        return Err("error-amount-required");
    }
    if cleaned.starts_with('-') {
        return Err("error-amount-positive");
    }
    let (whole, fraction) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) || (whole.is_empty() && fraction.is_empty()) {
        return Err("error-amount-invalid");
    }
    if fraction.len() > 2 {
        return Err("error-amount-cents");
    }
    // More digits than any allowed amount has: too large, whatever they say.
    if whole.trim_start_matches('0').len() > 12 {
        return Err("error-amount-too-large");
    }
    let yuan: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| "error-amount-invalid")?
    };
    let cents: i64 = format!("{fraction:0<2}")
        .parse()
        .map_err(|_| "error-amount-invalid")?;
    let fen = yuan
        .checked_mul(100)
        .and_then(|f| f.checked_add(cents))
        .ok_or("error-amount-too-large")?;
    if fen == 0 {
        return Err("error-amount-positive");
    }
    if fen > MAX_ENTRY_FEN {
        return Err("error-amount-too-large");
    }
    Ok(fen)
}

/// `¥1,000,000.00`; negative amounts (reversals) as `-¥500.00`.
pub fn format_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    let (yuan, cents) = (fen / 100, fen % 100);
    let digits = yuan.to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}¥{grouped}.{cents:02}")
}

/// The amount as a plain number of yuan with two decimals, for spreadsheets: `250000.00`.
pub fn plain_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    format!("{sign}{}.{:02}", fen / 100, fen % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_exactly() {
        assert_eq!(parse_yuan("250000"), Ok(25_000_000));
        assert_eq!(parse_yuan("¥250,000.00"), Ok(25_000_000));
        assert_eq!(parse_yuan("0.1"), Ok(10));
        assert_eq!(parse_yuan(".05"), Ok(5));
        assert_eq!(parse_yuan("100000000"), Ok(MAX_ENTRY_FEN));
        assert_eq!(parse_yuan("0.29"), Ok(29), "not 28.999…");
    }

    #[test]
    fn bad_amounts_say_why() {
        assert_eq!(parse_yuan(""), Err("error-amount-required"));
        assert_eq!(parse_yuan("-5"), Err("error-amount-positive"));
        assert_eq!(parse_yuan("0"), Err("error-amount-positive"));
        assert_eq!(parse_yuan("0.00"), Err("error-amount-positive"));
        assert_eq!(parse_yuan("abc"), Err("error-amount-invalid"));
        assert_eq!(parse_yuan("1e5"), Err("error-amount-invalid"));
        assert_eq!(parse_yuan("."), Err("error-amount-invalid"));
        assert_eq!(parse_yuan("1.234"), Err("error-amount-cents"));
        assert_eq!(parse_yuan("100000000.01"), Err("error-amount-too-large"));
        assert_eq!(
            parse_yuan("99999999999999999999999"),
            Err("error-amount-too-large")
        );
    }

    #[test]
    fn amounts_are_shown_as_yuan_with_two_decimals() {
        assert_eq!(format_yuan(100_000_000), "¥1,000,000.00");
        assert_eq!(format_yuan(5), "¥0.05");
        assert_eq!(format_yuan(-50_000), "-¥500.00");
        assert_eq!(format_yuan(12_345_678), "¥123,456.78");
        assert_eq!(plain_yuan(-1), "-0.01");
        for fen in [1, 99, 100, 123_456_789, MAX_ENTRY_FEN] {
            assert_eq!(parse_yuan(&format_yuan(fen)), Ok(fen), "round trip {fen}");
        }
    }
}
