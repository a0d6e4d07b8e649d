//! The report as one self-contained HTML5 page (maud escapes every value it interpolates): no
//! script, no external resource, a print style sheet for A4.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::{
    chart::severity_chart,
    model::{Effectiveness, PlanLine, Report, SevereEntry, SymptomChart},
};
use crate::passport::{conditions::model::ConditionStatus, view::model::PassportCondition};
use crate::schedules::doses::Tally;

const STYLE: &str = r#"
:root { color: #1b1f24; font: 11pt/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
body { max-width: 46rem; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .2rem; }
h2 { font-size: 1.15rem; margin: 0 0 .5rem; border-bottom: 2px solid #d0d7de; padding-bottom: .2rem; }
h3 { font-size: 1rem; margin: .6rem 0 .2rem; }
header, section { margin: 0 0 1.4rem; }
.meta { color: #57606a; margin: 0; }
.empty { color: #57606a; font-style: italic; }
table { border-collapse: collapse; width: 100%; font-size: .92em; }
th, td { text-align: left; vertical-align: top; padding: .25rem .4rem; border-bottom: 1px solid #d0d7de; }
th { background: #f6f8fa; }
td.num, th.num { text-align: right; white-space: nowrap; }
.notes { white-space: pre-line; }
.condition { margin: 0 0 .8rem; }
.condition p, .condition ul { margin: .1rem 0; }
.schedules { color: #57606a; font-size: .92em; }
.status { font-size: .85em; color: #57606a; }
figure { margin: 0 0 1rem; }
figcaption { font-weight: 600; }
figcaption span { font-weight: 400; color: #57606a; }
svg.chart { display: block; height: auto; }
svg .grid { stroke: #d0d7de; stroke-width: 1; }
svg .axis { stroke: #57606a; stroke-width: 1; }
svg .line { fill: none; stroke: #0969da; stroke-width: 1.5; }
svg .point { fill: #0969da; }
svg text { font-size: 10px; fill: #57606a; }
.label-severe, .label-critical { font-weight: 600; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  :root { font-size: 10pt; }
  body { max-width: none; margin: 0; padding: 0; }
  section, figure, .condition, tr { break-inside: avoid; page-break-inside: avoid; }
  h2, h3, figcaption { break-after: avoid; page-break-after: avoid; }
  a { color: inherit; text-decoration: none; }
}
"#;

pub fn render(report: &Report) -> String {
    let title = format!(
        "Health report: {} ({} to {})",
        report.person, report.from, report.to
    );
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="generator" content="medtracker";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    h1 { "Health report" }
                    p.person { strong { (report.person) } }
                    p.meta {
                        "From " time datetime=(report.from) { (report.from) }
                        " to " time datetime=(report.to) { (report.to) }
                        " (" (report.days) (if report.days == 1 { " day" } else { " days" }) ", "
                        (report.timezone) "). Made " (report.generated) "."
                    }
                }
                (passport(report))
                (adherence(report))
                (charts(report))
                (most_severe(&report.most_severe))
                (effectiveness(&report.effectiveness))
                footer.meta { "Made with medtracker from the person's own diary entries." }
            }
        }
    }
    .into_string()
}

fn passport(report: &Report) -> Markup {
    let conditions: &[PassportCondition] = &report.passport.conditions;
    html! {
        section #passport {
            h2 { "Conditions, doctors and medications" }
            @if conditions.is_empty() {
                p.empty { "No conditions recorded." }
            }
            @for entry in conditions {
                @let condition = &entry.condition;
                div.condition {
                    h3 {
                        (condition.name) " "
                        span.status {
                            (match condition.status { ConditionStatus::Active => "active", ConditionStatus::Resolved => "resolved" })
                            @if let Some(since) = condition.diagnosed_on { ", diagnosed " (since) }
                        }
                    }
                    @if let Some(notes) = &condition.notes { p.notes { (notes) } }
                    @if !entry.doctors.is_empty() {
                        p { "Doctors:" }
                        ul {
                            @for doctor in &entry.doctors {
                                li {
                                    (doctor.name)
                                    @if let Some(specialty) = &doctor.specialty { " (" (specialty) ")" }
                                    @if let Some(phone) = &doctor.phone { ", " (phone) }
                                    @if let Some(email) = &doctor.email { ", " (email) }
                                }
                            }
                        }
                    }
                    @if !entry.medications.is_empty() {
                        p { "Active medications:" }
                        ul {
                            @for medication in &entry.medications {
                                li {
                                    (medication.name)
                                    @if let Some(dosage) = &medication.dosage { ", " (dosage) }
                                    @if let Some(frequency) = &medication.frequency { ", " (frequency) }
                                    @if let Some(plans) = report.plans.get(&medication.id) {
                                        (schedules(plans))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn schedules(plans: &[PlanLine]) -> Markup {
    html! {
        ul.schedules {
            @for plan in plans {
                li {
                    "Scheduled at " (plan.times) ", " (plan.days)
                    @if let Some(dose) = &plan.dose { ", " (dose) " each" }
                    ", " (plan.dates)
                }
            }
        }
    }
}

fn percent(tally: &Tally) -> String {
    tally
        .percent
        .map_or_else(|| "–".to_owned(), |p| format!("{p:.1} %"))
}

fn adherence(report: &Report) -> Markup {
    let row = |name: &str, tally: &Tally| {
        html! {
            td { (name) }
            td.num { (tally.planned) }
            td.num { (tally.taken) }
            td.num { (tally.missed) }
            td.num { (percent(tally)) }
        }
    };
    html! {
        section #adherence {
            h2 { "Adherence to the medication schedules" }
            @if report.adherence_by_medication.is_empty() {
                p.empty { "No scheduled doses in this period." }
            } @else {
                p.meta { "Planned counts the doses whose time has passed: taken or missed." }
                table {
                    thead { tr { th { "Medication" } th.num { "Planned" } th.num { "Taken" } th.num { "Missed" } th.num { "Adherence" } } }
                    tbody {
                        @for medication in &report.adherence_by_medication {
                            tr { (row(&medication.name, &medication.tally)) }
                        }
                    }
                    tfoot { tr.total { (row("All medications", &report.adherence)) } }
                }
            }
        }
    }
}

fn number(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{v:.2}"))
}

fn charts(report: &Report) -> Markup {
    html! {
        section #symptoms {
            h2 { "Symptom severity per day" }
            @if report.charts.is_empty() {
                p.empty { "No symptoms logged in this period." }
            } @else {
                p.meta { "Mean severity of each day, from 1 (mild) to 10 (critical); a gap is a day without a log." }
            }
            @for chart in &report.charts {
                (symptom_chart(report, chart))
            }
        }
    }
}

fn symptom_chart(report: &Report, chart: &SymptomChart) -> Markup {
    html! {
        figure.symptom {
            figcaption {
                (chart.name) " "
                span {
                    (chart.logs) (if chart.logs == 1 { " log" } else { " logs" })
                    ", mean " (number(chart.mean_severity))
                    @if let Some(max) = chart.max_severity { ", highest " (max) }
                }
            }
            (severity_chart(&format!("{}: daily mean severity", chart.name), report.from, &chart.daily))
        }
    }
}

fn most_severe(entries: &[SevereEntry]) -> Markup {
    html! {
        section #most-severe {
            h2 { "Most severe symptoms" }
            @if entries.is_empty() {
                p.empty { "No symptoms logged in this period." }
            } @else {
                table {
                    thead { tr { th { "When" } th { "Symptom" } th.num { "Severity" } th { "Duration" } th { "Notes" } } }
                    tbody {
                        @for entry in entries {
                            tr {
                                td { (entry.when) }
                                td { (entry.symptom) }
                                td class=(format!("num label-{}", entry.label)) { (entry.severity) " " (entry.label) }
                                td { (entry.duration.as_deref().unwrap_or("–")) }
                                td.notes { (entry.notes.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn effectiveness(entries: &[Effectiveness]) -> Markup {
    html! {
        section #effectiveness {
            h2 { "Medication effectiveness" }
            @if entries.is_empty() {
                p.empty { "No medications logged in this period." }
            } @else {
                table {
                    thead { tr { th { "Medication" } th.num { "Logs" } th.num { "Rated" } th.num { "Mean effectiveness (1–5)" } } }
                    tbody {
                        @for entry in entries {
                            tr {
                                td { (entry.name) }
                                td.num { (entry.logs) }
                                td.num { (entry.rated) }
                                td.num { (number(entry.mean)) }
                            }
                        }
                    }
                }
            }
        }
    }
}
