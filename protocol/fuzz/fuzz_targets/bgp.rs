//! Any bytes as a BGP message (and, when it is an UPDATE, its BGP-LS
//! NLRIs and attribute): decoding never panics; a receiving session fed
//! the bytes after a valid OPEN never panics either.
#![no_main]

use bgpls::message::Message;
use bgpls::session::{Config, Session};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, data)) = data.split_first() else {
        return;
    };
    let _ = Message::decode(data, flags & 1 == 1);
    let mut session = Session::new(
        Config {
            local_as: 65000,
            router_id: [192, 0, 2, 1].into(),
            hold_time: 90,
            peer_as: 65000,
            end_of_rib: false,
        },
        0,
    );
    // Cut where the flags byte says, with a second passing between.
    let at = usize::from(flags).min(data.len());
    let (a, b) = data.split_at(at);
    let _ = session.receive(0, a);
    let _ = session.receive(1_000, b);
    let _ = session.tick(200_000);
    let _ = session.transmit();
});
