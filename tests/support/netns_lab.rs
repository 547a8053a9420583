//! A lab of network namespaces (needs root, iproute2 and nftables): hosts
//! on one bridge, host `i` at `10.77.N.i` (N is the lab's own subnet), the
//! test process reaching them all from `10.77.N.254`. Faults are nftables
//! rules inside a host: a share of its packets lost, or a partition from
//! another host (the kernel here has no netem). Dropped, the lab is
//! deleted.

use std::ffi::OsStr;
use std::process::{Command, Stdio};

use super::running::Running;

pub(crate) struct Lab {
    name: String,
    subnet: u8,
    hosts: Vec<String>,
}

fn run(args: &[&str]) {
    let out = Command::new(args[0]).args(&args[1..]).output().unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Lab {
    /// Whether this process may build a lab (root, with `ip` and `nft`).
    pub(crate) fn possible() -> Result<(), String> {
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        if !root {
            return Err("network namespaces need root".into());
        }
        for tool in ["ip", "nft"] {
            let found = Command::new(tool)
                .arg("-V")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok();
            if !found {
                return Err(format!("{tool} is missing (tools/test.sh installs it)"));
            }
        }
        Ok(())
    }

    /// A lab named `name` (a few letters) with `hosts`.
    pub(crate) fn up(name: &str, hosts: &[&str]) -> Self {
        let subnet = u8::try_from(std::process::id() % 200).unwrap() + 20;
        let name = format!("{name}{subnet}");
        let sw = format!("{name}-sw");
        // Left over from a run that was killed.
        for h in hosts.iter().chain(&["sw"]) {
            let _ = Command::new("ip")
                .args(["netns", "del", &format!("{name}-{h}")])
                .stderr(Stdio::null())
                .status();
        }
        run(&["ip", "netns", "add", &sw]);
        run(&["ip", "-n", &sw, "link", "add", "br0", "type", "bridge"]);
        run(&["ip", "-n", &sw, "link", "set", "br0", "up"]);
        let lab = Self {
            name: name.clone(),
            subnet,
            hosts: hosts.iter().map(|h| (*h).to_string()).collect(),
        };
        // The test process's own leg.
        let (me, far) = (format!("{name}h0"), format!("{name}s0"));
        run(&[
            "ip", "link", "add", &me, "type", "veth", "peer", "name", &far,
        ]);
        run(&["ip", "link", "set", &far, "netns", &sw]);
        run(&["ip", "-n", &sw, "link", "set", &far, "master", "br0", "up"]);
        run(&[
            "ip",
            "addr",
            "add",
            &format!("10.77.{subnet}.254/24"),
            "dev",
            &me,
        ]);
        run(&["ip", "link", "set", &me, "up"]);
        for (i, h) in hosts.iter().enumerate() {
            let ns = format!("{name}-{h}");
            let (inner, outer) = (format!("{name}h{}", i + 1), format!("{name}s{}", i + 1));
            run(&["ip", "netns", "add", &ns]);
            run(&["ip", "-n", &ns, "link", "set", "lo", "up"]);
            run(&[
                "ip", "link", "add", &inner, "type", "veth", "peer", "name", &outer,
            ]);
            run(&["ip", "link", "set", &inner, "netns", &ns]);
            run(&["ip", "link", "set", &outer, "netns", &sw]);
            run(&["ip", "-n", &ns, "link", "set", &inner, "name", "eth0"]);
            run(&[
                "ip",
                "-n",
                &ns,
                "addr",
                "add",
                &format!("{}/24", lab.addr(h)),
                "dev",
                "eth0",
            ]);
            run(&["ip", "-n", &ns, "link", "set", "eth0", "up"]);
            run(&[
                "ip", "-n", &sw, "link", "set", &outer, "master", "br0", "up",
            ]);
            run(&[
                "ip", "netns", "exec", &ns, "nft", "add", "table", "inet", "lab",
            ]);
            for (chain, hook) in [("out", "output"), ("in", "input")] {
                run(&[
                    "ip",
                    "netns",
                    "exec",
                    &ns,
                    "nft",
                    &format!(
                        "add chain inet lab {chain} {{ type filter hook {hook} priority 0; }}"
                    ),
                ]);
            }
        }
        lab
    }

    fn index(&self, host: &str) -> usize {
        self.hosts.iter().position(|h| h == host).unwrap() + 1
    }

    /// A host's address.
    pub(crate) fn addr(&self, host: &str) -> String {
        format!("10.77.{}.{}", self.subnet, self.index(host))
    }

    /// Address `10.77.N.k` added to `host` (more source addresses).
    pub(crate) fn add_address(&self, host: &str, k: u8) -> String {
        let a = format!("10.77.{}.{k}", self.subnet);
        run(&[
            "ip",
            "-n",
            &self.ns(host),
            "addr",
            "add",
            &format!("{a}/24"),
            "dev",
            "eth0",
        ]);
        a
    }

    fn ns(&self, host: &str) -> String {
        format!("{}-{host}", self.name)
    }

    /// `bin args` running in `host`.
    pub(crate) fn spawn(
        &self,
        host: &str,
        bin: &std::path::Path,
        args: &[impl AsRef<OsStr>],
    ) -> Running {
        Running(
            Command::new("ip")
                .args(["netns", "exec", &self.ns(host)])
                .arg(bin)
                .args(args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        )
    }

    fn nft(&self, host: &str, rule: &str) {
        run(&["ip", "netns", "exec", &self.ns(host), "nft", rule]);
    }

    /// `host` loses `percent` % of the packets it sends on the lab.
    pub(crate) fn loss(&self, host: &str, percent: u8) {
        self.nft(
            host,
            &format!("add rule inet lab out oifname eth0 numgen random mod 100 lt {percent} drop"),
        );
    }

    /// Nothing passes between `host` and `other` (either way).
    pub(crate) fn partition(&self, host: &str, other: &str) {
        let far = self.addr(other);
        self.nft(host, &format!("add rule inet lab out ip daddr {far} drop"));
        self.nft(host, &format!("add rule inet lab in ip saddr {far} drop"));
    }

    /// Every fault of `host` lifted.
    pub(crate) fn heal(&self, host: &str) {
        self.nft(host, "flush chain inet lab out");
        self.nft(host, "flush chain inet lab in");
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for h in self.hosts.iter().map(String::as_str).chain(["sw"]) {
            let _ = Command::new("ip")
                .args(["netns", "del", &format!("{}-{h}", self.name)])
                .status();
        }
        let _ = Command::new("ip")
            .args(["link", "del", &format!("{}h0", self.name)])
            .stderr(Stdio::null())
            .status();
    }
}
