//! What the peer checks when it calls: one function per scenario, each a sequence of calls whose
//! answers are fixed by the contracts in `handlers.rs` (and mirrored by the Python test servers).
//! A scenario returns a short detail string on success and an error naming the failed call.

use core::time::Duration;

use std::time::Instant;

use anyhow::{bail, ensure, Context as _};
use bytes::Bytes;
use futures::{stream, StreamExt as _};
use wrpc_transport::{Invoke, InvokeExt as _};

use crate::bindings::async_client::wrpc_test::integration::async_ as asy;
use crate::bindings::chain::wrpc_test::integration::shared;
use crate::bindings::resources_client::wrpc_test::integration::resources;
use crate::bindings::sync_client::wrpc_test::integration::sync;
use crate::bindings::{chain, echo_client, hello_client, resources_client, sync_client};
use crate::dynamic;

/// What `shared.numbers` answers in the reference's Rust test (vector #24 of the protocol notes).
pub const RUST_NUMBERS: (u8, u16, u32, u64, i8, i16, i32, i64, f32, f64) = (
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
);

fn cx<I: Invoke>() -> I::Context
where
    I::Context: Default,
{
    I::Context::default()
}

pub async fn hello<I: Invoke>(clt: &I) -> anyhow::Result<String>
where
    I::Context: Default,
{
    hello_client::wrpc_examples::hello::handler::hello(clt, cx::<I>()).await
}

/// Records and variants of `sync` compare by their debug text: their generated types derive no
/// `PartialEq` (and asking for one clashes with the enum's own derive).
fn same<T: core::fmt::Debug>(a: &T, b: &T) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

fn rec(foo: &str) -> sync::Rec {
    sync::Rec {
        nested: sync::RecNested {
            foo: foo.to_string(),
        },
    }
}

/// Every function of `wrpc-test:integration/sync` and `foo`, with the Go test's expectations.
pub async fn sync<I: Invoke>(clt: &I) -> anyhow::Result<String>
where
    I::Context: Default,
{
    use sync::Var::{Empty, Var};
    let v = sync::fallible(clt, cx::<I>(), true).await?;
    ensure!(v == Ok(true), "fallible(true) = {v:?}");
    let v = sync::fallible(clt, cx::<I>(), false).await?;
    ensure!(v == Err("test".into()), "fallible(false) = {v:?}");
    let v = sync::numbers(clt, cx::<I>()).await?;
    ensure!(
        v == (1, 2, 3, 4, 5, 6, 7, 8, 9.0, 10.0),
        "numbers() = {v:?}"
    );
    let v = sync::with_flags(clt, cx::<I>(), true, false, true).await?;
    ensure!(
        v == sync::Abc::A | sync::Abc::C,
        "with-flags(true, false, true) = {v:?}"
    );
    let v = sync::with_flags(clt, cx::<I>(), false, true, false).await?;
    ensure!(v == sync::Abc::B, "with-flags(false, true, false) = {v:?}");
    let v = sync::with_variant_option(clt, cx::<I>(), true).await?;
    ensure!(
        same(&v, &Some(Var(rec("bar")))),
        "with-variant-option(true) = {v:?}"
    );
    let v = sync::with_variant_option(clt, cx::<I>(), false).await?;
    ensure!(v.is_none(), "with-variant-option(false) = {v:?}");
    let v = sync::with_variant_list(clt, cx::<I>()).await?;
    let want = vec![Empty, Var(rec("foo")), Empty, Empty, Empty, Var(rec("bar"))];
    ensure!(same(&v, &want), "with-variant-list() = {v:?}");
    let v = sync::with_record(clt, cx::<I>()).await?;
    ensure!(same(&v, &rec("foo")), "with-record() = {v:?}");
    let v = sync::with_record_list(clt, cx::<I>(), 3).await?;
    ensure!(
        same(&v, &vec![rec("0"), rec("1"), rec("2")]),
        "with-record-list(3) = {v:?}"
    );
    let v = sync::with_record_list(clt, cx::<I>(), 0).await?;
    ensure!(v.is_empty(), "with-record-list(0) = {v:?}");
    let v = sync::with_record_tuple(clt, cx::<I>()).await?;
    ensure!(
        same(&v, &(rec("0"), rec("1"))),
        "with-record-tuple() = {v:?}"
    );
    let v = sync::with_enum(clt, cx::<I>()).await?;
    ensure!(v == sync::Foobar::Bar, "with-enum() = {v:?}");
    sync_client::foo::foo(clt, cx::<I>(), "foo").await?;
    let v = sync_client::foo::f(clt, cx::<I>(), "f").await?;
    ensure!(v == 42, "foo.f(\"f\") = {v}");
    Ok("11 functions".into())
}

