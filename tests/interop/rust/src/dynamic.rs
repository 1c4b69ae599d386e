//! The reference's `rust_dynamic_nats` behaviours, both sides, with hand-written types and no WIT:
//! instance `test`, functions `reset`, `sync` and `async`.
//!
//! - `test.reset(string) -> string`: the server accepts each invocation and drops it without an
//!   answer; every call must fail.
//! - `test.sync`: the 15-value tuple of the reference (vector #23 of the protocol notes) goes out as
//!   parameters and comes back as results; both sides check every value.
//! - `test.async(stream<u32>, stream<string>, stream<u8>, future<list<u64>>, stream<u8>)`: five async
//!   parameters at paths [0]..[4] and the same shapes back, with the stream of u32 and the stream of
//!   strings sent back in two chunks and 256 KiB on the last stream.

use core::future::Future;
use core::pin::Pin;

use std::sync::Arc;

use anyhow::{ensure, Context as _};
use bytes::Bytes;
use futures::{stream, Stream, StreamExt as _};
use tokio::io::{AsyncRead, AsyncReadExt as _};
use wrpc_transport::{Invoke, InvokeExt as _, Serve, ServeExt as _};

/// The 15 values as 12 + 3: a nested tuple encodes exactly like the flat one (fields concatenated),
/// and std compares and prints tuples of up to 12 elements.
type SyncValues = (
    (bool, u8, u16, u32, u64, i8, i16, i32, i64, f32, f64, char),
    String,
    Vec<Vec<Vec<u8>>>,
    Vec<Option<Vec<Result<Option<String>, ()>>>>,
);

type AsyncValues = (
    Pin<Box<dyn Stream<Item = Vec<u32>> + Send>>,
    Pin<Box<dyn Stream<Item = Vec<String>> + Send>>,
    Pin<Box<dyn AsyncRead + Send>>,
    Pin<Box<dyn Future<Output = Vec<u64>> + Send>>,
    Pin<Box<dyn Stream<Item = Bytes> + Send>>,
);

const ASYNC_PATHS: [[Option<usize>; 1]; 5] =
    [[Some(0)], [Some(1)], [Some(2)], [Some(3)], [Some(4)]];

fn sync_values() -> SyncValues {
    (
        (
            true,
            0xfe,
            0xfeff,
            0xfeff_ffff,
            0xfeff_ffff_ffff_ffff,
            0x7e,
            0x7eff,
            0x7eff_ffff,
            0x7eff_ffff_ffff_ffff,
            0.42,
            0.4242,
            'a',
        ),
        "test".into(),
        vec![vec![b"foo".to_vec()]],
        vec![Some(vec![Ok(Some("bar".into()))])],
    )
}

/// 8 chunks of 32 KiB ("abcd" repeated): 256 KiB on one stream, more than most NATS messages.
fn big_stream() -> Pin<Box<dyn Stream<Item = Bytes> + Send>> {
    Box::pin(stream::repeat(Bytes::from("abcd".repeat(1 << 13))).take(1 << 3))
}

/// Reads all five async values and checks them against what both sides always send.
async fn check_async_values((a, b, mut c, d, e): AsyncValues) -> anyhow::Result<()> {
    let (a, b, c, d, e) = tokio::join!(
        a.collect::<Vec<_>>(),
        b.collect::<Vec<_>>(),
        async move {
            let mut text = String::new();
            c.read_to_string(&mut text).await.map(|_| text)
        },
        d,
        e.collect::<Vec<_>>(),
    );
    ensure!(a.concat() == [0xc0, 0xff, 0xee], "stream<u32> was {a:?}");
    ensure!(b.concat() == ["foo", "bar"], "stream<string> was {b:?}");
    ensure!(
        c.context("reading stream<u8> `c`")? == "test",
        "stream<u8> `c` was wrong"
    );
    ensure!(d == [1, 2, 3], "future<list<u64>> was {d:?}");
    let e = e.concat();
    ensure!(
        e == b"abcd".repeat(1 << 16),
        "stream<u8> `e` had {} bytes, expected 262144 bytes of \"abcd\"",
        e.len()
    );
    Ok(())
}

