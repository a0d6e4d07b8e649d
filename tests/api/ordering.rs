//! Lists ordered by name order by the name key's bytes on both databases, whatever the
//! PostgreSQL cluster's locale (the test cluster sorts text by ICU en-US, where "a" < "B").

use serde_json::{Value, json};

use crate::helpers::spawn_app;

/// Created in this order; listed in the byte order of their keys.
const CREATED: [&str; 7] = ["a", "B", "ä", "Z", "_x", "10", "9"];
const LISTED: [&str; 7] = ["10", "9", "_x", "a", "B", "Z", "ä"];

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .map(|items| items.iter().filter_map(|i| i["name"].as_str()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn every_name_ordered_list_sorts_byte_wise_on_both_databases() {
    let app = spawn_app().await;
    let client = app.user().await;
    let lists = [
        ("/api/v1/medications", "medications"),
        ("/api/v1/symptom-types", "symptom_types"),
        ("/api/v1/conditions", "conditions"),
        ("/api/v1/doctors", "doctors"),
    ];
    for (path, _) in lists {
        for name in CREATED {
            let reply = client.post(path, &json!({"name": name})).await;
            assert_eq!(reply.status, 201, "{path} {name}: {}", reply.text);
        }
        let list = client.get(path).await;
        assert_eq!(list.status, 200, "{}", list.text);
        assert_eq!(names(&list.body["items"]), LISTED, "{path}");
    }

    let export = client.get("/api/v1/me/export").await;
    assert_eq!(export.status, 200, "{}", export.text);
    for (_, section) in lists {
        assert_eq!(names(&export.body[section]), LISTED, "export {section}");
    }
    let passport = client.get("/api/v1/passport").await;
    assert_eq!(passport.status, 200, "{}", passport.text);
    assert_eq!(
        names(&passport.body["conditions"]),
        LISTED,
        "passport conditions"
    );
}
