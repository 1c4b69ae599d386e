//! What the peer answers when it serves: one `Peer` value implements every exported interface.
//!
//! The answers are the ones the Python side checks, so they are fixed here and in
//! `tests/interop/worlds.py` alike:
//! - `wrpc-test:integration/sync` and `resources`: the Go test server's values (`numbers` is
//!   1..=10, `fallible(false)` is `err("test")`, `with-enum` is `bar`, ...).
//! - `foo.foo(x)` remembers `x`; `foo.f("f")` is 42 (the Go rule); the world function `f(x)` of
//!   world `test` is 42 when `x` is the remembered value (the Rust rule) and fails otherwise.
//! - `wrpc-test:integration/shared`: the Rust test's values (`numbers` 0xfe..., flags `a|c`,
//!   a counter resource whose handle is its index as 8 native-endian bytes).
//! - `bar.bar()` replays the reference's chained calls through `Peer::chain` and answers "bar".
//! - A failing check fails the invocation, which the caller sees as a dropped invocation.

use std::collections::HashSet;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::{bail, ensure, Context as _};
use bytes::Bytes;
use futures::{stream, Stream};
use tokio::sync::Mutex;
use wrpc_transport::{Invoke, ResourceBorrow, ResourceOwn};

use crate::bindings::async_server::exports::wrpc_test::integration::async_ as asy;
use crate::bindings::chain::exports::wrpc_test::integration::shared;
use crate::bindings::resources_server::exports::wrpc_test::integration::resources;
use crate::bindings::sync_server::exports::wrpc_test::integration::sync;
use crate::bindings::{
    bench_greet, bench_ping, chain, echo_server, hello_server, resources_server, sync_server,
};
use crate::scenarios;

type ByteStream = Pin<Box<dyn Stream<Item = Bytes> + Send>>;
type BoxFuture<T> = Pin<Box<dyn core::future::Future<Output = T> + Send>>;
type Nested = BoxFuture<BoxFuture<BoxFuture<Pin<Box<dyn Stream<Item = Vec<String>> + Send>>>>>;

/// The served state, shared by every invocation; `chain` is where `bar.bar` sends its calls.
pub struct Peer<I> {
    pub chain: Arc<I>,
    remembered: Arc<Mutex<Option<String>>>,
    counters: Arc<Mutex<Vec<u32>>>,
    foos: Arc<Mutex<HashSet<Bytes>>>,
    next_foo: Arc<AtomicU64>,
}

impl<I> Clone for Peer<I> {
    fn clone(&self) -> Self {
        Self {
            chain: Arc::clone(&self.chain),
            remembered: Arc::clone(&self.remembered),
            counters: Arc::clone(&self.counters),
            foos: Arc::clone(&self.foos),
            next_foo: Arc::clone(&self.next_foo),
        }
    }
}

impl<I> Peer<I> {
    pub fn new(chain: Arc<I>) -> Self {
        Self {
            chain,
            remembered: Arc::default(),
            counters: Arc::default(),
            foos: Arc::default(),
            next_foo: Arc::default(),
        }
    }

    async fn counter_index(&self, handle: Bytes) -> anyhow::Result<usize> {
        let bytes: [u8; 8] = handle[..]
            .try_into()
            .context("counter handle is not 8 bytes")?;
        let index = usize::from_ne_bytes(bytes);
        ensure!(
            index < self.counters.lock().await.len(),
            "unknown counter {index}"
        );
        Ok(index)
    }

    async fn push_counter(&self, value: u32) -> ResourceOwn<shared::Counter> {
        let mut counters = self.counters.lock().await;
        counters.push(value);
        ResourceOwn::from(Bytes::from((counters.len() - 1).to_ne_bytes().to_vec()))
    }
}

fn rec(foo: &str) -> sync::Rec {
    sync::Rec {
        nested: sync::RecNested {
            foo: foo.to_string(),
        },
    }
}

