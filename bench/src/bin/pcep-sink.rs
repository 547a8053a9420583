//! `pcep-sink`: the baseline beside `pce serve` in the sync benchmark. A
//! minimal decode-only PCE on the same session core: it negotiates, decodes
//! every message, answers each PCReq with an empty NO-PATH PCRep, and keeps
//! nothing. `bench/scale.sh` runs `pcc-sim --measure-sync` against both in
//! the same run; the ratio is what the LSP database, the core task and its
//! queues cost over reading and decoding alone.
//!
//! ```text
//! pcep-sink [ADDRESS:PORT]     (default 127.0.0.1:4190)
//! ```
#![allow(clippy::disallowed_methods)] // a shell: it reads the clock

use std::time::Instant;

use pcep::session::{Event, OpenPolicy, Role, Session, SessionConfig, State};
use pcep::wire::object::{NoPath, Open};
use pcep::wire::tlv::{StatefulCapability, Tlv};
use pcep::wire::{Attributes, Message, PcRep, Response, WireConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:4190".into());
    tokio::runtime::Runtime::new()?.block_on(async move {
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.set_reuseaddr(true)?;
        socket.bind(addr.parse().map_err(std::io::Error::other)?)?;
        let listener = socket.listen(8192)?;
        loop {
            let (stream, _) = listener.accept().await?;
            tokio::spawn(session(stream));
        }
    })
}

async fn session(mut stream: tokio::net::TcpStream) {
    let _ = stream.set_nodelay(true);
    let open = Open {
        tlvs: vec![Tlv::StatefulPceCapability(StatefulCapability(
            StatefulCapability::UPDATE | StatefulCapability::INSTANTIATION,
        ))],
        ..Open::default()
    };
    let mut s = Session::new(SessionConfig {
        role: Role::Pce,
        open,
        policy: OpenPolicy::default(),
        wire: WireConfig::default(),
    });
    s.start(Instant::now());
    loop {
        while let Some(ev) = s.poll_event() {
            if let Event::Message(Message::PcReq(req)) = ev {
                let rep = PcRep {
                    responses: req
                        .requests
                        .into_iter()
                        .map(|r| Response {
                            rp: r.rp,
                            lsp: None,
                            associations: Vec::new(),
                            no_path: Some(NoPath::default()),
                            attributes: Attributes::default(),
                            paths: Vec::new(),
                            unknown: Vec::new(),
                        })
                        .collect(),
                };
                let _ = s.send(&Message::PcRep(rep), Instant::now());
            }
        }
        let mut out = Vec::new();
        while let Some(b) = s.poll_transmit() {
            out.extend_from_slice(&b);
        }
        if !out.is_empty() && stream.write_all(&out).await.is_err() {
            return;
        }
        if matches!(s.state(), State::Closed) {
            return;
        }
        match stream.read_buf(s.receive_buffer(8192)).await {
            Ok(0) | Err(_) => return,
            Ok(_) => s.handle_received(Instant::now()),
        }
    }
}
