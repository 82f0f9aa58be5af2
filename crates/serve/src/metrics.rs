//! Prometheus metrics of the receiver, rendered at `/metrics` in the OpenMetrics text format.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub provider: String,
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HydrationLabels {
    pub environment: String,
    pub outcome: String,
}

/// The receiver's metrics and the registry that renders them.
pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub hydrations: Family<HydrationLabels, Counter>,
    pub queue_depth: Gauge,
    pub coalesced: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("canon_serve");
        let requests = Family::<RequestLabels, Counter>::default();
        let hydrations = Family::<HydrationLabels, Counter>::default();
        let queue_depth = Gauge::default();
        let coalesced = Counter::default();
        registry.register(
            "webhook_requests",
            "Webhook requests by provider and outcome",
            requests.clone(),
        );
        registry.register(
            "hydrations",
            "Hydrations run by environment and outcome",
            hydrations.clone(),
        );
        registry.register(
            "queue_depth",
            "Pending hydrations (at most one per environment)",
            queue_depth.clone(),
        );
        registry.register(
            "coalesced",
            "Pending hydrations replaced by a newer request",
            coalesced.clone(),
        );
        Metrics {
            registry,
            requests,
            hydrations,
            queue_depth,
            coalesced,
        }
    }
}

impl Metrics {
    pub fn request(&self, provider: &str, outcome: &str) {
        self.requests
            .get_or_create(&RequestLabels {
                provider: provider.to_string(),
                outcome: outcome.to_string(),
            })
            .inc();
    }

    pub fn hydration(&self, environment: &str, outcome: &str) {
        self.hydrations
            .get_or_create(&HydrationLabels {
                environment: environment.to_string(),
                outcome: outcome.to_string(),
            })
            .inc();
    }

    /// The OpenMetrics text of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}
