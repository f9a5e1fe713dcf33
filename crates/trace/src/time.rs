//! UTC calendar arithmetic for batch names and date-time text in CSV logs
//! (no time-zone database: every time is UTC).

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Formats nanoseconds since the epoch as `YYYY-MM-DD` when the time is
/// midnight, else as `YYYY-MM-DDTHH:MM:SSZ` (fractions of a second dropped).
pub(crate) fn format_utc(ts_ns: i64) -> String {
    let secs = ts_ns.div_euclid(1_000_000_000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    if sod == 0 && ts_ns.rem_euclid(1_000_000_000) == 0 {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", sod / 3600, sod / 60 % 60, sod % 60)
    }
}

/// Parses `YYYY-MM-DD`, optionally followed by `T` or a space,
/// `HH:MM[:SS[.fraction]]` and an optional `Z` or `+00:00`; returns
/// nanoseconds since the epoch, UTC.
pub(crate) fn parse_utc(s: &str) -> Option<i64> {
    let s = s.trim();
    let s = s.strip_suffix('Z').or_else(|| s.strip_suffix("+00:00")).unwrap_or(s);
    let (date, time) = match s.find(['T', ' ']) {
        Some(i) => (&s[..i], s[i + 1..].trim()),
        None => (s, ""),
    };
    let mut dp = date.split('-');
    let y: i64 = dp.next()?.parse().ok()?;
    let m: u32 = dp.next()?.parse().ok()?;
    let d: u32 = dp.next()?.parse().ok()?;
    if dp.next().is_some()
        || !(0..=9999).contains(&y)
        || !(1..=12).contains(&m)
        || !(1..=31).contains(&d)
    {
        return None;
    }
    let mut ns = days_from_civil(y, m, d).checked_mul(86_400_000_000_000)?;
    if !time.is_empty() {
        let mut tp = time.split(':');
        let h: i64 = tp.next()?.parse().ok()?;
        let mi: i64 = tp.next()?.parse().ok()?;
        let sec = tp.next().unwrap_or("0");
        if tp.next().is_some() || !(0..24).contains(&h) || !(0..60).contains(&mi) {
            return None;
        }
        let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
        let whole: i64 = whole.parse().ok()?;
        if !(0..=60).contains(&whole) || frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let frac_ns =
            if frac.is_empty() { 0 } else { format!("{frac:0<9}").parse::<i64>().ok()? };
        ns = ns.checked_add(((h * 60 + mi) * 60 + whole) * 1_000_000_000 + frac_ns)?;
    }
    Some(ns)
}

/// Parses epoch seconds given as an integer or a decimal fraction, exactly
/// (no floating point rounding) to nanoseconds.
pub(crate) fn parse_epoch_secs(s: &str) -> Option<i64> {
    let s = s.trim();
    let (neg, body) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let w: i64 = whole.parse().ok()?;
    let f = &frac[..frac.len().min(9)];
    let f_ns: i64 = if f.is_empty() { 0 } else { format!("{f:0<9}").parse().ok()? };
    let ns = w.checked_mul(1_000_000_000)?.checked_add(f_ns)?;
    Some(if neg { -ns } else { ns })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for z in [-800_000, -1, 0, 1, 18_748, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(days_from_civil(2021, 5, 1), 18_748);
    }

    #[test]
    fn formats_and_parses() {
        let may1 = 18_748 * 86_400 * 1_000_000_000_i64;
        assert_eq!(format_utc(may1), "2021-05-01");
        assert_eq!(format_utc(may1 + 3_723_000_000_000), "2021-05-01T01:02:03Z");
        assert_eq!(parse_utc("2021-05-01"), Some(may1));
        assert_eq!(parse_utc("2021-05-01 01:02:03"), Some(may1 + 3_723_000_000_000));
        assert_eq!(parse_utc("2021-05-01T01:02:03.5Z"), Some(may1 + 3_723_500_000_000));
        assert_eq!(parse_utc("2021-13-01"), None);
        assert_eq!(parse_utc("yesterday"), None);
        assert_eq!(parse_epoch_secs("1619827200.000123"), Some(1_619_827_200_000_123_000));
        assert_eq!(parse_epoch_secs("12"), Some(12_000_000_000));
        assert_eq!(parse_epoch_secs("1.2e3"), None);
        assert_eq!(parse_epoch_secs(""), None);
    }
}
