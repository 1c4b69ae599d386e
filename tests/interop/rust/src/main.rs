//! `wrpc-interop-peer`: the Rust reference peer of the project's interop tests.
//!
//! It serves and calls the worlds of `wit/` with the published wRPC crates (wrpc-transport-nats
//! 0.31, wrpc-transport 0.29, wit-bindgen-wrpc 0.11), over NATS or framed TCP, so the Python
//! implementation can be checked against the real thing in both directions.
//!
//! ```text
//! wrpc-interop-peer (--nats URL [--prefix P] [--group G] | --tcp ADDR) COMMAND
//!   serve [--only W,W..] [--chain-prefix P | --chain-tcp ADDR]
//!       Serve the worlds W (default: all of sync,async,resources,chain,hello,bench,echo,dynamic).
//!       Prints `READY nats <prefix>` or `READY tcp <addr>` on stdout once every subscription is in
//!       place (TCP port 0 picks a free port), then serves until stdin closes or SIGTERM.
//!       `bar.bar` makes its chained calls to --chain-prefix / --chain-tcp (default: itself).
//!   bench-serve                  = serve --only bench,echo
//!   call SCENARIO..              Run scenarios in order, one JSON line each:
//!       {"scenario": .., "ok": true|false, "ms": .., "detail"|"error": ..}; exit 1 if any failed.
//!       Scenarios: hello sync async resources chain bar dynamic (= test-sync test-async) reset
//!                  record unserved echo:<bytes> concurrency:<n>
//!   bench-call --workload W [--concurrency N] [--seconds S]
//!       W: ping greet bytes16 bytes16k record. Prints one JSON line with calls, errors,
//!       calls_per_s, p50_us, p99_us.
//! ```
//! Logs go to stderr; `WRPC_PEER_LOG=debug|trace` turns up the crates' own tracing.

mod bench;
mod bindings;
mod dynamic;
mod handlers;
mod scenarios;
mod serve;

use core::net::SocketAddr;

use std::io::Write as _;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context as _};
use tokio::io::AsyncReadExt as _;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpListener;
use wrpc_transport::Invoke;

type TcpServer = wrpc_transport::Server<SocketAddr, OwnedReadHalf, OwnedWriteHalf>;

/// One TCP connection the listener already accepted, handed to `Server::accept` (which then reads
/// its header) exactly once. wrpc-transport 0.29 has `AcceptStream` for this; 0.28 does not.
struct Accepted(std::sync::Mutex<Option<(SocketAddr, OwnedWriteHalf, OwnedReadHalf)>>);

impl wrpc_transport::Accept for Accepted {
    type Context = SocketAddr;
    type Outgoing = OwnedWriteHalf;
    type Incoming = OwnedReadHalf;

    async fn accept(&self) -> std::io::Result<(SocketAddr, OwnedWriteHalf, OwnedReadHalf)> {
        let taken = self.0.lock().map_err(|_| std::io::ErrorKind::Other)?.take();
        taken.ok_or_else(|| std::io::ErrorKind::UnexpectedEof.into())
    }
}

#[derive(Default)]
struct Args {
    nats: Option<String>,
    prefix: String,
    group: Option<String>,
    tcp: Option<String>,
    chain_prefix: Option<String>,
    chain_tcp: Option<String>,
    only: Option<Vec<String>>,
    workload: Option<String>,
    concurrency: usize,
    seconds: f64,
    command: String,
    rest: Vec<String>,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        concurrency: 1,
        seconds: 5.0,
        ..Args::default()
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().with_context(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--nats" => args.nats = Some(value("--nats")?),
            "--prefix" => args.prefix = value("--prefix")?,
            "--group" => args.group = Some(value("--group")?),
            "--tcp" => args.tcp = Some(value("--tcp")?),
            "--chain-prefix" => args.chain_prefix = Some(value("--chain-prefix")?),
            "--chain-tcp" => args.chain_tcp = Some(value("--chain-tcp")?),
            "--only" => args.only = Some(value("--only")?.split(',').map(String::from).collect()),
            "--workload" => args.workload = Some(value("--workload")?),
            "--concurrency" => args.concurrency = value("--concurrency")?.parse()?,
            "--seconds" => args.seconds = value("--seconds")?.parse()?,
            flag if flag.starts_with("--") => bail!("unknown option {flag}"),
            word if args.command.is_empty() => args.command = word.to_string(),
            word => args.rest.push(word.to_string()),
        }
    }
    if args.nats.is_some() == args.tcp.is_some() {
        bail!("give exactly one of --nats URL and --tcp ADDR");
    }
    Ok(args)
}