/// Serves `test.reset`, `test.sync` and `test.async` until the transport goes away.
pub async fn serve<S: Serve>(srv: &S) -> anyhow::Result<()> {
    let reset = srv
        .serve_values::<(String,), (String,)>("test", "reset", Arc::default())
        .await
        .context("failed to serve `test.reset`")?;
    let sync = srv
        .serve_values::<SyncValues, SyncValues>("test", "sync", Arc::default())
        .await
        .context("failed to serve `test.sync`")?;
    let paths: Arc<[Box<[Option<usize>]>]> =
        ASYNC_PATHS.iter().map(|p| Box::from(&p[..])).collect();
    let asynchronous = srv
        .serve_values::<AsyncValues, AsyncValues>("test", "async", paths)
        .await
        .context("failed to serve `test.async`")?;
    tokio::spawn(async move {
        let mut reset = Box::pin(reset);
        while let Some(accepted) = reset.next().await {
            // Accept, then drop without answering: the caller must see the invocation fail.
            match accepted {
                Ok(invocation) => drop(invocation),
                Err(err) => eprintln!("test.reset: failed to accept: {err:#}"),
            }
        }
    });
    tokio::spawn(async move {
        let mut sync = Box::pin(sync);
        while let Some(accepted) = sync.next().await {
            tokio::spawn(async move {
                let result = async {
                    let (_, params, rx, tx) = accepted?;
                    ensure!(rx.is_none(), "test.sync has no async parameters");
                    ensure!(
                        params == sync_values(),
                        "test.sync parameters were {params:?}"
                    );
                    tx(sync_values()).await
                };
                if let Err(err) = result.await {
                    eprintln!("test.sync failed: {err:#}");
                }
            });
        }
    });
    tokio::spawn(async move {
        let mut asynchronous = Box::pin(asynchronous);
        while let Some(accepted) = asynchronous.next().await {
            tokio::spawn(async move {
                let result = async {
                    let (_, params, rx, tx) = accepted?;
                    let io = rx.map(tokio::spawn);
                    check_async_values(params).await?;
                    if let Some(io) = io {
                        io.await?.context("receiving async parameters")?;
                    }
                    let replies: AsyncValues = (
                        Box::pin(stream::iter([vec![0xc0, 0xff], vec![0xee]])),
                        Box::pin(stream::iter([
                            vec!["foo".to_string()],
                            vec!["bar".to_string()],
                        ])),
                        Box::pin(b"test".as_slice()),
                        Box::pin(async { vec![1, 2, 3] }),
                        big_stream(),
                    );
                    tx(replies).await
                };
                if let Err(err) = result.await {
                    eprintln!("test.async failed: {err:#}");
                }
            });
        }
    });
    Ok(())
}

/// Calls `test.reset` three times; each call must fail. Returns the errors seen.
pub async fn call_reset<I: Invoke>(clt: &I) -> anyhow::Result<Vec<String>>
where
    I::Context: Default,
{
    let mut errors = Vec::new();
    for _ in 0..3 {
        let outcome = clt
            .invoke_values_blocking::<_, _, (String,)>(
                I::Context::default(),
                "test",
                "reset",
                ("arg",),
                &[[]; 0],
            )
            .await;
        match outcome {
            Ok(v) => anyhow::bail!("`test.reset` answered {v:?} instead of failing"),
            Err(err) => errors.push(format!("{err:#}")),
        }
    }
    Ok(errors)
}

/// Calls `test.sync` and checks the values that come back.
pub async fn call_sync<I: Invoke>(clt: &I) -> anyhow::Result<()>
where
    I::Context: Default,
{
    let returned: SyncValues = clt
        .invoke_values_blocking(
            I::Context::default(),
            "test",
            "sync",
            sync_values(),
            &[[]; 0],
        )
        .await
        .context("failed to invoke `test.sync`")?;
    ensure!(returned == sync_values(), "test.sync returned {returned:?}");
    Ok(())
}

/// Calls `test.async` and checks the five async results.
pub async fn call_async<I: Invoke>(clt: &I) -> anyhow::Result<()>
where
    I::Context: Default,
{
    let params: AsyncValues = (
        Box::pin(stream::iter([vec![0xc0, 0xff, 0xee]])),
        Box::pin(stream::iter([vec!["foo".to_string(), "bar".to_string()]])),
        Box::pin(b"test".as_slice()),
        Box::pin(async { vec![1, 2, 3] }),
        big_stream(),
    );
    let (returned, io): (AsyncValues, _) = clt
        .invoke_values(I::Context::default(), "test", "async", params, &ASYNC_PATHS)
        .await
        .context("failed to invoke `test.async`")?;
    let (checked, sent) = tokio::join!(check_async_values(returned), async {
        match io {
            Some(io) => io.await.context("sending async parameters"),
            None => Ok(()),
        }
    });
    sent?;
    checked
}
