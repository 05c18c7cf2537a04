//! Serves the HTTP lab's benchmark site (every planted flaw, plain HTTP) on 127.0.0.1 and prints
//! its port; runs until killed. Used by scripts/bench-http.sh.

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("{}", listener.local_addr()?.port());
    axum::serve(listener, launchguard_lab::http_sites::bench_site()).await?;
    Ok(())
}
