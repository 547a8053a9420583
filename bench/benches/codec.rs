//! Codec benchmarks: decode and encode of an SR PCRpt (8-hop SR-ERO,
//! IPV4-LSP-IDENTIFIERS, symbolic name, ASSOCIATION, LSP-DB-VERSION), and of
//! a 50,000-report state-sync stream through the framer. Baseline in the same
//! run: copying the same bytes into a fresh buffer (an allocation plus a
//! memcpy, the least any decoder that owns its output must do).

use bytes::{Bytes, BytesMut};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use pcep::samples::bench_report;
use pcep::wire::{Framer, Message, WireConfig};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SYNC_REPORTS: u32 = 50_000;

fn single(c: &mut Criterion) {
    let cfg = WireConfig::default();
    let msg = bench_report(12_345, 99);
    let bytes = msg.to_bytes(&cfg).unwrap();
    let mut g = c.benchmark_group("pcrpt_sr");
    g.throughput(Throughput::Elements(1));
    g.bench_function("baseline_copy", |b| {
        b.iter(|| Bytes::copy_from_slice(black_box(&bytes)))
    });
    g.bench_function("decode", |b| {
        b.iter(|| Message::decode(black_box(bytes.clone()), &cfg).unwrap())
    });
    let mut out = BytesMut::with_capacity(256);
    g.bench_function("encode", |b| {
        b.iter(|| {
            out.clear();
            black_box(&msg).encode(&mut out, &cfg).unwrap();
        })
    });
    g.finish();
}

fn sync_stream(c: &mut Criterion) {
    let cfg = WireConfig::default();
    let mut stream = BytesMut::new();
    for i in 1..=SYNC_REPORTS {
        bench_report(i, u64::from(i))
            .encode(&mut stream, &cfg)
            .unwrap();
    }
    let stream = stream.freeze();
    let mut g = c.benchmark_group("sync_50k");
    g.throughput(Throughput::Elements(u64::from(SYNC_REPORTS)));
    g.sample_size(10);
    g.bench_function("baseline_copy", |b| {
        b.iter(|| Bytes::copy_from_slice(black_box(&stream)))
    });
    g.bench_function("frame_and_decode", |b| {
        b.iter(|| {
            let mut framer = Framer::new(cfg);
            // Segments of a typical socket read.
            let mut n = 0u32;
            for chunk in stream.chunks(64 * 1024) {
                framer.extend(chunk);
                while let Some(frame) = framer.next_frame().unwrap() {
                    black_box(Message::decode(frame, &cfg).unwrap());
                    n += 1;
                }
            }
            assert_eq!(n, SYNC_REPORTS);
        })
    });
    let msgs: Vec<Message> = (1..=SYNC_REPORTS)
        .map(|i| bench_report(i, u64::from(i)))
        .collect();
    g.bench_function("encode", |b| {
        b.iter(|| {
            let mut out = BytesMut::with_capacity(stream.len());
            for m in &msgs {
                m.encode(&mut out, &cfg).unwrap();
            }
            black_box(out)
        })
    });
    g.finish();
}

criterion_group!(benches, single, sync_stream);
criterion_main!(benches);
