//! The printable report: headers, a well-formed page, escaped user text, charts, the passport,
//! the most severe logs and mean effectiveness.

use scraper::{ElementRef, Html, Selector};
use serde_json::json;

use crate::{
    helpers::{Client, spawn_app},
    passport_fixtures::{condition, doctor, link},
    schedules::create_schedule,
    trends::{log_medication, log_symptom, medication, symptom_type},
};

const HOSTILE: &str = "<script>alert(1)</script>";
const QUOTES: &str = "\"&'";

fn select<'a>(scope: ElementRef<'a>, css: &str) -> Vec<ElementRef<'a>> {
    let selector = Selector::parse(css).expect("a valid selector");
    scope.select(&selector).collect()
}

fn text(element: ElementRef<'_>) -> String {
    element.text().collect()
}

/// The page, parsed; fails the test when the HTML parser reports any error.
fn parse(body: &str) -> Html {
    let page = Html::parse_document(body);
    assert!(
        page.errors.is_empty(),
        "parse errors {:?} in\n{body}",
        page.errors
    );
    page
}

async fn report(client: &Client, query: &str) -> (Html, String) {
    let reply = client.get(&format!("/api/v1/report?{query}")).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    (parse(&reply.text), reply.text)
}

#[tokio::test]
async fn the_report_is_one_self_contained_html_page() {
    let app = spawn_app().await;
    let client = app.user().await;

    let reply = client
        .get("/api/v1/report?from=2026-11-01&to=2026-11-28")
        .await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        reply.header("content-disposition"),
        Some("inline; filename=\"medtracker-report-2026-11-01-2026-11-28.html\"")
    );
    assert_eq!(
        reply.header("content-security-policy"),
        Some("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert!(reply.text.starts_with("<!DOCTYPE html>"));
    let page = parse(&reply.text);
    let root = page.root_element();
    assert!(select(root, "script, link, img, iframe, object, embed").is_empty());
    // The only URL is the SVG namespace, which loads nothing.
    assert_eq!(
        reply.text.matches("http").count(),
        reply.text.matches("http://www.w3.org/2000/svg").count()
    );
    assert!(!reply.text.contains("https://"));
    let style = select(root, "style");
    assert_eq!(style.len(), 1);
    let css = text(style[0]);
    assert!(css.contains("@media print") && css.contains("break-inside: avoid"));
    assert!(css.contains("size: A4"));
    // A JSON route keeps its own policy.
    let json = client.get("/api/v1/trends").await;
    assert_eq!(
        json.header("content-security-policy"),
        Some("default-src 'none'; frame-ancestors 'none'")
    );
}

#[tokio::test]
async fn everything_a_user_wrote_is_escaped() {
    let app = spawn_app().await;
    let client = app.user().await;
    let reply = client
        .patch("/api/v1/me", &json!({"display_name": HOSTILE}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let symptom = symptom_type(&client, QUOTES).await;
    let notes = format!("{HOSTILE} then {QUOTES}\nsecond line");
    let body = json!({"symptom_type_id": symptom, "started_at": "2026-11-03T08:00:00Z",
        "severity": 6, "notes": notes});
    let logged = client.post("/api/v1/logs/symptoms", &body).await;
    assert_eq!(logged.status, 201, "{}", logged.text);
    let condition_id = condition(&client, &format!("{HOSTILE}{QUOTES}")).await;
    let doctor_id = doctor(&client, &format!("Dr. {HOSTILE}")).await;
    link(&client, &doctor_id, &condition_id).await;
    let pills = medication(
        &client,
        json!({"name": format!("{QUOTES} pills"), "condition_id": condition_id}),
    )
    .await;
    let unit = format!("<i>mg</i>{QUOTES}");
    let plan = json!({"times": ["08:00"], "starts_on": "2026-11-02", "dose_amount": 2,
        "dose_unit": unit});
    create_schedule(&client, &pills, plan).await;

    let (page, raw) = report(&client, "from=2026-11-01&to=2026-11-28").await;

    assert!(!raw.contains("<script"), "{raw}");
    assert!(raw.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let root = page.root_element();
    assert!(select(root, "script").is_empty());
    assert!(text(select(root, ".person")[0]).contains(HOSTILE));
    assert!(text(select(root, "title")[0]).contains(HOSTILE));
    let passport = text(select(root, "#passport")[0]);
    assert!(
        passport.contains(&format!("{HOSTILE}{QUOTES}")),
        "{passport}"
    );
    assert!(passport.contains(&format!("Dr. {HOSTILE}")), "{passport}");
    assert!(passport.contains(&format!("{QUOTES} pills")), "{passport}");
    assert!(passport.contains(&format!("2 {unit} each")), "{passport}");
    assert!(raw.contains("&lt;i&gt;mg&lt;/i&gt;"), "{raw}");
    let severe = text(select(root, "#most-severe")[0]);
    assert!(severe.contains(&notes), "{severe}");
    let caption = text(select(root, "figure.symptom figcaption")[0]);
    assert!(caption.starts_with(QUOTES), "{caption}");
    let svg = select(root, "figure.symptom svg")[0];
    assert!(
        svg.value()
            .attr("aria-label")
            .is_some_and(|l| l.starts_with(QUOTES))
    );
}

#[tokio::test]
async fn one_chart_per_logged_symptom_type_with_a_point_per_logged_day() {
    let app = spawn_app().await;
    let client = app.user().await;
    let headache = symptom_type(&client, "Headache").await;
    let nausea = symptom_type(&client, "nausea").await;
    symptom_type(&client, "Dizziness").await;
    for (day, severity) in [(1, 4), (1, 6), (2, 7), (5, 3), (10, 9)] {
        log_symptom(
            &client,
            &headache,
            &format!("2026-11-{day:02}T09:00:00Z"),
            severity,
        )
        .await;
    }
    log_symptom(&client, &nausea, "2026-11-07T09:00:00Z", 2).await;
    // Outside the range: no point, and no chart for a type logged only there.
    let dizziness = symptom_type(&client, "Vertigo").await;
    log_symptom(&client, &dizziness, "2026-10-31T23:00:00Z", 8).await;
    log_symptom(&client, &headache, "2026-11-11T00:00:00Z", 8).await;

    let (page, _) = report(&client, "from=2026-11-01&to=2026-11-10").await;

    let root = page.root_element();
    let charts = select(root, "#symptoms figure.symptom");
    let captions: Vec<String> = charts
        .iter()
        .map(|c| text(select(*c, "figcaption")[0]))
        .collect();
    assert_eq!(charts.len(), 2, "{captions:?}");
    assert!(
        captions[0].starts_with("Headache 5 logs, mean 5.80, highest 9"),
        "{captions:?}"
    );
    assert!(captions[1].starts_with("nausea 1 log"), "{captions:?}");
    let points = |chart: ElementRef<'_>| -> Vec<String> {
        select(chart, "circle title")
            .into_iter()
            .map(text)
            .collect()
    };
    assert_eq!(
        points(charts[0]),
        [
            "2026-11-01: 5",
            "2026-11-02: 7",
            "2026-11-05: 3",
            "2026-11-10: 9"
        ]
    );
    assert_eq!(points(charts[1]), ["2026-11-07: 2"]);
    // Gaps break the line: days 1–2, then 5 and 10 alone.
    let path = select(charts[0], "path.line")[0]
        .value()
        .attr("d")
        .expect("a path");
    assert_eq!(path.matches('M').count(), 3, "{path}");
}

#[tokio::test]
async fn the_report_shows_the_passport_adherence_the_most_severe_logs_and_effectiveness() {
    let app = spawn_app().await;
    let (client, email) = app.signed_in().await;
    let asthma = condition(&client, "Asthma").await;
    let weber = doctor(&client, "Dr. Anna Weber").await;
    link(&client, &weber, &asthma).await;
    let salbutamol = medication(
        &client,
        json!({"name": "Salbutamol", "dosage": "100 µg", "condition_id": asthma}),
    )
    .await;
    let old = medication(
        &client,
        json!({"name": "Old inhaler", "condition_id": asthma}),
    )
    .await;
    let reply = client
        .post_empty(&format!("/api/v1/medications/{old}/deactivate"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let plan = json!({"times": ["08:00"], "starts_on": "2026-11-02", "ends_on": "2026-11-05"});
    create_schedule(&client, &salbutamol, plan).await;
    log_medication(&client, &salbutamol, "2026-11-02T08:00:00Z", Some(4)).await;
    log_medication(&client, &salbutamol, "2026-11-03T08:00:00Z", Some(5)).await;
    log_medication(&client, &salbutamol, "2026-11-04T08:00:00Z", None).await;
    let cough = symptom_type(&client, "Cough").await;
    // 25 logs, severities 1..=10 cycling; the newest of equal severity comes first.
    for n in 0..25 {
        let severity = n % 10 + 1;
        log_symptom(
            &client,
            &cough,
            &format!("2026-11-{:02}T{:02}:00:00Z", n / 2 + 1, n % 24),
            severity,
        )
        .await;
    }

    let (page, _) = report(&client, "from=2026-11-01&to=2026-11-30").await;

    let root = page.root_element();
    // No display name: the masked email stands for the person.
    let person = text(select(root, ".person")[0]);
    let local = email.split('@').next().expect("a local part");
    assert!(person.contains('…') && !person.contains(local), "{person}");
    let passport = text(select(root, "#passport")[0]);
    assert!(
        passport.contains("Asthma") && passport.contains("Dr. Anna Weber"),
        "{passport}"
    );
    assert!(passport.contains("Salbutamol, 100 µg"), "{passport}");
    assert!(!passport.contains("Old inhaler"), "{passport}");
    let plans: Vec<String> = select(root, "#passport .schedules li")
        .into_iter()
        .map(text)
        .collect();
    assert_eq!(
        plans,
        ["Scheduled at 08:00, every day, from 2026-11-02 to 2026-11-05"]
    );
    let rows = select(root, "#most-severe tbody tr");
    assert_eq!(rows.len(), 20);
    let severities: Vec<String> = rows.iter().map(|r| text(select(*r, "td")[2])).collect();
    assert_eq!(severities[0], "10 critical");
    assert_eq!(severities[1], "10 critical");
    assert_eq!(severities[2], "9 critical");
    assert_eq!(severities[19], "2 mild");
    // Severity 10 was logged at n = 9 (Nov 5, 09:00) and n = 19 (Nov 10, 19:00): newest first.
    assert_eq!(text(select(rows[0], "td")[0]), "2026-11-10 19:00");
    assert_eq!(text(select(rows[1], "td")[0]), "2026-11-05 09:00");
    let effectiveness: Vec<Vec<String>> = select(root, "#effectiveness tbody tr")
        .into_iter()
        .map(|r| select(r, "td").into_iter().map(text).collect())
        .collect();
    assert_eq!(effectiveness, [["Salbutamol", "3", "2", "4.50"]]);
    // Four doses at 08:00 from the 2nd to the 5th: the first three taken, the last missed.
    let adherence: Vec<Vec<String>> = select(root, "#adherence tr")
        .into_iter()
        .skip(1)
        .map(|r| select(r, "td").into_iter().map(text).collect())
        .collect();
    assert_eq!(
        adherence,
        [
            ["Salbutamol", "4", "3", "1", "75.0 %"],
            ["All medications", "4", "3", "1", "75.0 %"]
        ]
    );
}
