use std::time::{Duration, SystemTime};

use launchguard_core::{CheckDef, Finding, Severity, Target};

use super::Burst;

pub static CHECK: CheckDef = CheckDef {
    id: "ratelimit.no_retry_after",
    agent: "ratelimit",
    title: "429 without a usable Retry-After",
    severity: Severity::Low,
    what: "Looks at the first limiting answer of the burst and fails when it has no Retry-After header, or one \
           that is neither delay-seconds nor an HTTP-date. Skipped when no 429 came.",
    why: "Without Retry-After, well-behaved clients and SDKs retry immediately or guess, which turns a limit \
          into a retry storm; legitimate users get errors instead of a short wait.",
    fix: "Send `Retry-After: <seconds>` (or an HTTP-date) with every 429, and ideally the IETF RateLimit and \
          RateLimit-Policy fields.",
    references: &["https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3"],
};

/// How long a `Retry-After` value asks to wait, from `now`: delay-seconds or an IMF-fixdate
/// (`Sun, 06 Nov 1994 08:49:37 GMT`). `None` when it is neither.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse::<u64>().ok().map(Duration::from_secs);
    }
    let at = parse_http_date(value)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

fn parse_http_date(value: &str) -> Option<SystemTime> {
    // IMF-fixdate only; the obsolete formats are not sent by any current server.
    let parts: Vec<&str> = value.split([' ', ':']).collect();
    let [_, day, month, year, hour, minute, second, "GMT"] = parts.as_slice() else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| m == month)? as i64 + 1;
    let (day, year): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let (hour, minute, second): (u64, u64, u64) = (
        hour.parse().ok()?,
        minute.parse().ok()?,
        second.parse().ok()?,
    );
    if !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 || year < 1970 {
        return None;
    }
    // Days from civil, Howard Hinnant's algorithm.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = u64::try_from(era * 146_097 + doe - 719_468).ok()?;
    Some(
        SystemTime::UNIX_EPOCH
            + Duration::from_secs(days * 86_400 + hour * 3600 + minute * 60 + second),
    )
}

pub(crate) fn judge(target: &Target, burst: &Burst) -> Finding {
    if let Some(reason) = burst.unverified() {
        return Finding::error(&CHECK, target.clone(), format!("inconclusive: {reason}"));
    }
    let Some(limited) = &burst.limited else {
        return Finding::skipped(
            &CHECK,
            target.clone(),
            "no 429 within the budget (see ratelimit.absent)",
        );
    };
    match limited.retry_after.as_deref() {
        Some(value) if parse_retry_after(value, SystemTime::now()).is_some() => Finding::pass(
            &CHECK,
            target.clone(),
            format!("the 429 says Retry-After: {value}"),
        )
        .with_evidence("retry_after", value),
        Some(value) => Finding::fail(
            &CHECK,
            target.clone(),
            "the 429's Retry-After is neither delay-seconds nor an HTTP-date",
        )
        .with_evidence("retry_after", value),
        None => Finding::fail(
            &CHECK,
            target.clone(),
            format!(
                "the HTTP {} that limited the burst has no Retry-After",
                limited.status
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use launchguard_core::Status;

    use super::*;
    use crate::ratelimit::test_support::{burst, target};

    #[test]
    fn missing_or_malformed_retry_after_fails() {
        assert_eq!(
            judge(&target(), &burst(5, Some(6), None)).status,
            Status::Fail
        );
        assert_eq!(
            judge(&target(), &burst(5, Some(6), Some("soon"))).status,
            Status::Fail
        );
        assert_eq!(
            judge(&target(), &burst(5, Some(6), Some("30"))).status,
            Status::Pass
        );
        assert_eq!(
            judge(&target(), &burst(5, None, None)).status,
            Status::Skipped
        );
    }

    #[test]
    fn retry_after_parses_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        // 784111777 is Sun, 06 Nov 1994 08:49:37 GMT.
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:50:37 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        for bad in ["", "-1", "1.5", "tomorrow", "Sun, 06 Nov 1994 25:00:00 GMT"] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }
}
