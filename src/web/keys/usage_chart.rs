//! A small bar chart of daily requests, drawn on the server as SVG.

use std::fmt::Write;

const BAR: u32 = 3;
const GAP: u32 = 1;
const HEIGHT: u32 = 24;

/// SVG markup for `days` (oldest first). Only numbers go into it, so it is safe to embed.
pub fn svg(days: &[i64]) -> String {
    let width = days.len() as u32 * (BAR + GAP);
    let max = days.iter().copied().max().unwrap_or(0).max(1);
    let mut out = format!(
        "<svg class=\"usage-chart\" width=\"{width}\" height=\"{HEIGHT}\" viewBox=\"0 0 {width} {HEIGHT}\" aria-hidden=\"true\" focusable=\"false\">"
    );
    for (i, &count) in days.iter().enumerate() {
        let h = if count == 0 {
            1
        } else {
            ((count as f64 / max as f64) * f64::from(HEIGHT - 1)).ceil() as u32 + 1
        };
        let x = i as u32 * (BAR + GAP);
        let y = HEIGHT - h;
        let class = if count == 0 { " class=\"zero\"" } else { "" };
        let _ = write!(
            out,
            "<rect x=\"{x}\" y=\"{y}\" width=\"{BAR}\" height=\"{h}\"{class}/>"
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_bar_per_day_scaled_to_the_busiest_day() {
        let chart = svg(&[0, 5, 10]);
        assert_eq!(chart.matches("<rect").count(), 3);
        assert!(
            chart.contains("height=\"24\"/>"),
            "the busiest day fills the height"
        );
        assert!(chart.contains("class=\"zero\""));
    }
}
