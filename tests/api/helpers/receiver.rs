//! A local HTTP server that receives webhooks: it records every request and answers by
//! path: `/ok` 200; `/flaky` 500 twice, then 200; `/redirect` 307 to `/ok`.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    /// Header names in lower case.
    pub headers: HashMap<String, String>,
    pub body: String,
}

type Log = Arc<Mutex<Vec<Received>>>;

pub struct Receiver {
    /// `http://127.0.0.1:<port>`
    pub base: String,
    log: Log,
}

async fn answer(req: HttpRequest, body: web::Bytes, log: web::Data<Log>) -> HttpResponse {
    let path = req.path().to_string();
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_lowercase(),
                v.to_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let earlier = {
        let mut log = log.lock().unwrap();
        let earlier = log.iter().filter(|r| r.path == path).count();
        log.push(Received {
            path: path.clone(),
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        earlier
    };
    match path.as_str() {
        "/flaky" if earlier < 2 => HttpResponse::InternalServerError().finish(),
        "/redirect" => HttpResponse::TemporaryRedirect()
            .insert_header(("Location", "/ok"))
            .finish(),
        _ => HttpResponse::Ok().finish(),
    }
}

impl Receiver {
    /// Listens on `listener` (bind port 0 for any free one).
    pub fn start_on(listener: TcpListener) -> Receiver {
        let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let log: Log = Arc::default();
        let data = web::Data::new(log.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(answer))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Receiver { base, log }
    }

    pub fn start() -> Receiver {
        Receiver::start_on(TcpListener::bind("127.0.0.1:0").unwrap())
    }

    pub fn received(&self) -> Vec<Received> {
        self.log.lock().unwrap().clone()
    }

    /// The requests so far once there are at least `n` (waits up to `within`).
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let received = self.received();
            if received.len() >= n {
                return received;
            }
            assert!(
                started.elapsed() < within,
                "{n} webhook requests within {within:?}; got {received:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
