//! A small inline-SVG line chart: one value (or none) per day, days on the x axis, severity 1 to
//! 10 on the y axis. A day without a value breaks the line, so a gap in the diary shows as a gap
//! rather than as a slope nobody logged.

use std::fmt::Write as _;

use jiff::civil::Date as CivilDate;
use maud::{Markup, html};

const WIDTH: f64 = 680.0;
const HEIGHT: f64 = 170.0;
const LEFT: f64 = 28.0;
const RIGHT: f64 = 10.0;
const TOP: f64 = 8.0;
const BOTTOM: f64 = 22.0;
const LOW: f64 = 1.0;
const HIGH: f64 = 10.0;
/// Grid lines at both ends of the scale and where "moderate" and "severe" begin.
const GRID: [f64; 4] = [1.0, 4.0, 7.0, 10.0];

fn x_of(day: usize, days: usize) -> f64 {
    let width = WIDTH - LEFT - RIGHT;
    if days <= 1 {
        return LEFT + width / 2.0;
    }
    LEFT + width * day as f64 / (days - 1) as f64
}

fn y_of(value: f64) -> f64 {
    let clamped = value.clamp(LOW, HIGH);
    TOP + (HEIGHT - TOP - BOTTOM) * (HIGH - clamped) / (HIGH - LOW)
}

/// The line's path: one `M` per run of consecutive days with a value, `L` to each next day.
fn line_path(values: &[Option<f64>]) -> String {
    let mut path = String::new();
    let mut drawing = false;
    for (day, value) in values.iter().enumerate() {
        match value {
            Some(v) => {
                let command = if drawing { 'L' } else { 'M' };
                // Writing to a String cannot fail.
                let _ = write!(
                    path,
                    "{}{command}{:.1} {:.1}",
                    if path.is_empty() { "" } else { " " },
                    x_of(day, values.len()),
                    y_of(*v)
                );
                drawing = true;
            }
            None => drawing = false,
        }
    }
    path
}

/// Three dates under the x axis at most: the first, the middle and the last day.
fn x_labels(first: CivilDate, days: usize) -> Vec<(usize, String)> {
    let mut marks = vec![0];
    if days > 2 {
        marks.push((days - 1) / 2);
    }
    if days > 1 {
        marks.push(days - 1);
    }
    marks
        .into_iter()
        .filter_map(|day| Some((day, date_at(first, day)?.strftime("%b %-d").to_string())))
        .collect()
}

/// The chart of `values` (one per day from `first`); `label` names it for screen readers.
pub fn severity_chart(label: &str, first: CivilDate, values: &[Option<f64>]) -> Markup {
    let days = values.len();
    let path = line_path(values);
    let view_box = format!("0 0 {WIDTH} {HEIGHT}");
    let x_axis = HEIGHT - BOTTOM;
    html! {
        svg class="chart" viewBox=(view_box) width="100%" role="img" aria-label=(label)
            xmlns="http://www.w3.org/2000/svg" {
            @for level in GRID {
                line class="grid" x1=(LEFT) x2=(WIDTH - RIGHT) y1=(y_of(level)) y2=(y_of(level)) {}
                text class="y-label" x=(LEFT - 6.0) y=(y_of(level) + 3.5) text-anchor="end" { (level) }
            }
            line class="axis" x1=(LEFT) x2=(WIDTH - RIGHT) y1=(x_axis) y2=(x_axis) {}
            @for (day, text) in x_labels(first, days) {
                @let anchor = if day == 0 { "start" } else if day + 1 == days { "end" } else { "middle" };
                text class="x-label" x=(x_of(day, days)) y=(HEIGHT - 6.0) text-anchor=(anchor) { (text) }
            }
            @if !path.is_empty() {
                path class="line" d=(path) {}
            }
            @for (day, value) in values.iter().enumerate() {
                @if let Some(v) = value {
                    circle class="point" cx=(format!("{:.1}", x_of(day, days)))
                        cy=(format!("{:.1}", y_of(*v))) r="2.5" {
                        @if let Some(date) = date_at(first, day) {
                            title { (date) ": " (v) }
                        }
                    }
                }
            }
        }
    }
}

fn date_at(first: CivilDate, day: usize) -> Option<CivilDate> {
    let offset = i64::try_from(day).ok()?;
    first.checked_add(jiff::Span::new().days(offset)).ok()
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn count(haystack: &str, needle: &str) -> usize {
        haystack.matches(needle).count()
    }

    #[test]
    fn gaps_break_the_line_into_runs() {
        // (values, path)
        let cases: &[(&[Option<f64>], &str)] = &[
            (&[None, None], ""),
            (&[Some(10.0)], "M349.0 8.0"),
            (&[Some(1.0), Some(10.0)], "M28.0 148.0 L670.0 8.0"),
            (
                &[Some(1.0), None, Some(1.0), Some(10.0), None],
                "M28.0 148.0 M349.0 148.0 L509.5 8.0",
            ),
        ];
        for (values, expected) in cases {
            assert_eq!(line_path(values), *expected, "{values:?}");
        }
    }

    #[test]
    fn one_point_per_logged_day_and_severity_runs_from_1_to_10() {
        let values = [
            Some(5.5),
            None,
            None,
            Some(2.0),
            Some(9.25),
            None,
            Some(1.0),
        ];
        let svg = severity_chart("Headache", date(2026, 11, 1), &values).into_string();
        assert_eq!(count(&svg, "<circle"), 4);
        assert_eq!(count(&svg, "<path"), 1);
        assert!(svg.contains("<title>2026-11-04: 2</title>"), "{svg}");
        assert!(svg.contains("<title>2026-11-05: 9.25</title>"), "{svg}");
        assert!(
            svg.contains(">Nov 1</text>") && svg.contains(">Nov 7</text>"),
            "{svg}"
        );
        assert_eq!(y_of(1.0), HEIGHT - BOTTOM);
        assert_eq!(y_of(10.0), TOP);
        assert_eq!(y_of(0.0), y_of(1.0));
    }

    #[test]
    fn a_chart_without_values_has_axes_but_no_line() {
        let svg = severity_chart("Nausea", date(2026, 11, 1), &[None]).into_string();
        assert_eq!(count(&svg, "<circle"), 0);
        assert_eq!(count(&svg, "<path"), 0);
        assert_eq!(count(&svg, "class=\"grid\""), GRID.len());
    }

    #[test]
    fn labels_are_escaped() {
        let svg = severity_chart("<b>&\"", date(2026, 11, 1), &[Some(3.0)]).into_string();
        assert!(svg.contains("aria-label=\"&lt;b&gt;&amp;&quot;\""), "{svg}");
    }
}