/// A JSON string literal (the peer prints JSON without a serializer dependency).
pub fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

async fn nats_client(
    url: &str,
    prefix: &str,
    group: Option<&str>,
) -> anyhow::Result<wrpc_transport_nats::Client> {
    let nats = async_nats::connect(url)
        .await
        .with_context(|| format!("failed to connect to NATS at {url}"))?;
    wrpc_transport_nats::Client::new(nats, prefix.to_string(), group.map(Arc::from))
        .await
        .context("failed to construct the wRPC NATS client")
}

/// Resolves when stdin reaches EOF (the test fixture closed it) or a SIGTERM/SIGINT arrives.
async fn shutdown_requested() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("failed to install the SIGTERM handler");
    let stdin_closed = async {
        let mut stdin = tokio::io::stdin();
        let mut buf = [0u8; 64];
        while matches!(stdin.read(&mut buf).await, Ok(n) if n > 0) {}
    };
    tokio::select! {
        () = stdin_closed => {}
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

async fn serve_nats(args: &Args, url: &str, only: &[String]) -> anyhow::Result<()> {
    let clt = nats_client(url, &args.prefix, args.group.as_deref()).await?;
    let chain_to = match &args.chain_prefix {
        Some(prefix) => Arc::new(nats_client(url, prefix, None).await?),
        None => Arc::new(clt.clone()),
    };
    let invocations = serve::register(&clt, chain_to, only).await?;
    say(&format!("READY nats {}", args.prefix));
    tokio::select! {
        () = serve::run(invocations) => {}
        () = shutdown_requested() => {}
    }
    Ok(())
}

async fn serve_tcp(args: &Args, addr: &str, only: &[String]) -> anyhow::Result<()> {
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("failed to listen on {addr}"))?;
    let local = listener.local_addr()?;
    let srv = Arc::new(TcpServer::default());
    let chain_to = Arc::new(wrpc_transport::tcp::Client::from(
        args.chain_tcp.clone().unwrap_or_else(|| local.to_string()),
    ));
    let invocations = serve::register(srv.as_ref(), chain_to, only).await?;
    let accept = {
        let srv = Arc::clone(&srv);
        async move {
            loop {
                let (conn, peer) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        eprintln!("failed to accept a TCP connection: {err}");
                        continue;
                    }
                };
                let srv = Arc::clone(&srv);
                // The header is read per connection in a task, so a slow client holds up nobody.
                tokio::spawn(async move {
                    let (rx, tx) = conn.into_split();
                    let once = Accepted(std::sync::Mutex::new(Some((peer, tx, rx))));
                    if let Err(err) = srv.accept(once).await {
                        eprintln!("TCP connection from {peer} refused: {err}");
                    }
                });
            }
        }
    };
    say(&format!("READY tcp {local}"));
    tokio::select! {
        () = serve::run(invocations) => {}
        () = accept => {}
        () = shutdown_requested() => {}
    }
    Ok(())
}

