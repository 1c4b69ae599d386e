//! Serving: registers the chosen worlds on a transport, then accepts invocations and runs each in a
//! task of its own, so one slow call never holds up the others (the generated streams do the
//! handshake as they are polled, so they must be polled all the time).

use core::pin::Pin;

use std::sync::Arc;

use anyhow::Context as _;
use futures::{stream, Future, Stream, StreamExt as _};
use wrpc_transport::{Invoke, Serve};

use crate::bindings::{
    async_server, bench_greet, bench_ping, chain, echo_server, hello_server, resources_server,
    sync_server,
};
use crate::dynamic;
use crate::handlers::Peer;

type Invocations = Pin<
    Box<
        dyn Stream<Item = anyhow::Result<Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>>>>
            + Send,
    >,
>;

/// The groups of functions `serve --only` can choose from.
pub const WORLDS: [&str; 8] = [
    "sync",
    "async",
    "resources",
    "chain",
    "hello",
    "bench",
    "echo",
    "dynamic",
];

/// Registers every world in `only` and returns the invocation streams with their names.
pub async fn register<S, I>(
    srv: &S,
    chain_to: Arc<I>,
    only: &[String],
) -> anyhow::Result<Vec<(&'static str, &'static str, Invocations)>>
where
    S: Serve,
    I: Invoke + 'static,
    I::Context: Default,
{
    let peer = Peer::new(chain_to);
    let mut all = Vec::new();
    for world in only {
        let found = match world.as_str() {
            "sync" => sync_server::serve(srv, peer.clone()).await,
            "async" => async_server::serve(srv, peer.clone()).await,
            "resources" => resources_server::serve(srv, peer.clone()).await,
            "chain" => chain::serve(srv, peer.clone()).await,
            "hello" => hello_server::serve(srv, peer.clone()).await,
            "bench" => {
                let mut ping = bench_ping::serve(srv, peer.clone()).await?;
                ping.extend(bench_greet::serve(srv, peer.clone()).await?);
                Ok(ping)
            }
            "echo" => echo_server::serve(srv, peer.clone()).await,
            "dynamic" => dynamic::serve(srv).await.map(|()| Vec::new()),
            other => anyhow::bail!("unknown world `{other}`; known: {}", WORLDS.join(", ")),
        };
        all.extend(found.with_context(|| format!("failed to serve world `{world}`"))?);
    }
    Ok(all)
}

/// Accepts invocations until every stream ends, spawning one task per invocation.
pub async fn run(invocations: Vec<(&'static str, &'static str, Invocations)>) {
    let mut all = stream::select_all(
        invocations
            .into_iter()
            .map(|(instance, name, s)| s.map(move |accepted| (instance, name, accepted))),
    );
    while let Some((instance, name, accepted)) = all.next().await {
        match accepted {
            Ok(handle) => {
                tokio::spawn(async move {
                    if let Err(err) = handle.await {
                        eprintln!("{instance}.{name}: invocation failed: {err:#}");
                    }
                });
            }
            Err(err) => eprintln!("{instance}.{name}: failed to accept: {err:#}"),
        }
    }
}