impl<C: Send + Sync, I: Send + Sync + 'static> sync::Handler<C> for Peer<I> {
    async fn fallible(&self, _: C, ok: bool) -> anyhow::Result<Result<bool, String>> {
        Ok(if ok { Ok(true) } else { Err("test".into()) })
    }

    async fn numbers(
        &self,
        _: C,
    ) -> anyhow::Result<(u8, u16, u32, u64, i8, i16, i32, i64, f32, f64)> {
        Ok((1, 2, 3, 4, 5, 6, 7, 8, 9.0, 10.0))
    }

    async fn with_flags(&self, _: C, a: bool, b: bool, c: bool) -> anyhow::Result<sync::Abc> {
        let mut flags = sync::Abc::empty();
        flags.set(sync::Abc::A, a);
        flags.set(sync::Abc::B, b);
        flags.set(sync::Abc::C, c);
        Ok(flags)
    }

    async fn with_variant_option(&self, _: C, ok: bool) -> anyhow::Result<Option<sync::Var>> {
        Ok(ok.then(|| sync::Var::Var(rec("bar"))))
    }

    async fn with_variant_list(&self, _: C) -> anyhow::Result<Vec<sync::Var>> {
        use sync::Var::{Empty, Var};
        Ok(vec![
            Empty,
            Var(rec("foo")),
            Empty,
            Empty,
            Empty,
            Var(rec("bar")),
        ])
    }

    async fn with_record(&self, _: C) -> anyhow::Result<sync::Rec> {
        Ok(rec("foo"))
    }

    async fn with_record_list(&self, _: C, n: u8) -> anyhow::Result<Vec<sync::Rec>> {
        Ok((0..n).map(|i| rec(&i.to_string())).collect())
    }

    async fn with_record_tuple(&self, _: C) -> anyhow::Result<(sync::Rec, sync::Rec)> {
        Ok((rec("0"), rec("1")))
    }

    async fn with_enum(&self, _: C) -> anyhow::Result<sync::Foobar> {
        Ok(sync::Foobar::Bar)
    }
}

impl<C: Send + Sync, I: Send + Sync + 'static> sync_server::exports::foo::Handler<C> for Peer<I> {
    async fn f(&self, _: C, x: String) -> anyhow::Result<u32> {
        ensure!(x == "f", "`foo.f` expects \"f\", got {x:?}");
        Ok(42)
    }

    async fn foo(&self, _: C, x: String) -> anyhow::Result<()> {
        *self.remembered.lock().await = Some(x);
        Ok(())
    }
}

impl<C: Send + Sync, I: Send + Sync + 'static> asy::Handler<C> for Peer<I> {
    async fn with_streams(
        &self,
        _: C,
    ) -> anyhow::Result<(
        ByteStream,
        Pin<Box<dyn Stream<Item = Vec<Vec<String>>> + Send>>,
    )> {
        Ok((
            Box::pin(stream::iter([Bytes::from("test")])),
            Box::pin(stream::iter([
                vec![vec!["foo".to_string()]],
                vec![vec!["bar".to_string(), "baz".to_string()]],
            ])),
        ))
    }

    async fn with_future(
        &self,
        _: C,
        x: asy::Something,
        s: ByteStream,
    ) -> anyhow::Result<BoxFuture<ByteStream>> {
        ensure!(
            x.foo == "bar",
            "`with-future` expects foo = \"bar\", got {:?}",
            x.foo
        );
        Ok(Box::pin(async move { s }))
    }

    async fn identity_nested_async(&self, _: C, v: Nested) -> anyhow::Result<Nested> {
        Ok(v)
    }
}

impl<C: Send + Sync, I: Send + Sync + 'static> resources::HandlerFoo<C> for Peer<I> {
    async fn new(&self, _: C) -> anyhow::Result<ResourceOwn<resources::Foo>> {
        let id = self.next_foo.fetch_add(1, Ordering::Relaxed);
        let handle = Bytes::from(format!("foo-{id}"));
        self.foos.lock().await.insert(handle.clone());
        Ok(ResourceOwn::from(handle))
    }

    async fn foo(&self, _: C, v: ResourceOwn<resources::Foo>) -> anyhow::Result<String> {
        let handle: Bytes = v.into();
        ensure!(
            self.foos.lock().await.remove(&handle),
            "unknown foo {handle:?}"
        );
        Ok("foo".into())
    }

    async fn bar(&self, _: C, self_: ResourceBorrow<resources::Foo>) -> anyhow::Result<String> {
        let handle: Bytes = self_.into();
        ensure!(
            self.foos.lock().await.contains(&handle),
            "unknown foo {handle:?}"
        );
        Ok("bar".into())
    }
}

impl<C: Send + Sync, I: Send + Sync + 'static> resources::Handler<C> for Peer<I> {
    async fn bar(&self, cx: C, v: ResourceBorrow<resources::Foo>) -> anyhow::Result<String> {
        <Self as resources::HandlerFoo<C>>::bar(self, cx, v).await
    }
}

impl<C: Send + Sync, I: Send + Sync + 'static> resources_server::exports::strange::Handler<C>
    for Peer<I>
{
    async fn bar(&self, _: C, _v: ResourceBorrow<resources::Foo>) -> anyhow::Result<u64> {
        Ok(42)
    }
}

