//! A small bar chart of daily requests, drawn on the server as one SVG path.
//!
//! All bars are one `<path>` (a few bytes per busy day, none for an idle one) over a faint
//! baseline, so a page of charts stays light. Bars scale to the busiest day of the series,
//! and any day with requests is at least `MIN_BAR` high: one request must never look idle.
//! The chart is decorative; the row states the total in words next to it.

use std::fmt::Write;

const BAR: u32 = 3;
const GAP: u32 = 1;
const HEIGHT: u32 = 24;
/// The shortest bar of a day with requests, well above the 1-pixel baseline.
const MIN_BAR: u32 = 4;

/// SVG markup for `days` (oldest first). Only numbers go into it, so it is safe to embed.
pub fn svg(days: &[i64]) -> String {
    let width = days.len() as u32 * (BAR + GAP);
    let max = days.iter().copied().max().unwrap_or(0).max(1);
    let mut out = format!(
        "<svg class=\"usage-chart\" width=\"{width}\" height=\"{HEIGHT}\" viewBox=\"0 0 {width} {HEIGHT}\" aria-hidden=\"true\" focusable=\"false\"><path class=\"zero\" d=\"M0 {}h{width}v1H0z\"/>",
        HEIGHT - 1
    );
    let mut bars = String::new();
    for (i, &count) in days.iter().enumerate() {
        if count > 0 {
            let x = i as u32 * (BAR + GAP);
            let _ = write!(
                bars,
                "M{x} {HEIGHT}v-{h}h{BAR}v{h}z",
                h = bar_height(count, max)
            );
        }
    }
    if !bars.is_empty() {
        let _ = write!(out, "<path d=\"{bars}\"/>");
    }
    out.push_str("</svg>");
    out
}

/// A day's bar: its share of the busiest day's height, never below `MIN_BAR`.
fn bar_height(count: i64, max: i64) -> u32 {
    let share = count as f64 / max as f64;
    ((share * f64::from(HEIGHT)).round() as u32).clamp(MIN_BAR, HEIGHT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_busiest_day_in_one_path() {
        let chart = svg(&[0, 5, 10]);
        assert_eq!(
            chart.matches("<path").count(),
            2,
            "the baseline and the bars"
        );
        assert!(!chart.contains("<rect"));
        assert!(chart.contains("M4 24v-12h3v12z"), "half the busiest day");
        assert!(
            chart.contains("M8 24v-24h3v24z"),
            "the busiest day fills the height"
        );
        assert!(!chart.contains("M0 24v"), "an idle day has no bar");
    }

    #[test]
    fn a_single_request_among_thousands_still_shows() {
        let mut days = vec![0; 30];
        days[0] = 1;
        days[29] = 100_000;
        let chart = svg(&days);
        assert!(chart.contains(&format!("M0 24v-{MIN_BAR}h3v{MIN_BAR}z")));
        assert_eq!(bar_height(1, 1), HEIGHT);
    }

    #[test]
    fn an_idle_month_draws_only_the_baseline() {
        let chart = svg(&[0; 30]);
        assert_eq!(chart.matches("<path").count(), 1);
        assert!(chart.contains("class=\"zero\""));
        assert!(chart.len() < 200, "{} bytes", chart.len());
    }
}
