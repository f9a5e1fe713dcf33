//! Naming batches: batch ids and their `YYYY-MM-DD` labels.

/// The id of the batch holding `ts_ns` (nanoseconds since the Unix epoch)
/// for batches of `batch_seconds`: the number of whole batches since
/// 1970-01-01T00:00:00Z (days for daily batches). Times before 1970 map to
/// batch 0.
#[must_use]
pub fn batch_id_of(ts_ns: i64, batch_seconds: u32) -> u64 {
    let len = i64::from(batch_seconds.max(1)) * 1_000_000_000;
    u64::try_from(ts_ns.div_euclid(len)).unwrap_or(0)
}

/// Start of a batch in seconds since the Unix epoch.
#[must_use]
pub fn batch_start(batch_id: u64, batch_seconds: u32) -> i64 {
    i64::try_from(batch_id).unwrap_or(i64::MAX / 2).saturating_mul(i64::from(batch_seconds))
}

/// The label of a batch: `YYYY-MM-DD` when batches are whole days, the
/// start time `YYYY-MM-DDTHH:MM:SSZ` otherwise.
#[must_use]
pub fn batch_label(batch_id: u64, batch_seconds: u32) -> String {
    let start = batch_start(batch_id, batch_seconds);
    let (y, m, d) = civil_from_days(start.div_euclid(86_400));
    if batch_seconds.is_multiple_of(86_400) {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        let s = start.rem_euclid(86_400);
        format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
    }
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (Howard
/// Hinnant's `civil_from_days` algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_of_known_days() {
        assert_eq!(batch_label(0, 86_400), "1970-01-01");
        // 2013-03-03 is day 15,767 (marx.csv.gz starts then).
        assert_eq!(batch_label(15_767, 86_400), "2013-03-03");
        // 2000-02-29 is day 11,016: a leap day of a century divisible by 400.
        assert_eq!(batch_label(11_016, 86_400), "2000-02-29");
        assert_eq!(batch_label(1, 3600), "1970-01-01T01:00:00Z");
    }

    #[test]
    fn ids_cut_at_midnight_utc() {
        let day = 86_400 * 1_000_000_000_i64;
        assert_eq!(batch_id_of(day - 1, 86_400), 0);
        assert_eq!(batch_id_of(day, 86_400), 1);
        assert_eq!(batch_id_of(-5, 86_400), 0);
        assert_eq!(batch_start(2, 86_400), 172_800);
    }
}
