//! The search parameters (`q`) as documented and as served agree: the pattern the API document
//! gives a search term accepts exactly the terms the server accepts. The server trims a term
//! before it checks it, so whitespace controls at either end (a tab, a vertical tab, U+0085) are
//! trimmed away and accepted while the same characters inside are refused, and the length limit
//! counts what is left.

use regex::Regex;
use serde_json::Value;

use crate::helpers::spawn_app;

const SEARCHES: [&str; 2] = ["/api/v1/medications", "/api/v1/symptom-types"];

/// What may surround a term: nothing, whitespace (controls among it), or a control that is not
/// whitespace.
const EDGES: [&str; 11] = [
    "",
    " ",
    "\t",
    "\n",
    "\u{0B}",
    "\u{0C}",
    "\r",
    "\u{85}",
    "\u{A0}",
    " \u{0B}\u{3000}",
    "\u{1C}",
];
const MIDDLES: [&str; 10] = [
    "ibu",
    "ib u",
    "ib\u{0B}u",
    "ib\tu",
    "ib\u{1F}u",
    "ib\u{7F}u",
    "ib\u{9F}u",
    "\u{FEFF}ibu",
    "ib\u{2028}u",
    "",
];

fn search_pattern(document: &Value, path: &str) -> Regex {
    let parameters = document["paths"][path]["get"]["parameters"]
        .as_array()
        .expect("parameters");
    let q = parameters
        .iter()
        .find(|parameter| parameter["name"] == "q")
        .expect("a q parameter");
    // A `maxLength` would count the whitespace the server trims away: the pattern holds the limit.
    assert!(q["schema"].get("maxLength").is_none(), "{path}: {q}");
    let pattern = q["schema"]["pattern"].as_str().expect("a pattern");
    Regex::new(pattern).expect("a pattern Rust's regex reads as JSON Schema does")
}

fn percent_encoded(text: &str) -> String {
    text.bytes().map(|byte| format!("%{byte:02X}")).collect()
}

/// Terms around the length limit (100 characters after trimming), with whitespace at the edges
/// that the limit does not count and inside that it does.
fn terms_around_the_limit() -> Vec<String> {
    let mut terms = Vec::new();
    for length in [99, 100, 101] {
        let word = "i".repeat(length);
        let spaced = format!("i{}i", "\u{A0}".repeat(length - 2));
        terms.extend([
            format!(" {word}\u{85}"),
            format!("{}{word}", "\u{85}".repeat(120)),
            format!("\u{3000}{spaced}\t"),
            word,
        ]);
    }
    terms
}

#[tokio::test]
async fn the_documented_pattern_of_a_search_term_accepts_what_the_server_accepts() {
    let app = spawn_app().await;
    let (client, _) = app.signed_in().await;
    let document = client.get("/openapi.json").await.body;
    let mut terms = terms_around_the_limit();
    for left in EDGES {
        for middle in MIDDLES {
            for right in ["", " ", "\u{85}", "\u{1C}"] {
                terms.push(format!("{left}{middle}{right}"));
            }
        }
    }
    for path in SEARCHES {
        let pattern = search_pattern(&document, path);
        for term in &terms {
            let reply = client
                .get(&format!("{path}?q={}", percent_encoded(term)))
                .await;
            assert!(
                reply.status == 200 || reply.status == 422,
                "{path} {term:?}: {} {}",
                reply.status,
                reply.text
            );
            assert_eq!(
                reply.status == 200,
                pattern.is_match(term),
                "{path} answers {} for {term:?}, against its documented pattern {pattern}",
                reply.status
            );
        }
    }
}