/// `with-streams`, `with-future` and `identity-nested-async`.
pub async fn asynchronous<I: Invoke>(clt: &I) -> anyhow::Result<String>
where
    I::Context: Default,
{
    let ((a, b), io) = asy::with_streams(clt, cx::<I>()).await?;
    let (a, b, io) = tokio::join!(a.collect::<Vec<Bytes>>(), b.collect::<Vec<_>>(), drive(io));
    io?;
    ensure!(a.concat() == b"test", "with-streams a = {a:?}");
    let want = vec![
        vec!["foo".to_string()],
        vec!["bar".to_string(), "baz".to_string()],
    ];
    ensure!(b.concat() == want, "with-streams b = {b:?}");

    let something = asy::Something { foo: "bar".into() };
    let input = Box::pin(stream::iter([Bytes::from("foo"), Bytes::from("bar")]));
    let (fut, io) = asy::with_future(clt, cx::<I>(), &something, input).await?;
    let (got, io) = tokio::join!(async { fut.await.collect::<Vec<Bytes>>().await }, drive(io));
    io?;
    ensure!(got.concat() == b"foobar", "with-future = {got:?}");

    let words = vec!["foo".to_string(), "bar".to_string(), "baz".to_string()];
    let inner = words.clone();
    let nested = Box::pin(async move {
        Box::pin(async move {
            Box::pin(async move {
                Box::pin(stream::iter([inner]))
                    as std::pin::Pin<Box<dyn futures::Stream<Item = Vec<String>> + Send>>
            }) as std::pin::Pin<Box<dyn core::future::Future<Output = _> + Send>>
        }) as std::pin::Pin<Box<dyn core::future::Future<Output = _> + Send>>
    });
    let (fut, io) = asy::identity_nested_async(clt, cx::<I>(), nested).await?;
    let (got, io) = tokio::join!(
        async { fut.await.await.await.collect::<Vec<_>>().await },
        drive(io)
    );
    io?;
    ensure!(got.concat() == words, "identity-nested-async = {got:?}");
    Ok("3 functions".into())
}

async fn drive(
    io: Option<impl core::future::Future<Output = anyhow::Result<()>>>,
) -> anyhow::Result<()> {
    match io {
        Some(io) => io.await.context("async I/O failed"),
        None => Ok(()),
    }
}

/// The Go resources test: constructor, method, a function and an inline interface taking a borrow,
/// and a static function consuming the owned handle.
pub async fn resources<I: Invoke>(clt: &I) -> anyhow::Result<String>
where
    I::Context: Default,
{
    let foo = resources::Foo::new(clt, cx::<I>()).await?;
    let borrowed = foo.as_borrow();
    let v = resources::Foo::bar(clt, cx::<I>(), &borrowed).await?;
    ensure!(v == "bar", "[method]foo.bar = {v:?}");
    let v = resources::bar(clt, cx::<I>(), &borrowed).await?;
    ensure!(v == "bar", "resources.bar = {v:?}");
    let v = resources_client::strange::bar(clt, cx::<I>(), &borrowed).await?;
    ensure!(v == 42, "strange.bar = {v}");
    let v = resources::Foo::foo(clt, cx::<I>(), &foo).await?;
    ensure!(v == "foo", "[static]foo.foo = {v:?}");
    let handle: Bytes = foo.into();
    Ok(format!("handle {handle:02x?}"))
}

/// The chained calls of the reference's `rust_bindgen_nats_sync`, made by `bar.bar` on the server
/// and directly by the `chain` scenario.
pub async fn chain<I: Invoke>(clt: &I) -> anyhow::Result<()>
where
    I::Context: Default,
{
    chain::foo::foo(clt, cx::<I>(), "foo").await?;
    let v = chain::f(clt, cx::<I>(), "foo").await?;
    ensure!(v == 42, "f(\"foo\") = {v}");
    let v = shared::fallible(clt, cx::<I>()).await?;
    ensure!(v == Ok(true), "shared.fallible() = {v:?}");
    let v = shared::numbers(clt, cx::<I>()).await?;
    ensure!(v == RUST_NUMBERS, "shared.numbers() = {v:?}");
    let v = shared::with_flags(clt, cx::<I>()).await?;
    ensure!(
        v == shared::Abc::A | shared::Abc::C,
        "shared.with-flags() = {v:?}"
    );
    let counter = shared::Counter::new(clt, cx::<I>(), 0).await?;
    let counter = counter.as_borrow();
    shared::Counter::increment_by(clt, cx::<I>(), &counter, 1).await?;
    let v = shared::Counter::get_count(clt, cx::<I>(), &counter).await?;
    ensure!(v == 1, "counter.get-count() = {v} after +1");
    shared::Counter::increment_by(clt, cx::<I>(), &counter, 2).await?;
    let v = shared::Counter::get_count(clt, cx::<I>(), &counter).await?;
    ensure!(v == 3, "counter.get-count() = {v} after +2");
    let second = shared::Counter::clone_counter(clt, cx::<I>(), &counter).await?;
    let v = shared::Counter::sum(clt, cx::<I>(), &counter, &second.as_borrow()).await?;
    ensure!(v == 6, "counter.sum = {v}");
    Ok(())
}

