//! The REST API: sign-in, throttling, sign-out, roles, and the organization.

mod common;

use common::TestServer;
use serde_json::{Value, json};

#[tokio::test]
async fn sign_in_wrong_password_and_throttling() {
    let s = TestServer::start().await;
    let url = format!("{}/api/v1/sessions", s.url);
    let attempt = |password: &'static str| {
        s.http
            .post(&url)
            .json(&json!({ "email": "ada@example.com", "password": password }))
            .send()
    };
    let wrong = attempt("wrong").await.unwrap();
    assert_eq!(wrong.status(), 401);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid-credentials");
    assert_eq!(body["error"]["message"], "Email or password is incorrect.");

    assert_eq!(attempt("wrong").await.unwrap().status(), 401);
    assert_eq!(attempt("wrong").await.unwrap().status(), 401, "the third failure locks");
    let locked = attempt("callbar-demo").await.unwrap();
    assert_eq!(locked.status(), 429, "locked even with the right password");
    let retry: u64 = locked.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry), "{retry}");
    let body: Value = locked.json().await.unwrap();
    assert!(
        body["error"]["message"].as_str().unwrap().contains("Try again in"),
        "{body}"
    );

    // Another account from another address is not affected… (same address here: the
    // per-address limit is five times higher).
    s.sign_in("grace@example.com", "callbar-demo").await;
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let s = TestServer::start().await;
    let token = s.sign_in("ada@example.com", "callbar-demo").await;
    let me = s
        .http
        .get(format!("{}/api/v1/me", s.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["user"]["email"], "ada@example.com");
    assert!(me["user"].get("passwordHash").is_none(), "never expose hashes");

    let out = s
        .http
        .delete(format!("{}/api/v1/sessions/current", s.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let me = s
        .http
        .get(format!("{}/api/v1/me", s.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401);
    let body: Value = me.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not-authenticated");

    let none = s.http.get(format!("{}/api/v1/me", s.url)).send().await.unwrap();
    assert_eq!(none.status(), 401);
    let body: Value = none.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("Bearer"), "{body}");
}

#[tokio::test]
async fn roles_are_checked_on_the_server() {
    let s = TestServer::start().await;
    let agent = s.sign_in("ada@example.com", "callbar-demo").await;
    let admin = s.admin().await;
    let domains = format!("{}/api/v1/domains", s.url);

    let r = s
        .http
        .post(&domains)
        .bearer_auth(&agent)
        .json(&json!({ "origin": "https://crm.example.com" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = s
        .http
        .get(format!("{}/api/v1/users", s.url))
        .bearer_auth(&agent)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "agents cannot list users");

    let r = s
        .http
        .post(&domains)
        .bearer_auth(&admin)
        .json(&json!({ "origin": "HTTPS://CRM.example.com:443/" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.json::<Value>().await.unwrap()["origin"], "https://crm.example.com");
    let r = s
        .http
        .post(&domains)
        .bearer_auth(&admin)
        .json(&json!({ "origin": "https://crm.example.com" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);

    let list: Value = s
        .http
        .get(&domains)
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["domains"],
        json!(["http://127.0.0.1:2", "http://127.0.0.1:3", "https://crm.example.com"])
    );

    let r = s
        .http
        .delete(format!("{domains}/{}", "https%3A%2F%2Fcrm.example.com"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
}

#[tokio::test]
async fn bad_input_is_explained_and_changes_nothing() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let users = format!("{}/api/v1/users", s.url);
    let before: Value = s
        .http
        .get(&users)
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    for (body, expect) in [
        (
            json!({ "email": "nope", "name": "X", "password": "long enough" }),
            "email",
        ),
        (
            json!({ "email": "x@example.com", "name": "X", "password": "short" }),
            "password",
        ),
        (
            json!({ "email": "x@example.com", "name": "X", "password": "long enough", "role": "root" }),
            "role",
        ),
        (json!({ "email": "x@example.com", "name": "X" }), "password"),
        (
            json!({ "email": "x@example.com", "name": "X", "password": "long enough", "admin": true }),
            "admin",
        ),
        (json!({ "email": 5, "name": "X", "password": "long enough" }), "email"),
    ] {
        let r = s
            .http
            .post(&users)
            .bearer_auth(&admin)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{body}");
        let e: Value = r.json().await.unwrap();
        assert!(e["error"]["message"].as_str().unwrap().contains(expect), "{e}");
    }
    let r = s
        .http
        .post(&users)
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = s.http.post(&users).bearer_auth(&admin).body("{}").send().await.unwrap();
    assert_eq!(r.status(), 400, "no content type");
    let r = s
        .http
        .post(format!("{}/api/v1/domains", s.url))
        .bearer_auth(&admin)
        .json(&json!({ "origin": "https://crm.example.com/path" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = s.http.get(format!("{}/api/v1/nothing", s.url)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = s
        .http
        .put(format!("{}/api/v1/me/status", s.url))
        .bearer_auth(&admin)
        .json(&json!({ "code": "3" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(
        r.json::<Value>().await.unwrap()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("system")
    );

    let after: Value = s
        .http
        .get(&users)
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(before, after);
}

#[tokio::test]
async fn the_embed_page_is_only_for_approved_origins() {
    let s = TestServer::start().await;
    let page = |origin: &str| s.http.get(format!("{}/cci/callbar/crm/?origin={origin}", s.url)).send();

    let ok = page("http://127.0.0.1:2").await.unwrap();
    assert_eq!(ok.status(), 200);
    let csp = ok.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.ends_with("frame-ancestors http://127.0.0.1:2"), "{csp}");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let html = ok.text().await.unwrap();
    assert!(
        html.contains(r#"content="http://127.0.0.1:2""#),
        "the host origin is handed to the embed"
    );

    let legacy = s
        .http
        .get(format!("{}/crm-int/callbar/?origin=http://127.0.0.1:2", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(legacy.status(), 200);

    for (query, says) in [
        ("?origin=https://evil.example", "not an approved domain"),
        ("?origin=%3Cscript%3Ealert(1)%3C/script%3E", "not valid"),
        ("", "no <code>?origin=</code>"),
    ] {
        let r = s
            .http
            .get(format!("{}/cci/callbar/crm/{query}", s.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{query}");
        let html = r.text().await.unwrap();
        assert!(html.contains(says), "{query}: {html}");
        assert!(!html.contains("<script"), "the refusal page runs no script: {html}");
    }
    let r = page("https://evil.example").await.unwrap().text().await.unwrap();
    assert!(
        r.contains("callbar domain add https://evil.example"),
        "says how to approve"
    );
}

#[tokio::test]
async fn health_and_metrics() {
    let s = TestServer::start().await;
    assert_eq!(
        s.http
            .get(format!("{}/healthz", s.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok\n"
    );
    s.sign_in("ada@example.com", "callbar-demo").await;
    let m = s
        .http
        .get(format!("{}/metrics", s.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(m.contains("callbar_sign_ins_total{outcome=\"ok\"} 1"), "{m}");
    assert!(m.contains("callbar_resident_memory_bytes"), "{m}");
}

#[tokio::test]
async fn the_session_cookie_is_partitioned_and_only_good_for_the_embed_itself() {
    let s = TestServer::start().await;
    let r = s
        .http
        .post(format!("{}/api/v1/sessions", s.url))
        .json(&json!({ "email": "ada@example.com", "password": "callbar-demo" }))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    for part in [
        "__Host-callbar_session=cb_",
        "HttpOnly",
        "Secure",
        "SameSite=None",
        "Partitioned",
    ] {
        assert!(cookie.contains(part), "{cookie}");
    }
    let pair = cookie.split(';').next().unwrap().to_owned();
    let me = |site: &'static str| {
        s.http
            .get(format!("{}/api/v1/me", s.url))
            .header("cookie", pair.clone())
            .header("sec-fetch-site", site)
            .send()
    };
    assert_eq!(
        me("same-origin").await.unwrap().status(),
        200,
        "the embed's own requests"
    );
    assert_eq!(me("cross-site").await.unwrap().status(), 401, "not the host page's");
    assert_eq!(me("same-site").await.unwrap().status(), 401);

    let out = s
        .http
        .delete(format!("{}/api/v1/sessions/current", s.url))
        .header("cookie", pair.clone())
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    assert!(
        out.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"),
        "the cookie is removed"
    );
    assert_eq!(me("same-origin").await.unwrap().status(), 401, "the session is over");
}

/// The engine's agents serving the "Back Office" queue (every agent, unless their routing
/// settings say otherwise), as a supervisor's channel sees them.
async fn back_office_agents(s: &TestServer, token: &str) -> u64 {
    let mut ch = s.channel(token).await;
    let stats = ch.until(|op| op["op"] == "queue-stats").await;
    let q = stats["queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["queueName"] == "Back Office")
        .expect("the demo has a Back Office queue")
        .clone();
    ["ready", "notReady", "occupied", "offline"]
        .iter()
        .map(|k| q[k].as_u64().unwrap())
        .sum()
}

/// Each creation finds a free extension and then brings the engine in step with the store;
/// done at once, they used to share extensions, and a sync from an older read of the store
/// could remove an agent a newer one had added.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn users_created_at_once_get_distinct_extensions_and_all_route() {
    const AGENTS: u64 = 20;
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let before = back_office_agents(&s, &admin).await;
    let users = format!("{}/api/v1/users", s.url);
    let creations = (0..AGENTS).map(|i| {
        let (http, users, admin) = (s.http.clone(), users.clone(), admin.clone());
        tokio::spawn(async move {
            let body = json!({ "email": format!("a{i}@example.com"), "name": format!("Agent {i}"), "password": "long enough" });
            http.post(&users).bearer_auth(&admin).json(&body).send().await.unwrap().status()
        })
    });
    for status in futures_util::future::join_all(creations).await {
        assert_eq!(status.unwrap(), 201);
    }

    let all = s.get_json("/api/v1/users", &admin).await;
    let mut extensions: Vec<&str> = all["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["extension"].as_str().unwrap())
        .collect();
    extensions.sort();
    extensions.dedup();
    assert_eq!(
        extensions.len() as u64,
        AGENTS + 3,
        "the new users and the 3 demo users each have their own extension: {extensions:?}"
    );

    // The engine's command log (read as the `callbar` subcommands do, beside the server)
    // shows a removal even when a later sync put the agent back.
    let store = callbar_store::SqliteStore::open(s.data_dir()).await.unwrap();
    let log = callbar_store::Store::commands_after(&store, 0).await.unwrap();
    let removals: Vec<_> = log.iter().filter(|c| c.command.contains("\"removeAgent\"")).collect();
    assert!(removals.is_empty(), "no agent was removed: {removals:?}");
    assert_eq!(
        back_office_agents(&s, &admin).await,
        before + AGENTS,
        "every new agent is in routing"
    );
}

#[tokio::test]
async fn an_extension_already_taken_is_a_conflict() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let users = format!("{}/api/v1/users", s.url);
    let r = s
        .http
        .post(&users)
        .bearer_auth(&admin)
        .json(&json!({ "email": "x@example.com", "name": "X", "password": "long enough", "extension": "1001" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409, "the demo's Ada has 1001");
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "conflict");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("extension \"1001\""),
        "{e}"
    );

    let r = s
        .http
        .post(&users)
        .bearer_auth(&admin)
        .json(&json!({ "email": "x@example.com", "name": "X", "password": "long enough", "extension": "2001" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let x: Value = r.json().await.unwrap();
    let r = s
        .http
        .patch(format!("{users}/{}", x["id"].as_str().unwrap()))
        .bearer_auth(&admin)
        .json(&json!({ "extension": "1002" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409, "the demo's Grace has 1002");
    let e: Value = r.json().await.unwrap();
    assert!(
        e["error"]["message"].as_str().unwrap().contains("extension \"1002\""),
        "{e}"
    );
}
