//! Prices in pounds, as people write them in a spreadsheet: `£1,299.00`, `1299`, `1,299.5`.
//!
//! A comma is a thousands separator (UK usage) only where it stands before groups of exactly
//! three digits. A decimal comma (`1299,00`, `1.299,00`) is refused with a message naming the fix,
//! never guessed: `1,299` is one thousand two hundred and ninety-nine pounds, and `1299,00` could
//! be a typo for either.

/// Reads a price in pounds; returns pence.
pub fn parse_price(s: &str) -> Result<i64, String> {
    let raw = s.trim();
    let mut t = raw.trim_start_matches('£').trim();
    if let Some(rest) = t.strip_prefix("GBP") {
        t = rest.trim();
    }
    if t.is_empty() {
        return Err(format!(
            "\"{raw}\" is not a price; write it like 1299.00 or £1,299.00"
        ));
    }
    if t.contains(['$', '€']) {
        return Err(format!(
            "\"{raw}\" is not in pounds; write the price in pounds, like 1299.00"
        ));
    }
    if t.starts_with('-') {
        return Err(format!("\"{raw}\" is negative; a price is 0 or more"));
    }
    let bad = || format!("\"{raw}\" is not a price; write it like 1299.00 or £1,299.00");
    let decimal_comma = || {
        format!(
            "\"{raw}\" looks like a decimal comma; write pounds and pence with a point (1299.00), \
             commas only between thousands (1,299.00)"
        )
    };
    let (whole, frac) = match t.rsplit_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (t, None),
    };
    if whole.contains('.') {
        return Err(decimal_comma());
    }
    if let Some(f) = frac {
        if f.contains(',') {
            return Err(decimal_comma());
        }
        if f.is_empty() || f.len() > 2 || !f.bytes().all(|b| b.is_ascii_digit()) {
            return Err(if f.len() > 2 && f.bytes().all(|b| b.is_ascii_digit()) {
                format!("\"{raw}\" has more than two figures after the point; give pounds and pence (1299.00)")
            } else {
                bad()
            });
        }
    }
    if whole.is_empty() || whole.starts_with(',') || whole.ends_with(',') {
        return Err(if whole.ends_with(',') {
            decimal_comma()
        } else {
            bad()
        });
    }
    let groups: Vec<&str> = whole.split(',').collect();
    if groups
        .iter()
        .any(|g| !g.bytes().all(|b| b.is_ascii_digit()) || g.is_empty())
    {
        return Err(bad());
    }
    if groups.len() > 1 {
        let first_ok = (1..=3).contains(&groups[0].len());
        let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
        if !(first_ok && rest_ok) {
            return Err(decimal_comma());
        }
    }
    let digits: String = groups.concat();
    let pounds: i64 = digits.parse().map_err(|_| bad())?;
    let pence: i64 = match frac {
        None => 0,
        Some(f) if f.len() == 1 => f.parse::<i64>().map_err(|_| bad())? * 10,
        Some(f) => f.parse().map_err(|_| bad())?,
    };
    pounds
        .checked_mul(100)
        .and_then(|p| p.checked_add(pence))
        .ok_or_else(|| format!("\"{raw}\" is too large for a price"))
}

/// Pence as a plain decimal for files: `1299.00`.
pub fn plain_price(pence: i64) -> String {
    format!("{}.{:02}", pence / 100, pence % 100)
}

/// Pence for people: `£1,299.00`.
pub fn money(pence: i64) -> String {
    let pounds = (pence / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in pounds.chars().enumerate() {
        if i > 0 && (pounds.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("£{grouped}.{:02}", pence % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_uk_prices() {
        assert_eq!(parse_price("£1,299.00"), Ok(129_900));
        assert_eq!(parse_price("1299"), Ok(129_900));
        assert_eq!(parse_price("1299.5"), Ok(129_950));
        assert_eq!(parse_price(" £ 12.34 "), Ok(1_234));
        assert_eq!(parse_price("1,299"), Ok(129_900));
        assert_eq!(parse_price("1,234,567.89"), Ok(123_456_789));
        assert_eq!(parse_price("GBP 5"), Ok(500));
        assert_eq!(parse_price("0"), Ok(0));
    }

    #[test]
    fn refuses_decimal_commas_clearly_never_silently_wrong() {
        for s in ["1299,00", "1.299,00", "12,5", "1,2999", "1299,"] {
            let e = parse_price(s).unwrap_err();
            assert!(e.contains("decimal comma"), "{s}: {e}");
        }
    }

    #[test]
    fn refuses_other_nonsense() {
        assert!(parse_price("").is_err());
        assert!(parse_price("£").is_err());
        assert!(parse_price("-5").unwrap_err().contains("negative"));
        assert!(parse_price("$5").unwrap_err().contains("pounds"));
        assert!(parse_price("12.345").unwrap_err().contains("two figures"));
        assert!(parse_price("twelve").is_err());
        assert!(parse_price("99999999999999999999").is_err());
    }

    #[test]
    fn prints_both_ways() {
        assert_eq!(plain_price(129_900), "1299.00");
        assert_eq!(plain_price(5), "0.05");
        assert_eq!(money(129_900), "£1,299.00");
        assert_eq!(money(123_456_789), "£1,234,567.89");
        assert_eq!(money(99), "£0.99");
        assert_eq!(parse_price(&plain_price(123_456)), Ok(123_456));
        assert_eq!(parse_price(&money(123_456_789)), Ok(123_456_789));
    }
}