pub async fn bar<I: Invoke>(clt: &I) -> anyhow::Result<String>
where
    I::Context: Default,
{
    let v = chain::bar::bar(clt, cx::<I>()).await?;
    ensure!(v == "bar", "bar.bar() = {v:?}");
    Ok(v)
}

pub async fn dynamic<I: Invoke>(clt: &I) -> anyhow::Result<String>
where
    I::Context: Default,
{
    dynamic::call_sync(clt).await?;
    dynamic::call_async(clt).await?;
    Ok("test.sync, test.async".into())
}

/// Three calls the server drops: each must fail, and fail fast.
pub async fn reset<I: Invoke>(clt: &I) -> anyhow::Result<String>
where
    I::Context: Default,
{
    let errors = dynamic::call_reset(clt).await?;
    Ok(errors.join(" | "))
}

/// `echo-bytes` with `size` bytes of a repeating pattern, checked byte for byte.
pub async fn echo<I: Invoke>(clt: &I, size: usize) -> anyhow::Result<String>
where
    I::Context: Default,
{
    let data = Bytes::from((0..size).map(|i| (i % 251) as u8).collect::<Vec<_>>());
    let got = echo_client::wrpc_interop::echo::echo::echo_bytes(clt, cx::<I>(), &data).await?;
    ensure!(
        got == data,
        "echo-bytes returned {} bytes, sent {size}",
        got.len()
    );
    Ok(format!("{size} bytes"))
}

pub fn sample() -> echo_client::wrpc_interop::echo::echo::Sample {
    echo_client::wrpc_interop::echo::echo::Sample {
        id: 0xfeed_f00d,
        name: "sample".into(),
        tags: vec!["a".into(), "bb".into(), "ccc".into()],
        score: 0.4242,
        active: true,
        data: Bytes::from_static(b"\x00\x01\x02\xff"),
    }
}

pub async fn record<I: Invoke>(clt: &I) -> anyhow::Result<String>
where
    I::Context: Default,
{
    let want = sample();
    let got = echo_client::wrpc_interop::echo::echo::echo_record(clt, cx::<I>(), &want).await?;
    ensure!(got == want, "echo-record returned {got:?}");
    Ok("record".into())
}

/// A call nobody serves must fail, and well before a caller's patience runs out.
pub async fn unserved<I: Invoke>(clt: &I) -> anyhow::Result<String>
where
    I::Context: Default,
{
    let start = Instant::now();
    let outcome = tokio::time::timeout(
        Duration::from_secs(10),
        clt.invoke_values_blocking::<_, _, (String,)>(
            cx::<I>(),
            "wrpc-interop:nobody/none",
            "nothing",
            ("x",),
            &[[]; 0],
        ),
    )
    .await;
    match outcome {
        Err(_) => bail!("a call nobody serves was still pending after 10 s"),
        Ok(Ok(v)) => bail!("a call nobody serves answered {v:?}"),
        Ok(Err(err)) => Ok(format!("failed after {:?}: {err:#}", start.elapsed())),
    }
}

/// `n` calls in flight at once, mixing sync values, bytes and streams; every answer is checked.
pub async fn concurrency<I: Invoke>(clt: &I, n: usize) -> anyhow::Result<String>
where
    I::Context: Default,
{
    let start = Instant::now();
    let calls = (0..n).map(|i| async move {
        let call = async {
            match i % 3 {
                0 => sync::numbers(clt, cx::<I>()).await.and_then(|v| {
                    ensure!(
                        v == (1, 2, 3, 4, 5, 6, 7, 8, 9.0, 10.0),
                        "numbers() = {v:?}"
                    );
                    Ok(())
                }),
                1 => echo(clt, 1024 + i).await.map(drop),
                _ => {
                    async {
                        let ((a, b), io) = asy::with_streams(clt, cx::<I>()).await?;
                        let (a, b, io) = tokio::join!(
                            a.collect::<Vec<Bytes>>(),
                            b.collect::<Vec<_>>(),
                            drive(io)
                        );
                        io?;
                        ensure!(
                            a.concat() == b"test" && b.concat().len() == 2,
                            "with-streams = {a:?} {b:?}"
                        );
                        Ok(())
                    }
                    .await
                }
            }
        };
        // A per-call limit turns a lost reply (the routing race of wrpc-transport-nats <= 0.30) into
        // a counted failure instead of a hung scenario.
        match tokio::time::timeout(Duration::from_secs(20), call).await {
            Ok(outcome) => outcome,
            Err(_) => Err(anyhow::anyhow!("no answer within 20 s")),
        }
        .with_context(|| format!("call {i}"))
    });
    let results = futures::future::join_all(calls).await;
    let failures: Vec<String> = results
        .into_iter()
        .filter_map(|r| r.err())
        .map(|e| format!("{e:#}"))
        .collect();
    ensure!(
        failures.is_empty(),
        "{} of {n} calls failed: {}",
        failures.len(),
        failures.join("; ")
    );
    Ok(format!("{n} calls in {:?}", start.elapsed()))
}