async fn scenario<I: Invoke>(clt: &I, name: &str) -> anyhow::Result<String>
where
    I::Context: Default,
{
    let (base, arg) = match name.split_once(':') {
        Some((base, arg)) => (base, Some(arg)),
        None => (name, None),
    };
    let number = || -> anyhow::Result<usize> {
        arg.with_context(|| format!("`{base}` needs a number, as in `{base}:100`"))?
            .parse()
            .with_context(|| format!("bad number in `{name}`"))
    };
    match base {
        "hello" => scenarios::hello(clt).await,
        "sync" => scenarios::sync(clt).await,
        "async" => scenarios::asynchronous(clt).await,
        "resources" => scenarios::resources(clt).await,
        "chain" => scenarios::chain(clt).await.map(|()| "chained calls".into()),
        "bar" => scenarios::bar(clt).await,
        "dynamic" => scenarios::dynamic(clt).await,
        "test-sync" => dynamic::call_sync(clt).await.map(|()| "test.sync".into()),
        "test-async" => dynamic::call_async(clt).await.map(|()| "test.async".into()),
        "reset" => scenarios::reset(clt).await,
        "record" => scenarios::record(clt).await,
        "unserved" => scenarios::unserved(clt).await,
        "echo" => scenarios::echo(clt, number()?).await,
        "concurrency" => scenarios::concurrency(clt, number()?).await,
        other => bail!("unknown scenario `{other}`"),
    }
}

async fn call<I: Invoke>(clt: &I, names: &[String]) -> bool
where
    I::Context: Default,
{
    let mut all_ok = true;
    for name in names {
        let start = Instant::now();
        let outcome = scenario(clt, name).await;
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        let (ok, key, text) = match &outcome {
            Ok(detail) => (true, "detail", detail.clone()),
            Err(err) => (false, "error", format!("{err:#}")),
        };
        all_ok &= ok;
        say(&format!(
            "{{\"scenario\": {}, \"ok\": {ok}, \"ms\": {ms:.1}, \"{key}\": {}}}",
            json_string(name),
            json_string(&text)
        ));
    }
    all_ok
}

async fn run(args: Args) -> anyhow::Result<bool> {
    let only: Vec<String> = match (&args.only, args.command.as_str()) {
        (Some(only), _) => only.clone(),
        (None, "bench-serve") => vec!["bench".into(), "echo".into()],
        (None, _) => serve::WORLDS.iter().map(|w| w.to_string()).collect(),
    };
    match (args.command.as_str(), &args.nats, &args.tcp) {
        ("serve" | "bench-serve", Some(url), _) => {
            serve_nats(&args, url, &only).await.map(|()| true)
        }
        ("serve" | "bench-serve", _, Some(addr)) => {
            serve_tcp(&args, addr, &only).await.map(|()| true)
        }
        ("call", Some(url), _) => {
            Ok(call(&nats_client(url, &args.prefix, None).await?, &args.rest).await)
        }
        ("call", _, Some(addr)) => {
            Ok(call(&wrpc_transport::tcp::Client::from(addr.clone()), &args.rest).await)
        }
        ("bench-call", nats, tcp) => {
            let workload = args
                .workload
                .as_deref()
                .context("bench-call needs --workload")?;
            let report = match (nats, tcp) {
                (Some(url), _) => {
                    let clt = Arc::new(nats_client(url, &args.prefix, None).await?);
                    bench::call(clt, workload, args.concurrency, args.seconds).await?
                }
                (_, Some(addr)) => {
                    let clt = Arc::new(wrpc_transport::tcp::Client::from(addr.clone()));
                    bench::call(clt, workload, args.concurrency, args.seconds).await?
                }
                _ => unreachable!("parse_args demands one transport"),
            };
            say(&report);
            Ok(true)
        }
        (other, _, _) => bail!("unknown command `{other}`; see the module docs in src/main.rs"),
    }
}

fn main() -> std::process::ExitCode {
    let level = match std::env::var("WRPC_PEER_LOG").as_deref() {
        Ok("trace") => tracing::Level::TRACE,
        Ok("debug") => tracing::Level::DEBUG,
        Ok("info") => tracing::Level::INFO,
        _ => tracing::Level::WARN,
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .with_ansi(false)
        .init();
    let outcome = parse_args().and_then(|args| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("failed to start the tokio runtime")?
            .block_on(run(args))
    });
    match outcome {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(err) => {
            eprintln!("wrpc-interop-peer: {err:#}");
            std::process::ExitCode::from(2)
        }
    }
}