impl<C: Send + Sync, I: Send + Sync + 'static> shared::HandlerCounter<C> for Peer<I> {
    async fn new(&self, _: C, initial: u32) -> anyhow::Result<ResourceOwn<shared::Counter>> {
        Ok(self.push_counter(initial).await)
    }

    async fn clone_counter(
        &self,
        _: C,
        self_: ResourceBorrow<shared::Counter>,
    ) -> anyhow::Result<ResourceOwn<shared::Counter>> {
        let index = self.counter_index(self_.into()).await?;
        let value = self.counters.lock().await[index];
        Ok(self.push_counter(value).await)
    }

    async fn get_count(&self, _: C, self_: ResourceBorrow<shared::Counter>) -> anyhow::Result<u32> {
        let index = self.counter_index(self_.into()).await?;
        Ok(self.counters.lock().await[index])
    }

    async fn increment_by(
        &self,
        _: C,
        self_: ResourceBorrow<shared::Counter>,
        num: u32,
    ) -> anyhow::Result<()> {
        let index = self.counter_index(self_.into()).await?;
        self.counters.lock().await[index] += num;
        Ok(())
    }

    async fn sum(
        &self,
        _: C,
        a: ResourceBorrow<shared::Counter>,
        b: ResourceBorrow<shared::Counter>,
    ) -> anyhow::Result<u32> {
        let (a, b) = (
            self.counter_index(a.into()).await?,
            self.counter_index(b.into()).await?,
        );
        let counters = self.counters.lock().await;
        Ok(counters[a] + counters[b])
    }
}

impl<C: Send + Sync, I: Send + Sync + 'static> shared::Handler<C> for Peer<I> {
    async fn fallible(&self, _: C) -> anyhow::Result<Result<bool, String>> {
        Ok(Ok(true))
    }

    async fn numbers(
        &self,
        _: C,
    ) -> anyhow::Result<(u8, u16, u32, u64, i8, i16, i32, i64, f32, f64)> {
        Ok(scenarios::RUST_NUMBERS)
    }

    async fn with_flags(&self, _: C) -> anyhow::Result<shared::Abc> {
        Ok(shared::Abc::A | shared::Abc::C)
    }
}

impl<C: Send + Sync, I: Send + Sync + 'static> chain::Handler<C> for Peer<I> {
    async fn f(&self, _: C, x: String) -> anyhow::Result<u32> {
        let remembered = self.remembered.lock().await.clone();
        if remembered.as_deref() != Some(x.as_str()) {
            bail!("`f({x:?})` does not match what `foo.foo` stored: {remembered:?}");
        }
        Ok(42)
    }
}

impl<C, I> chain::exports::bar::Handler<C> for Peer<I>
where
    C: Send + Sync,
    I: Invoke + 'static,
    I::Context: Default,
{
    async fn bar(&self, _: C) -> anyhow::Result<String> {
        scenarios::chain(self.chain.as_ref()).await?;
        Ok("bar".into())
    }
}

impl<C: Send + Sync, I: Send + Sync + 'static>
    hello_server::exports::wrpc_examples::hello::handler::Handler<C> for Peer<I>
{
    async fn hello(&self, _: C) -> anyhow::Result<String> {
        Ok("hello from Rust".into())
    }
}

impl<C: Send + Sync, I: Send + Sync + 'static>
    bench_ping::exports::wrpc_bench::bench::ping::Handler<C> for Peer<I>
{
    async fn ping(&self, _: C) -> anyhow::Result<()> {
        Ok(())
    }
}

impl<C: Send + Sync, I: Send + Sync + 'static>
    bench_greet::exports::wrpc_bench::bench::greet::Handler<C> for Peer<I>
{
    async fn greet(&self, _: C, name: String) -> anyhow::Result<String> {
        Ok(format!("Hello, {name}"))
    }
}

impl<C: Send + Sync, I: Send + Sync + 'static>
    echo_server::exports::wrpc_interop::echo::echo::Handler<C> for Peer<I>
{
    async fn echo_bytes(&self, _: C, data: Bytes) -> anyhow::Result<Bytes> {
        Ok(data)
    }

    async fn echo_record(
        &self,
        _: C,
        r: echo_server::exports::wrpc_interop::echo::echo::Sample,
    ) -> anyhow::Result<echo_server::exports::wrpc_interop::echo::echo::Sample> {
        Ok(r)
    }
}
