//! A client of `GET /events` (server-sent events): each event as it
//! comes, on a channel.

use std::io::BufRead;
use std::sync::mpsc;

/// An event: its id, name and data.
#[derive(Clone, Debug)]
pub(crate) struct Sse {
    pub(crate) id: u64,
    pub(crate) event: String,
    pub(crate) data: serde_json::Value,
}

/// The events of `GET /events` (with `Last-Event-ID: last` if given), as
/// they come.
pub(crate) fn subscribe(api: u16, last: Option<u64>) -> mpsc::Receiver<Sse> {
    let (tx, rx) = mpsc::channel();
    let mut request = ureq::get(format!("http://127.0.0.1:{api}/events"));
    if let Some(l) = last {
        request = request.header("Last-Event-ID", l.to_string());
    }
    let response = request.call().unwrap();
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    std::thread::spawn(move || {
        let reader = std::io::BufReader::new(response.into_body().into_reader());
        let (mut id, mut event, mut data) = (None, String::new(), String::new());
        for line in reader.lines() {
            let Ok(line) = line else { return };
            if line.is_empty() {
                if let Some(id) = id.take() {
                    let e = Sse {
                        id,
                        event: std::mem::take(&mut event),
                        data: serde_json::from_str(&data).unwrap(),
                    };
                    if tx.send(e).is_err() {
                        return;
                    }
                }
                data.clear();
            } else if let Some(v) = line.strip_prefix("id:") {
                id = v.trim().parse().ok();
            } else if let Some(v) = line.strip_prefix("event:") {
                event = v.trim().to_owned();
            } else if let Some(v) = line.strip_prefix("data:") {
                data.push_str(v.trim_start());
            }
        }
    });
    rx
}
