//! `bench-call`: drives one echo workload at a fixed concurrency for a fixed time and prints one JSON
//! object with the throughput and latency percentiles. `bench-serve` is `serve --only bench,echo`.
//!
//! Workloads (all checked, so a wrong answer is an error, not a fast call):
//! - `ping`: `wrpc-bench:bench/ping.ping()`;
//! - `greet`: `wrpc-bench:bench/greet.greet("interop-bench-16")` (a 16-byte name);
//! - `bytes16` / `bytes16k`: `wrpc-interop:echo/echo.echo-bytes` with 16 B / 16 KiB;
//! - `record`: `wrpc-interop:echo/echo.echo-record` with the `scenarios::sample()` record.

use core::time::Duration;

use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, ensure};
use bytes::Bytes;
use wrpc_transport::Invoke;

use crate::bindings::{bench_greet, bench_ping, echo_client};
use crate::scenarios;

pub const WORKLOADS: [&str; 5] = ["ping", "greet", "bytes16", "bytes16k", "record"];

async fn once<I: Invoke>(clt: &I, workload: &str, payload: &Bytes) -> anyhow::Result<()>
where
    I::Context: Default,
{
    use echo_client::wrpc_interop::echo::echo;
    match workload {
        "ping" => bench_ping::wrpc_bench::bench::ping::ping(clt, I::Context::default()).await,
        "greet" => {
            let v = bench_greet::wrpc_bench::bench::greet::greet(
                clt,
                I::Context::default(),
                "interop-bench-16",
            )
            .await?;
            ensure!(v.ends_with("interop-bench-16"), "greet answered {v:?}");
            Ok(())
        }
        "bytes16" | "bytes16k" => {
            let v = echo::echo_bytes(clt, I::Context::default(), payload).await?;
            ensure!(v == payload, "echo-bytes answered {} bytes", v.len());
            Ok(())
        }
        "record" => {
            let want = scenarios::sample();
            let v = echo::echo_record(clt, I::Context::default(), &want).await?;
            ensure!(v == want, "echo-record answered {v:?}");
            Ok(())
        }
        other => bail!(
            "unknown workload `{other}`; known: {}",
            WORKLOADS.join(", ")
        ),
    }
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank]
}

/// Runs `workload` from `concurrency` tasks for `seconds`; returns the JSON report line.
pub async fn call<I>(
    clt: Arc<I>,
    workload: &str,
    concurrency: usize,
    seconds: f64,
) -> anyhow::Result<String>
where
    I: Invoke + 'static,
    I::Context: Default,
{
    let size = match workload {
        "bytes16k" => 16 * 1024,
        _ => 16,
    };
    let payload = Bytes::from(vec![0x5a; size]);
    // One checked call first: a wrong peer fails here with its error instead of as a zero rate.
    once(clt.as_ref(), workload, &payload).await?;
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(seconds);
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let clt = Arc::clone(&clt);
            let payload = payload.clone();
            let workload = workload.to_string();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = Vec::new();
                while Instant::now() < deadline {
                    let t0 = Instant::now();
                    match once(clt.as_ref(), &workload, &payload).await {
                        Ok(()) => latencies.push(t0.elapsed().as_micros() as u64),
                        Err(err) => errors.push(format!("{err:#}")),
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors = Vec::new();
    for task in tasks {
        let (l, e) = task.await?;
        latencies.extend(l);
        errors.extend(e);
    }
    let elapsed = start.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let first_error = errors
        .first()
        .map(|e| crate::json_string(e))
        .unwrap_or_else(|| "null".into());
    Ok(format!(
        "{{\"workload\": \"{workload}\", \"concurrency\": {concurrency}, \"seconds\": {elapsed:.3}, \
         \"calls\": {}, \"errors\": {}, \"calls_per_s\": {:.1}, \"p50_us\": {}, \"p99_us\": {}, \
         \"first_error\": {first_error}}}",
        latencies.len(),
        errors.len(),
        latencies.len() as f64 / elapsed,
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
    ))
}
