//! Generated bindings for every world the peer speaks. One module per world; the WIT lives in
//! `../wit/` inside this project so the peer builds from a bare clone.

pub mod sync_server {
    wit_bindgen_wrpc::generate!({ world: "sync-server", path: "wit/integration" });
}
pub mod sync_client {
    wit_bindgen_wrpc::generate!({ world: "sync-client", path: "wit/integration" });
}
pub mod async_server {
    wit_bindgen_wrpc::generate!({ world: "async-server", path: "wit/integration" });
}
pub mod async_client {
    wit_bindgen_wrpc::generate!({ world: "async-client", path: "wit/integration" });
}
pub mod resources_server {
    wit_bindgen_wrpc::generate!({ world: "resources-server", path: "wit/integration" });
}
pub mod resources_client {
    wit_bindgen_wrpc::generate!({ world: "resources-client", path: "wit/integration" });
}
/// World `test` of the reference's `rust_bindgen_nats_sync`: imports and exports in one module.
pub mod chain {
    wit_bindgen_wrpc::generate!({ world: "test", path: "wit/integration" });
}
pub mod hello_server {
    wit_bindgen_wrpc::generate!({ world: "server", path: "wit/hello" });
}
pub mod hello_client {
    wit_bindgen_wrpc::generate!({ world: "client", path: "wit/hello" });
}
/// `ping-proxy` and `greet-proxy` together give both sides of `wrpc-bench:bench`.
pub mod bench_ping {
    wit_bindgen_wrpc::generate!({ world: "ping-proxy", path: "wit/bench" });
}
pub mod bench_greet {
    wit_bindgen_wrpc::generate!({ world: "greet-proxy", path: "wit/bench" });
}
pub mod echo_server {
    wit_bindgen_wrpc::generate!({ world: "server", path: "wit/echo" });
}
pub mod echo_client {
    wit_bindgen_wrpc::generate!({ world: "client", path: "wit/echo", additional_derives: [PartialEq] });
}
