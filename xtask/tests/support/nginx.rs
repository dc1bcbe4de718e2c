//! A real HTTP cache server for the remote-cache tests: nginx from the OS packages, its
//! WebDAV module taking `PUT`s, on a free loopback port, its files in a temp dir. A `PUT`
//! needs the writer's token (`Bearer writer-token`); a `GET` needs none, as a read-only
//! token would get. Stopped when dropped.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const WRITER_TOKEN: &str = "writer-token";

pub struct Nginx {
    dir: tempfile::TempDir,
    child: Option<Child>,
    pub port: u16,
}

/// The nginx binary: on PATH, or where Debian and Homebrew put it.
fn binary() -> PathBuf {
    for candidate in ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/opt/homebrew/bin/nginx", "/usr/local/bin/nginx"] {
        if Path::new(candidate).is_file() {
            return PathBuf::from(candidate);
        }
    }
    PathBuf::from("nginx")
}

impl Nginx {
    pub fn start() -> Nginx {
        let dir = tempfile::Builder::new().prefix("xtask-nginx-").tempdir().unwrap();
        for sub in ["data", "tmp", "logs"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        // nginx's workers may run as another user: they must be able to write the store.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for sub in ["", "data", "tmp", "logs"] {
                std::fs::set_permissions(dir.path().join(sub), std::fs::Permissions::from_mode(0o777)).unwrap();
            }
        }
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut nginx = Nginx { dir, child: None, port };
        nginx.resume();
        nginx
    }

    /// The cache's URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/cache", self.port)
    }

    /// Where the server keeps what it was sent (`cache/ac/...`, `cache/cas/...`).
    pub fn store(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The entries under `/ac/`.
    pub fn entries(&self) -> Vec<PathBuf> {
        let dir = self.store().join("cache/ac");
        let mut out: Vec<PathBuf> = std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).collect();
        out.sort();
        out
    }

    /// Starts (or starts again) the server on its port, and waits until it answers.
    pub fn resume(&mut self) {
        let d = self.dir.path().display();
        let conf = format!(
            "daemon off;\nmaster_process on;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/logs/error.log;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  access_log {d}/logs/access.log;\n  client_body_temp_path {d}/tmp;\n  proxy_temp_path {d}/tmp;\n  \
             fastcgi_temp_path {d}/tmp;\n  uwsgi_temp_path {d}/tmp;\n  scgi_temp_path {d}/tmp;\n  \
             map $http_authorization $writer {{ default 0; \"Bearer {WRITER_TOKEN}\" 1; }}\n  \
             map \"$request_method$writer\" $denied {{ default 0; PUT0 1; }}\n  \
             server {{\n    listen 127.0.0.1:{port};\n    root {d}/data;\n    client_max_body_size 64m;\n    \
             location / {{\n      if ($denied) {{ return 403; }}\n      dav_methods PUT;\n      \
             create_full_put_path on;\n      dav_access user:rw group:rw all:r;\n    }}\n  }}\n}}\n",
            port = self.port
        );
        std::fs::write(self.dir.path().join("nginx.conf"), conf).unwrap();
        let child = Command::new(binary())
            .args(["-p", &self.dir.path().display().to_string(), "-c", "nginx.conf"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start nginx ({e}): .ci/run installs it (apt-get install nginx-light)"));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "nginx did not listen on {}: {}", self.port, self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the server (the port then refuses connections).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SIGQUIT is nginx's graceful stop; SIGKILL of the master leaves its worker.
            #[cfg(unix)]
            unsafe {
                libc::kill(child.id() as i32, libc::SIGTERM);
            }
            #[cfg(not(unix))]
            let _ = child.kill();
            let _ = child.wait();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_ok() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn log(&self) -> String {
        let read = |name: &str| std::fs::read_to_string(self.dir.path().join("logs").join(name)).unwrap_or_default();
        format!("--- error.log\n{}--- access.log\n{}", read("error.log"), read("access.log"))
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        self.stop();
    }
}
