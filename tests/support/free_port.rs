//! A free local TCP port, for process-level tests. Included by path from
//! the test crates that start servers (`#[path] mod`), so there is one copy.

/// A port the kernel says is free, never the same twice in this process:
/// the kernel may hand a just-released port out again, and two servers (or
/// a server's PCEP and API listeners) would then collide.
pub(crate) fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut given = GIVEN.lock().unwrap();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}
